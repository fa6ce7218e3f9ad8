//! The client side of the customer-instance protocol v1 (`docs/customer-api.md`): `about`,
//! `session`, `link`, `DELETE link` and `health`, with the protocol's errors turned into the
//! core's [`Error`] a person can act on.
//!
//! Network rules it must never break: a connect timeout and a total timeout on every call
//! (a hanging instance must not freeze anything), response bodies capped at 1 MiB, no
//! redirects followed (requests carry credentials or tokens), certificates verified. It must
//! never log a password or token.

use crate::error::{Error, Result};
use crate::model::{AdminCredentials, Endpoint};
use reqwest::{Method, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Largest response body the client reads; anything bigger is an invalid response.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy)]
pub struct ClientConfig {
    pub connect_timeout: Duration,
    /// Whole request, from connect to the last byte of the body.
    pub total_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self { connect_timeout: Duration::from_secs(5), total_timeout: Duration::from_secs(15) }
    }
}

/// A pooled HTTP client for customer instances. Cheap to clone.
#[derive(Clone, Debug)]
pub struct InstanceClient {
    http: reqwest::Client,
    config: ClientConfig,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct About {
    pub product: String,
    pub version: String,
    pub build: u32,
    pub instance_id: Uuid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceStatus {
    Up,
    Degraded,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Component {
    pub id: String,
    pub name: String,
    pub status: String,
    pub version: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct HealthReport {
    pub status: InstanceStatus,
    pub uptime_s: u64,
    pub components: Vec<Component>,
}

/// How this console introduces itself when it links an instance.
#[derive(Debug, Clone)]
pub struct MsspIdentity {
    pub mssp_id: Uuid,
    pub mssp_name: String,
    pub build: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlinked {
    /// The instance dropped the link just now.
    Unlinked,
    /// The instance says it was not linked to this MSSP (already removed there).
    WasNotLinked,
}

struct Answer {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Vec<u8>,
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Deserialize)]
struct ErrorDetail {
    code: String,
    #[serde(default)]
    message: String,
}

impl InstanceClient {
    pub fn new(config: ClientConfig) -> Result<Self> {
        let http = Self::builder(config)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(2)
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(Self { http, config })
    }

    /// The same client settings, but every connection is closed after its request instead
    /// of idling in the pool (for checks across thousands of distinct hosts).
    pub fn without_idle_pool(&self) -> Result<Self> {
        let http = Self::builder(self.config)
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(Self { http, config: self.config })
    }

    fn builder(config: ClientConfig) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mssp-console/", env!("CARGO_PKG_VERSION")))
    }

    /// `GET /mssp/v1/about`: reachability and build, no credentials needed.
    pub async fn about(&self, ep: &Endpoint) -> Result<About> {
        let answer = self.send(ep, Method::GET, "/mssp/v1/about", None, None, None).await?;
        expect_json(ep, answer)
    }

    /// `POST /mssp/v1/session`: exchanges admin credentials for a bearer token.
    pub async fn login(&self, ep: &Endpoint, creds: &AdminCredentials) -> Result<Token> {
        let body = serde_json::json!({
            "username": creds.username,
            "password": creds.password.expose_secret(),
        });
        let started = Instant::now();
        let answer =
            self.send(ep, Method::POST, "/mssp/v1/session", None, Some(body), None).await?;
        #[derive(Deserialize)]
        struct SessionBody {
            token: SecretString,
            expires_in: u64,
        }
        let session: SessionBody = expect_json(ep, answer)?;
        Ok(Token {
            value: session.token,
            // Renew a little early so a token never expires between check and use.
            expires_at: started + Duration::from_secs(session.expires_in.saturating_sub(5)),
        })
    }

    async fn send(
        &self,
        ep: &Endpoint,
        method: Method,
        path: &str,
        token: Option<&Token>,
        body: Option<serde_json::Value>,
        mssp_id: Option<Uuid>,
    ) -> Result<Answer> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", ep.base_url()))
            .header(header::ACCEPT, "application/json");
        if let Some(token) = token {
            req = req.bearer_auth(token.value.expose_secret());
        }
        if let Some(id) = mssp_id {
            req = req.header("X-MSSP-Id", id.to_string());
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let mut resp = req.send().await.map_err(|e| self.transport_error(ep, &e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        if resp.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport_error(ep, &e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer { status, headers, body })
    }

    fn transport_error(&self, ep: &Endpoint, err: &reqwest::Error) -> Error {
        let target = format!("{}:{}", ep.server, ep.port);
        if err.is_timeout() {
            return Error::Timeout { target, seconds: self.config.total_timeout.as_secs().max(1) };
        }
        if let Some(detail) = tls_problem(err) {
            return Error::Tls { target, detail };
        }
        if err.is_connect() {
            return Error::Unreachable { target, detail: connect_problem(err) };
        }
        if err.is_body() || err.is_decode() {
            return Error::InvalidResponse(format!("the answer was cut off ({})", root_cause(err)));
        }
        Error::Unreachable { target, detail: root_cause(err) }
    }
}

/// A bearer token and when to stop using it.
pub struct Token {
    value: SecretString,
    expires_at: Instant,
}

impl Token {
    fn is_fresh(&self) -> bool {
        Instant::now() < self.expires_at
    }
}

/// An authenticated conversation with one instance: logs in when it has no fresh token, and
/// when the instance says the token expired or is unknown it logs in again once, then gives
/// up with a clear error.
pub struct Connection {
    client: InstanceClient,
    endpoint: Endpoint,
    credentials: AdminCredentials,
    token: Option<Token>,
}

impl Connection {
    pub fn new(client: InstanceClient, endpoint: Endpoint, credentials: AdminCredentials) -> Self {
        Self { client, endpoint, credentials, token: None }
    }

    /// Logs in now (verifying the credentials), replacing any token held.
    pub async fn login(&mut self) -> Result<()> {
        self.token = Some(self.client.login(&self.endpoint, &self.credentials).await?);
        Ok(())
    }

    async fn authed(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
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

    /// `POST /mssp/v1/link`: integrates the instance with this MSSP (idempotent).
    pub async fn link(&mut self, me: &MsspIdentity) -> Result<()> {
        let body = serde_json::json!({
            "mssp_id": me.mssp_id,
            "mssp_name": me.mssp_name,
            "build": me.build,
        });
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
        let body = serde_json::json!({ "technicians": technicians });
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
        let body = serde_json::json!({ "allocation": allocation });
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

    /// `GET /mssp/v1/health`.
    pub async fn health(&mut self) -> Result<HealthReport> {
        let answer = self.authed(Method::GET, "/mssp/v1/health", None, None).await?;
        expect_json(&self.endpoint, answer)
    }
}

fn error_code(answer: &Answer) -> Option<String> {
    serde_json::from_slice::<ErrorBody>(&answer.body).ok().map(|b| b.error.code)
}

fn expect_success(ep: &Endpoint, answer: Answer) -> Result<()> {
    if answer.status.is_success() { Ok(()) } else { Err(protocol_error(ep, &answer)) }
}

fn expect_json<T: DeserializeOwned>(ep: &Endpoint, answer: Answer) -> Result<T> {
    if !answer.status.is_success() {
        return Err(protocol_error(ep, &answer));
    }
    serde_json::from_slice(&answer.body)
        .map_err(|e| Error::InvalidResponse(format!("{} is not a Log360 MSSP answer ({e})", ep)))
}

/// Turns a protocol error answer into what the person can act on.
fn protocol_error(ep: &Endpoint, answer: &Answer) -> Error {
    let detail = serde_json::from_slice::<ErrorBody>(&answer.body).ok();
    let code = detail.as_ref().map(|d| d.error.code.as_str()).unwrap_or("");
    let message =
        detail.as_ref().map(|d| d.error.message.clone()).filter(|m| !m.is_empty()).unwrap_or_else(
            || answer.status.canonical_reason().unwrap_or("no explanation").to_owned(),
        );
    match (answer.status, code) {
        (StatusCode::UNAUTHORIZED, "bad_credentials") => Error::AuthFailed(
            "The customer's instance rejected the admin credentials. Check the username and password.".into(),
        ),
        (StatusCode::UNAUTHORIZED, _) => Error::AuthFailed(format!(
            "The customer's instance refused the request: {message}"
        )),
        (StatusCode::TOO_MANY_REQUESTS, _) => Error::LockedOut {
            retry_after_s: answer
                .headers
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok()),
        },
        (StatusCode::CONFLICT, "linked_to_other_mssp") => Error::LinkedToOtherMssp,
        (status, _) if status.is_redirection() => Error::InvalidResponse(format!(
            "{ep} answered with a redirect (HTTP {}); check the server, port and connection type",
            status.as_u16()
        )),
        (status, _) if detail.is_none() && !status.is_server_error() => Error::InvalidResponse(
            format!("{ep} answered HTTP {} without a Log360 MSSP error; is this a Log360 instance?", status.as_u16()),
        ),
        (status, _) => Error::InstanceError {
            status: status.as_u16(),
            message,
        },
    }
}

fn too_large() -> Error {
    Error::InvalidResponse(format!("the answer is larger than {} KiB", MAX_BODY_BYTES / 1024))
}

/// Walks an error's causes, innermost last. `io::Error::source()` skips the error it wraps
/// (it returns the wrapped error's source), and TLS failures arrive as io errors wrapping io
/// errors wrapping the rustls error, so io errors are unwrapped with `get_ref` instead.
fn causes<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| match e.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn std::error::Error + 'static)),
        None => e.source(),
    })
}

fn root_cause(err: &reqwest::Error) -> String {
    causes(err).last().map(|e| e.to_string()).unwrap_or_default()
}

fn connect_problem(err: &reqwest::Error) -> String {
    for cause in causes(err) {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    "connection refused (is Log360 running on that port?)".into()
                }
                std::io::ErrorKind::ConnectionReset => "connection reset".into(),
                std::io::ErrorKind::TimedOut => "connection timed out".into(),
                _ => io.to_string(),
            };
        }
    }
    let root = root_cause(err);
    if root.contains("dns error") || root.contains("failed to lookup") {
        "the server name could not be resolved".into()
    } else {
        root
    }
}

/// A TLS failure, told apart from other connect failures so the person learns the instance
/// is there but its certificate is not trusted.
fn tls_problem(err: &reqwest::Error) -> Option<String> {
    for cause in causes(err) {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return Some(match tls {
                rustls::Error::InvalidCertificate(cert) => format!(
                    "its certificate is not trusted ({cert:?}); self-signed certificates are not supported yet"
                ),
                other => other.to_string(),
            });
        }
    }
    None
}
