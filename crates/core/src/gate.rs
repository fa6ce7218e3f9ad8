//! The one gate every call to an integrated customer's instance passes: a client with that
//! customer's own TLS trust, its secrets opened from the vault, and a connection that makes
//! the instance prove its identity before any credential is sent. And what each contact
//! teaches: the certificate seen (and when it expires), a certificate that changed, an
//! instance that is not the one integrated; each told once and audited.
//!
//! Must never build a connection to an integrated customer that skips the identity proof,
//! and never share one customer's client (and so its pin) with another.

use crate::audit::{AuditAction, Outcome, Target};
use crate::client::{Connection, ConsoleSignIn, InstanceClient, InstanceIdentity};
use crate::context::{Context, blocking};
use crate::error::{Error, Result};
use crate::events::{ConsoleEvent, NoticeKind, Notification};
use crate::model::{ConnectionType, Customer, CustomerId};
use crate::store::{certificates, secrets};
use crate::vault::{Sealed, Secrets};

/// The expiry warning starts this many days before a customer's certificate expires.
pub const CERTIFICATE_WARNING_DAYS: i64 = 30;

/// A customer's secrets, opened (the keychain is read on first use, off the async threads).
pub(crate) async fn secrets(ctx: &Context, id: CustomerId) -> Result<Option<Secrets>> {
    let Some(sealed) = ctx.store.read(|c| secrets::get(c, id))? else {
        return Ok(None);
    };
    let vault = ctx.vault.clone();
    blocking(move || vault.open(id, &sealed).map(Some)).await
}

/// Seals a customer's secrets for the store (keychain on first use, off the async threads).
pub(crate) async fn seal(ctx: &Context, id: CustomerId, secrets: Secrets) -> Result<Sealed> {
    let vault = ctx.vault.clone();
    blocking(move || vault.seal(id, &secrets)).await
}

/// A client that verifies this customer's certificate against this customer's trust only.
pub(crate) fn client(ctx: &Context, customer: &Customer) -> Result<InstanceClient> {
    ctx.client().for_customer(customer.endpoint.connection, customer.pin.as_ref())
}

/// A connection to an integrated customer: its trust, its credentials, its identity.
pub(crate) async fn connect(ctx: &Context, customer: &Customer) -> Result<Connection> {
    let secrets = secrets(ctx, customer.id).await?.ok_or_else(|| {
        Error::AuthFailed(
            "no admin credentials are stored for this customer; enter them again with Edit".into(),
        )
    })?;
    let identity =
        InstanceIdentity { instance_id: customer.instance_id, link_key: secrets.link_key };
    Ok(Connection::to_integrated(
        client(ctx, customer)?,
        customer.endpoint.clone(),
        secrets.credentials,
        identity,
    ))
}

/// A one-time sign-in URL for the customer's own web console, asked for `technician` over a
/// connection like any other (its trust, the identity proof before the login), and for an
/// HTTPS customer the certificate (DER) that connection verified against the customer's
/// trust, so the window that opens the URL can insist on the same one.
pub(crate) async fn console_sign_in(
    ctx: &Context,
    customer: &Customer,
    technician: &str,
) -> Result<(ConsoleSignIn, Option<Vec<u8>>)> {
    let mut conn = connect(ctx, customer).await?;
    let answer = conn.console_session(technician).await;
    learn(ctx, customer, conn.client(), answer.as_ref().map(drop));
    let signed = answer?;
    let verified =
        match customer.endpoint.connection {
            ConnectionType::Https => Some(conn.client().presented_leaf_der().ok_or_else(|| {
                Error::Internal("the verified certificate was not recorded".into())
            })?),
            ConnectionType::Http => None,
        };
    Ok((signed, verified))
}

/// What a contact with a customer taught: records the certificate a successful contact saw
/// (warning once when it expires soon), or a changed certificate or instance (told once).
pub(crate) fn learn(
    ctx: &Context,
    customer: &Customer,
    client: &InstanceClient,
    outcome: Result<(), &Error>,
) {
    match outcome {
        Ok(()) => {
            ctx.clear_report(customer.id, "instance_changed");
            if customer.endpoint.connection == ConnectionType::Https
                && let Some(cert) = client.presented_certificate()
            {
                seen(ctx, customer, &cert.sha256.to_hex(), cert.not_after);
            }
        }
        Err(Error::CertificateChanged { presented, .. }) => {
            changed(ctx, customer, &presented.sha256.to_hex(), &presented.sha256.to_string())
        }
        Err(err @ Error::InstanceChanged { .. }) => instance_changed(ctx, customer, err),
        Err(_) => {}
    }
}

fn seen(ctx: &Context, customer: &Customer, sha256: &str, not_after: time::OffsetDateTime) {
    let now = ctx.now();
    let warn = ctx.store.write(|tx| {
        let before = certificates::get(tx, customer.id)?;
        certificates::observe(tx, customer.id, sha256, not_after)?;
        let after = certificates::get(tx, customer.id)?;
        if before.as_ref().is_some_and(|b| b.changed_to.is_some()) {
            // Trusted again (the admin reviewed it): the table drops "Certificate changed".
            ctx.emit(ConsoleEvent::CustomersChanged);
        }
        let soon = (not_after - now).whole_days() <= CERTIFICATE_WARNING_DAYS;
        let due = soon && after.is_some_and(|a| !a.expiry_notified);
        if due {
            certificates::set_expiry_notified(tx, customer.id)?;
        }
        Ok(due)
    });
    match warn {
        Ok(true) => ctx.emit(ConsoleEvent::Notify(Notification::about(
            NoticeKind::CertificateExpiring,
            vec![customer.id],
            format!("{}'s certificate expires soon", customer.name),
            format!(
                "The certificate of {}:{} expires on {}. Renew it on the customer's Log360 server before then.",
                customer.endpoint.server,
                customer.endpoint.port,
                not_after.date()
            ),
        ))),
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "could not record a customer's certificate"),
    }
}

fn changed(ctx: &Context, customer: &Customer, sha256: &str, shown: &str) {
    let news = ctx.store.write(|tx| certificates::mark_changed(tx, customer.id, sha256, ctx.now()));
    match news {
        Ok(true) => {
            let trusted = customer.pin.as_ref().map(|p| p.describe()).unwrap_or_default();
            let body = format!(
                "{}:{} now presents certificate {shown} instead of the trusted {trusted}. Nothing is sent to it until an administrator reviews and trusts the new certificate.",
                customer.endpoint.server, customer.endpoint.port
            );
            ctx.audit.record(
                "system",
                AuditAction::CertificateChanged,
                Target::customer(customer.id, &customer.name),
                Outcome::Failure,
                Some(&body),
            );
            ctx.emit(ConsoleEvent::Notify(Notification::about(
                NoticeKind::CertificateChanged,
                vec![customer.id],
                format!("{}'s certificate changed", customer.name),
                body,
            )));
            ctx.emit(ConsoleEvent::CustomersChanged);
        }
        Ok(false) => {}
        Err(e) => tracing::error!(error = %e, "could not record a changed certificate"),
    }
}

fn instance_changed(ctx: &Context, customer: &Customer, err: &Error) {
    if ctx.report_once(customer.id, "instance_changed") {
        let why = err.to_string();
        ctx.audit.record(
            "system",
            AuditAction::InstanceChanged,
            &customer.name,
            Outcome::Failure,
            Some(&why),
        );
        ctx.emit(ConsoleEvent::Notify(Notification::about(
            NoticeKind::InstanceChanged,
            vec![customer.id],
            format!("{}: another Log360 instance answers", customer.name),
            why,
        )));
    }
}
