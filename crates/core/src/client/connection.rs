//! An authenticated conversation with one instance: it logs in when it has no fresh token
//! (an integrated instance proving who it is first), and when the instance says the token
//! expired or is unknown it logs in again once, then gives up with a clear error.
//!
//! Must never send credentials to an integrated customer's address before the instance
//! there has proven it is the one integrated.

use super::console::{self, ConsoleSignIn};
use super::identity::{InstanceIdentity, LinkKey, random};
use super::json_body;
use super::{
    About, Answer, HealthReport, InstanceClient, MsspIdentity, Token, Unlinked, error_code,
    expect_json, expect_success,
};
use crate::error::{Error, Result};
use crate::model::{AdminCredentials, Endpoint};
use bytes::Bytes;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use uuid::Uuid;

/// An authenticated conversation with one instance: logs in when it has no fresh token, and
/// when the instance says the token expired or is unknown it logs in again once, then gives
/// up with a clear error.
pub struct Connection {
    client: InstanceClient,
    endpoint: Endpoint,
    credentials: AdminCredentials,
    /// Who must answer before the credentials are sent; None only while adding a customer,
    /// before there is an instance to expect.
    identity: Option<InstanceIdentity>,
    /// The instance proved itself and no login has used that proof yet.
    proven: bool,
    token: Option<Token>,
}

impl Connection {
    /// A conversation with an instance not integrated yet (Add Customer, Edit to another
    /// instance): nothing to prove.
    pub fn new(client: InstanceClient, endpoint: Endpoint, credentials: AdminCredentials) -> Self {
        Self { client, endpoint, credentials, identity: None, proven: false, token: None }
    }

    /// A conversation with an integrated instance: each new login first proves it is the
    /// one integrated.
    pub fn to_integrated(
        client: InstanceClient,
        endpoint: Endpoint,
        credentials: AdminCredentials,
        identity: InstanceIdentity,
    ) -> Self {
        Self { client, endpoint, credentials, identity: Some(identity), proven: false, token: None }
    }

    pub fn client(&self) -> &InstanceClient {
        &self.client
    }

    /// `about`, and for an integrated instance its proof that it is the one integrated (the
    /// next login uses that proof instead of asking again).
    pub async fn verify(&mut self) -> Result<About> {
        let about = match &self.identity {
            Some(identity) => self.prove(identity).await?,
            None => self.client.about(&self.endpoint).await?,
        };
        self.proven = true;
        Ok(about)
    }

    /// Logs in now (verifying the credentials), replacing any token held. An integrated
    /// instance must first prove who it is (once per login); otherwise nothing is sent.
    pub async fn login(&mut self) -> Result<()> {
        if self.identity.is_some() && !self.proven {
            self.verify().await?;
        }
        self.proven = false;
        self.token = Some(self.client.login(&self.endpoint, &self.credentials).await?);
        Ok(())
    }

    /// `about?challenge=` with a fresh nonce: the integrated id, and a valid proof when the
    /// instance was given a link key.
    async fn prove(&self, identity: &InstanceIdentity) -> Result<About> {
        let mut nonce = [0u8; 32];
        random(&mut nonce)?;
        let about = self.client.about_challenged(&self.endpoint, &nonce).await?;
        let target = format!("{}:{}", self.endpoint.server, self.endpoint.port);
        let changed = |proven| Error::InstanceChanged {
            target: target.clone(),
            expected: identity.instance_id,
            found: about.instance_id,
            proven,
        };
        if about.instance_id != identity.instance_id {
            return Err(changed(false));
        }
        match (&identity.link_key, about.proof.as_deref()) {
            // Integrated before link keys existed: the id is all there is to compare; the
            // next sync gives it a key.
            (None, _) => Ok(about),
            (Some(key), Some(proof)) if key.verify(&nonce, identity.instance_id, proof) => {
                Ok(about)
            }
            (Some(_), _) => Err(changed(false)),
        }
    }

    async fn authed(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Bytes>,
        mssp_id: Option<Uuid>,
    ) -> Result<Answer> {
        if !self.token.as_ref().is_some_and(Token::is_fresh) {
            self.login().await?;
        }
        let mut relogged = false;
        loop {
            let answer = self
                .client
                .send(
                    &self.endpoint,
                    method.clone(),
                    path,
                    self.token.as_ref(),
                    body.clone(),
                    mssp_id,
                )
                .await?;
            let session_rejected = answer.status == StatusCode::UNAUTHORIZED
                && matches!(error_code(&answer).as_deref(), Some("token_expired" | "unauthorized"));
            if !session_rejected {
                return Ok(answer);
            }
            if relogged {
                self.token = None;
                return Err(Error::AuthFailed(
                    "The customer's instance accepted the admin credentials but then rejected the session twice.".into(),
                ));
            }
            relogged = true;
            self.login().await?;
        }
    }

    /// `POST /mssp/v1/link`: integrates the instance with this MSSP (idempotent) and gives
    /// it `key`, with which it proves itself from now on.
    pub async fn link(&mut self, me: &MsspIdentity, key: &LinkKey) -> Result<()> {
        #[derive(serde::Serialize)]
        struct LinkBody<'a> {
            mssp_id: Uuid,
            mssp_name: &'a str,
            build: u32,
            link_key: &'a str,
        }
        let wire = key.to_wire();
        let body = json_body(&LinkBody {
            mssp_id: me.mssp_id,
            mssp_name: &me.mssp_name,
            build: me.build,
            link_key: &wire,
        })?;
        let answer = self.authed(Method::POST, "/mssp/v1/link", Some(body), None).await?;
        if answer.status == StatusCode::PRECONDITION_FAILED {
            return Err(Error::BuildMismatch { console: me.build, customer: None });
        }
        expect_success(&self.endpoint, answer)
    }

    /// `DELETE /mssp/v1/link`: dis-integrates the instance from this MSSP.
    pub async fn unlink(&mut self, mssp_id: Uuid) -> Result<Unlinked> {
        let answer = self.authed(Method::DELETE, "/mssp/v1/link", None, Some(mssp_id)).await?;
        if answer.status == StatusCode::NOT_FOUND
            && error_code(&answer).as_deref() == Some("not_linked")
        {
            return Ok(Unlinked::WasNotLinked);
        }
        expect_success(&self.endpoint, answer).map(|()| Unlinked::Unlinked)
    }

    /// `GET /mssp/v1/data`: everything the console collects in one call.
    pub async fn data(&mut self) -> Result<crate::instance_data::InstanceData> {
        let answer = self.authed(Method::GET, "/mssp/v1/data", None, None).await?;
        expect_json(&self.endpoint, answer)
    }

    /// `PUT /mssp/v1/technicians`: the whole central set delegated to this customer.
    pub async fn put_technicians(
        &mut self,
        technicians: &[crate::instance_data::CentralTechnician],
    ) -> Result<u64> {
        let body = json_body(&serde_json::json!({ "technicians": technicians }))?;
        let answer = self.authed(Method::PUT, "/mssp/v1/technicians", Some(body), None).await?;
        #[derive(Deserialize)]
        struct Applied {
            applied: u64,
        }
        expect_json::<Applied>(&self.endpoint, answer).map(|a| a.applied)
    }

    /// `PUT /mssp/v1/license/allocation`: the instance's allocation per resource.
    pub async fn put_allocation(
        &mut self,
        allocation: &std::collections::BTreeMap<String, u64>,
    ) -> Result<()> {
        let body = json_body(&serde_json::json!({ "allocation": allocation }))?;
        let answer =
            self.authed(Method::PUT, "/mssp/v1/license/allocation", Some(body), None).await?;
        if answer.status == StatusCode::UNPROCESSABLE_ENTITY {
            #[derive(Deserialize)]
            struct BelowUsage {
                error: BelowUsageDetail,
            }
            #[derive(Deserialize)]
            struct BelowUsageDetail {
                code: String,
                resource: String,
                usage: u64,
            }
            if let Ok(b) = serde_json::from_slice::<BelowUsage>(&answer.body)
                && b.error.code == "below_usage"
            {
                return Err(Error::BelowUsage { resource: b.error.resource, usage: b.error.usage });
            }
        }
        expect_success(&self.endpoint, answer)
    }

    /// `POST /mssp/v1/console-session`: a one-time URL that signs a person in to the
    /// instance's own web console, for `technician` (named for the instance's records).
    /// Refused unless it is on the origin called, short, and valid for at most a minute
    /// (see [`super::console`]); an instance that predates the route says so.
    pub async fn console_session(&mut self, technician: &str) -> Result<ConsoleSignIn> {
        let technician: String = technician.chars().take(128).collect();
        let body = json_body(&serde_json::json!({ "technician": technician }))?;
        let asked = std::time::Instant::now();
        let answer =
            self.authed(Method::POST, "/mssp/v1/console-session", Some(body), None).await?;
        if answer.status == StatusCode::NOT_FOUND
            && error_code(&answer).as_deref() == Some("not_found")
        {
            return Err(Error::InstanceError {
                status: 404,
                message: "it does not offer console sign-in (POST /mssp/v1/console-session); \
                          update the customer's Log360"
                    .into(),
            });
        }
        #[derive(Deserialize)]
        struct SignIn {
            url: secrecy::SecretString,
            expires_in: u64,
        }
        let answer: SignIn = expect_json(&self.endpoint, answer)?;
        console::check(&self.endpoint, answer.url, answer.expires_in, asked)
    }

    /// `GET /mssp/v1/health`.
    pub async fn health(&mut self) -> Result<HealthReport> {
        let answer = self.authed(Method::GET, "/mssp/v1/health", None, None).await?;
        expect_json(&self.endpoint, answer)
    }
}
