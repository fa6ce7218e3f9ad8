//! "Open console" against log360-sim: a one-time sign-in URL on the customer's own origin,
//! asked for through the gate (identity proof, the customer's pin), audited without the URL,
//! for administrators and the operators it is delegated to, never guests; and refused when
//! the instance answers a URL a window must not open.

mod common;

use common::{ADMIN, ADMIN_PASSWORD, Harness, input_for};
use log360_sim::{Hostile, InstanceInfo, InstanceSpec, TlsMode};
use mssp_core::model::{ConnectionType, CustomerId};
use mssp_core::trust::CertificateInfo;
use mssp_core::validate::{TechnicianInput, TrustChoice};
use reqwest::StatusCode;
use secrecy::SecretString;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const CONSOLE_SESSION: (&str, &str) = ("POST", "/mssp/v1/console-session");

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap()
}

async fn status_of(url: &str) -> StatusCode {
    browser().get(url).send().await.unwrap().status()
}

fn asked(h: &Harness, info: &InstanceInfo) -> u64 {
    h.sim.request_count_for(info.port, CONSOLE_SESSION.0, CONSOLE_SESSION.1)
}

fn console_audit(h: &Harness) -> Vec<mssp_core::audit::AuditEntry> {
    let all = h.console.audit_log(1000).unwrap();
    all.into_iter().filter(|e| e.action == "customer.console.open").collect()
}

async fn technician(h: &Harness, username: &str, role: &str, customers: &[CustomerId]) {
    h.console
        .add_technician(TechnicianInput {
            username: username.into(),
            email: format!("{username}@mssp.example.com"),
            role: role.into(),
            all_customers: customers.is_empty(),
            customer_ids: customers.iter().map(|c| c.to_string()).collect(),
            tag_ids: vec![],
            password: SecretString::from(format!("{username} password 1")),
        })
        .await
        .unwrap();
}

async fn log_in_as(h: &Harness, username: &str) {
    h.console.sessions().logout();
    h.console.sessions().login(username, &format!("{username} password 1")).await.unwrap();
}

async fn log_in_as_admin(h: &Harness) {
    h.console.sessions().logout();
    h.console.sessions().login(ADMIN, ADMIN_PASSWORD).await.unwrap();
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_admin_gets_a_one_time_url_on_the_customers_own_origin_audited_without_it() {
    let h = Harness::new().await;
    let acme = h.instance("Acme Corp", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme Corp")).await.unwrap();
    let proofs = h.sim.request_count_for(acme.port, "GET", "/mssp/v1/about");

    let target = h.console.customer_console_target(c.id).unwrap();
    assert_eq!(target.name, "Acme Corp");
    assert_eq!(target.origin, format!("http://127.0.0.1:{}", acme.port));
    assert_eq!(target.connection, ConnectionType::Http);
    assert!(target.cleartext && target.pin.is_none() && !target.platform_trusted());
    assert_eq!(asked(&h, &acme), 0, "the target alone contacts nobody");

    let logs = Captured::default();
    let writer = logs.clone();
    let guard = tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish(),
    );
    let before = Instant::now();
    let opened = h.console.customer_console_url(c.id).await.unwrap();
    drop(guard);

    assert_eq!(asked(&h, &acme), 1);
    assert!(
        h.sim.request_count_for(acme.port, "GET", "/mssp/v1/about") > proofs,
        "the instance proved who it is before the login"
    );
    assert_eq!(opened.target, target);
    assert_eq!(opened.verified_certificate, None, "plain HTTP has no certificate");
    let url = opened.url.expose().to_owned();
    assert!(url.starts_with(&format!("{}/console/sso?ticket=", target.origin)), "{url}");
    let ticket = url.rsplit('=').next().unwrap().to_owned();
    assert!(opened.valid_until <= before + Duration::from_secs(61));
    assert!(opened.valid_until > Instant::now() + Duration::from_secs(50));

    // The URL is a credential: not in Debug, the logs or the audit.
    assert!(!format!("{opened:?}").contains(&ticket));
    let logged = String::from_utf8_lossy(&logs.0.lock().unwrap()).into_owned();
    assert!(!logged.is_empty(), "TRACE logs were captured");
    assert!(!logged.contains(&ticket), "the ticket reached the logs");
    let audit = console_audit(&h);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, ADMIN);
    assert_eq!(audit[0].target, "Acme Corp");
    assert_eq!(audit[0].customer_id, Some(c.id));
    assert_eq!(audit[0].outcome.as_str(), "success");
    assert!(!format!("{audit:?}").contains(&ticket));

    // Once only; the page says who opened it.
    let first = browser().get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let cookie = first.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap();
    let page = browser()
        .get(format!("{}/console/", target.origin))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("Opened by MSSP technician {ADMIN}")), "{page}");
    assert_eq!(status_of(&url).await, StatusCode::UNAUTHORIZED);

    // Each Open console is a new URL.
    let again = h.console.customer_console_url(c.id).await.unwrap();
    assert_ne!(again.url.expose(), url);
    assert_eq!(console_audit(&h).len(), 2);
}

#[tokio::test]
async fn operators_open_the_customers_delegated_to_them_and_guests_none() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let globex = h.instance("Globex", "globex-admin-pass-1").await;
    let a = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    let g = h.console.add_customer(input_for(&globex, "Globex")).await.unwrap();
    technician(&h, "otto", "operator", &[a.id]).await;
    technician(&h, "gina", "guest", &[]).await;

    log_in_as(&h, "otto").await;
    h.console.customer_console_url(a.id).await.unwrap();
    let err = h.console.customer_console_url(g.id).await.unwrap_err();
    assert_eq!(err.code(), "not_found");
    assert_eq!(h.console.customer_console_target(g.id).unwrap_err().code(), "not_found");

    log_in_as(&h, "gina").await;
    let err = h.console.customer_console_url(a.id).await.unwrap_err();
    assert_eq!(err.code(), "forbidden");
    assert_eq!(err.to_string(), "Guests cannot open a customer's console.");
    assert_eq!(h.console.customer_console_target(a.id).unwrap_err().code(), "forbidden");

    h.console.sessions().logout();
    assert_eq!(h.console.customer_console_url(a.id).await.unwrap_err().code(), "locked");

    // Refusals ran nothing: one sign-in reached Acme, none Globex, one audit entry.
    assert_eq!(asked(&h, &acme), 1);
    assert_eq!(asked(&h, &globex), 0);
    log_in_as_admin(&h).await;
    let audit = console_audit(&h);
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "otto");
}

#[tokio::test]
async fn a_pinned_customer_hands_over_the_certificate_its_pin_accepted() {
    let h = Harness::new().await;
    let mut spec = InstanceSpec::new("Initech");
    spec.password = "initech-admin-pass-1".into();
    spec.tls_mode = Some(TlsMode::SelfSigned);
    let initech = h.sim.add_instance(spec).await.unwrap();
    let sha256 = h.sim.certificate(initech.port).unwrap().sha256;
    let mut input = input_for(&initech, "Initech");
    input.trust = Some(TrustChoice::Certificate(sha256.clone()));
    let c = h.console.add_customer(input).await.unwrap();

    let opened = h.console.customer_console_url(c.id).await.unwrap();
    assert_eq!(opened.target.connection, ConnectionType::Https);
    assert!(opened.target.pin.is_some() && !opened.target.platform_trusted());
    assert_eq!(opened.target.origin, format!("https://127.0.0.1:{}", initech.port));
    assert!(opened.url.expose().starts_with(&format!("{}/console/sso?", opened.target.origin)));
    let der = opened.verified_certificate.expect("the verified certificate");
    assert_eq!(CertificateInfo::from_der(&der).unwrap().sha256.to_hex(), sha256);
    assert_eq!(status_of(opened.url.expose()).await, StatusCode::SEE_OTHER);

    // A certificate the pin does not accept: nothing asked, nothing to open.
    h.sim.set_certificate(initech.port, Default::default()).unwrap();
    let before = asked(&h, &initech);
    let err = h.console.customer_console_url(c.id).await.unwrap_err();
    assert_eq!(err.code(), "certificate_changed");
    assert_eq!(asked(&h, &initech), before);
    assert_eq!(console_audit(&h)[0].outcome.as_str(), "failure", "newest first");
}

#[tokio::test]
async fn another_instance_at_the_address_gets_no_login_and_no_sign_in() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();
    h.sim.swap_identity(acme.port);
    let sessions = h.sim.request_count_for(acme.port, "POST", "/mssp/v1/session");
    let err = h.console.customer_console_url(c.id).await.unwrap_err();
    assert_eq!(err.code(), "instance_changed");
    assert_eq!(h.sim.request_count_for(acme.port, "POST", "/mssp/v1/session"), sessions);
    assert_eq!(asked(&h, &acme), 0);
}

#[tokio::test]
async fn a_url_a_window_must_not_open_is_refused_and_the_failure_audited() {
    let h = Harness::new().await;
    let acme = h.instance("Acme", "acme-admin-pass-1").await;
    let c = h.console.add_customer(input_for(&acme, "Acme")).await.unwrap();

    h.sim.set_hostile(acme.port, Hostile { foreign_console_url: true, ..Hostile::default() });
    let err = h.console.customer_console_url(c.id).await.unwrap_err();
    assert_eq!(err.code(), "invalid_response");
    assert!(err.to_string().contains("not on its own origin"), "{err}");
    assert!(!err.to_string().contains(Hostile::FOREIGN_CONSOLE_HOST), "{err}");

    h.sim.set_hostile(acme.port, Hostile { long_strings: true, ..Hostile::default() });
    let err = h.console.customer_console_url(c.id).await.unwrap_err();
    assert!(err.to_string().contains("longer than 2048"), "{err}");

    let h2 = Hostile { huge_token_lifetime: true, ..Hostile::default() };
    h.sim.set_hostile(acme.port, h2);
    let opened = h.console.customer_console_url(c.id).await.unwrap();
    assert!(opened.valid_until <= Instant::now() + Duration::from_secs(60), "clamped");

    let audit = console_audit(&h);
    let outcomes: Vec<_> = audit.iter().rev().map(|e| e.outcome.as_str()).collect();
    assert_eq!(outcomes, ["failure", "failure", "success"]);
    assert!(audit.iter().all(|e| !e.reason.clone().unwrap_or_default().contains("ticket=")));
}
