//! The client side of the customer-instance protocol v1 (`docs/customer-api.md`): `about`,
//! `session`, `link`, `DELETE link`, `health`, `data`, the pushes and `console-session`,
//! with the protocol's errors turned into the core's [`Error`] a person can act on.
//!
//! Network rules it must never break: a connect timeout and a total timeout on every call
//! (a hanging instance must not freeze anything), response bodies capped at 1 MiB, no
//! redirects followed (requests carry credentials or tokens), certificates verified. It must
//! never log a password or token.

mod connection;
pub mod console;
pub mod identity;

pub use connection::Connection;
pub use console::{ConsoleSignIn, ConsoleUrl};
pub use identity::{InstanceIdentity, LinkKey};

use crate::error::{Error, Result};
use crate::locks::lock;
use crate::model::{AdminCredentials, ConnectionType, Endpoint};
use crate::trust::{self, CertificateInfo, Pin, PresentedSlot, Refusal, TlsContext};
use bytes::Bytes;
use reqwest::{Method, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;
use zeroize::Zeroizing;

/// A JSON request body in memory that is wiped when the last copy goes (the HTTP stack keeps
/// a clone while sending; a re-login resends it), so a password or key in it does not
/// outlive the call.
pub(crate) fn json_body(value: &impl serde::Serialize) -> Result<Bytes> {
    // Room for the whole body up front: growing the buffer would leave copies behind.
    let mut buf = Zeroizing::new(Vec::with_capacity(4096));
    serde_json::to_writer(&mut *buf, value).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Bytes::from_owner(ZeroizedBody(buf)))
}

struct ZeroizedBody(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for ZeroizedBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Longest token lifetime believed: an instance announcing more is treated as a day.
pub const MAX_TOKEN_LIFETIME_S: u64 = 24 * 3600;

/// Largest response body the client reads; anything bigger is an invalid response.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Which proxy customer connections go through. None unless the admin sets one: reqwest
/// would otherwise honour `HTTP_PROXY`/`HTTPS_PROXY` and could route customer credentials
/// through a corporate proxy unnoticed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProxyMode {
    #[default]
    None,
    /// The system's proxy settings (the `HTTP(S)_PROXY` environment).
    System,
    /// This proxy URL, for every customer connection.
    Url(String),
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub connect_timeout: Duration,
    /// Whole request, from connect to the last byte of the body.
    pub total_timeout: Duration,
    pub proxy: ProxyMode,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            proxy: ProxyMode::None,
        }
    }
}

/// An HTTP client for customer instances. Cheap to clone. A client made for one customer
/// ([`InstanceClient::for_customer`]) verifies certificates against that customer's trust
/// only, and remembers the certificate its last handshake was shown.
#[derive(Clone, Debug)]
pub struct InstanceClient {
    http: reqwest::Client,
    config: ClientConfig,
    tls: TlsContext,
    pin: Option<Pin>,
    presented: PresentedSlot,
}

/// What an HTTPS instance presented, and whether this computer trusts it.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The leaf certificate first, then what came with it.
    pub chain: Vec<CertificateInfo>,
    /// Why this computer does not trust it; None when it does.
    pub untrusted_because: Option<String>,
    /// The leaf names the host connected to.
    pub names_host: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct About {
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub product: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub version: String,
    pub build: u32,
    pub instance_id: Uuid,
    /// The answer to a challenge (`about?challenge=`), base64url; null when the instance
    /// holds no link key.
    #[serde(default)]
    pub proof: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InstanceStatus {
    Up,
    Degraded,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Component {
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub id: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub name: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    pub status: String,
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
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
    #[serde(deserialize_with = "crate::sanitize::de_shown")]
    code: String,
    #[serde(default, deserialize_with = "crate::sanitize::de_shown")]
    message: String,
}

impl InstanceClient {
    /// A pooled client that trusts what the platform trusts (for tests and tools).
    pub fn new(config: ClientConfig) -> Result<Self> {
        Self::with_tls(config, TlsContext::platform()?)
    }

    pub fn with_tls(config: ClientConfig, tls: TlsContext) -> Result<Self> {
        let presented: PresentedSlot = Arc::new(Mutex::new(None));
        let tls_config = tls.client_config(None, presented.clone())?;
        let http = Self::builder(&config, tls_config)
            .pool_idle_timeout(Duration::from_secs(90))
            .pool_max_idle_per_host(2)
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(Self { http, config, tls, pin: None, presented })
    }

    /// The same settings, but every connection is closed after its request instead of
    /// idling in the pool (for checks across thousands of distinct hosts).
    pub fn without_idle_pool(&self) -> Result<Self> {
        self.build(self.pin.clone(), false)
    }

    /// The same client with customer connections through `proxy`.
    /// The HTTP client itself, for the console's other outbound calls (alert webhooks): the
    /// same timeouts, proxy choice, no redirects and certificate verification.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn with_proxy(&self, proxy: ProxyMode) -> Result<Self> {
        let config = ClientConfig { proxy, ..self.config.clone() };
        let this = Self { config, ..self.clone() };
        this.build(self.pin.clone(), false)
    }

    /// A client for one customer: its own verifier (the pin, or the platform's store), no
    /// idle pool. Plain-HTTP customers need no certificate, so they share this client.
    pub fn for_customer(&self, connection: ConnectionType, pin: Option<&Pin>) -> Result<Self> {
        match connection {
            ConnectionType::Http => Ok(self.clone()),
            ConnectionType::Https => self.build(pin.cloned(), false),
        }
    }

    fn build(&self, pin: Option<Pin>, pooled: bool) -> Result<Self> {
        let presented: PresentedSlot = Arc::new(Mutex::new(None));
        let tls_config = self.tls.client_config(pin.as_ref(), presented.clone())?;
        let builder = Self::builder(&self.config, tls_config);
        let builder = if pooled { builder } else { builder.pool_max_idle_per_host(0) };
        let http = builder
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        Ok(Self { http, config: self.config.clone(), tls: self.tls.clone(), pin, presented })
    }

    fn builder(config: &ClientConfig, tls: rustls::ClientConfig) -> reqwest::ClientBuilder {
        let builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("mssp-console/", env!("CARGO_PKG_VERSION")));
        match &config.proxy {
            ProxyMode::None => builder.no_proxy(),
            ProxyMode::System => builder,
            ProxyMode::Url(url) => match reqwest::Proxy::all(url) {
                Ok(proxy) => builder.proxy(proxy),
                // Settings validate the URL; a bad one here must not silently go direct.
                Err(_) => builder
                    .proxy(reqwest::Proxy::all("http://invalid.invalid:1").expect("a valid URL")),
            },
        }
    }

    /// The leaf certificate of the last handshake of this client, if any.
    pub fn presented_certificate(&self) -> Option<CertificateInfo> {
        let presented = lock(&self.presented).clone()?;
        CertificateInfo::from_der(presented.chain.first()?).ok()
    }

    /// The DER of the leaf certificate of the last handshake of this client, if any: after a
    /// successful request, the certificate this customer's trust accepted.
    pub fn presented_leaf_der(&self) -> Option<Vec<u8>> {
        lock(&self.presented).as_ref()?.chain.first().map(|der| der.to_vec())
    }

    /// Connects to an HTTPS instance only to see its certificate chain, without trusting it
    /// and without sending anything (the handshake is refused once the chain is recorded).
    pub async fn inspect(&self, ep: &Endpoint) -> Result<Inspection> {
        let presented: PresentedSlot = Arc::new(Mutex::new(None));
        let tls_config = self.tls.inspect_config(presented.clone())?;
        let http = Self::builder(&self.config, tls_config)
            .pool_max_idle_per_host(0)
            .build()
            .map_err(|e| Error::Internal(format!("building the HTTP client: {e}")))?;
        let url = format!("{}/mssp/v1/about", ep.base_url());
        if let Err(err) = http.get(url).send().await
            && lock(&presented).is_none()
        {
            return Err(self.transport_error(ep, &err));
        }
        let Some(seen) = lock(&presented).clone() else {
            return Err(Error::InvalidResponse(format!("{ep} presented no certificate")));
        };
        let chain = seen
            .chain
            .iter()
            .map(|der| CertificateInfo::from_der(der))
            .collect::<Result<Vec<_>, _>>()?;
        let leaf = chain
            .first()
            .ok_or_else(|| Error::InvalidResponse(format!("{ep} presented no certificate")))?;
        let untrusted_because = match seen.platform {
            Some(Ok(())) => None,
            Some(Err(e)) => match trust::refusal(&e, false, false) {
                Refusal::Untrusted(why) | Refusal::Other(why) => Some(why),
                Refusal::Expired => Some(format!("it expired on {}", leaf.not_after.date())),
                Refusal::NotYetValid => {
                    Some(format!("it is not valid before {}", leaf.not_before.date()))
                }
                Refusal::Changed | Refusal::WrongHostForCa => Some("it is not trusted".into()),
            },
            None => Some("it could not be checked".into()),
        };
        let names_host = leaf.names_host(&ep.server);
        Ok(Inspection { chain, untrusted_because, names_host })
    }

    /// `GET /mssp/v1/about`: reachability and build, no credentials needed.
    pub async fn about(&self, ep: &Endpoint) -> Result<About> {
        let answer = self.send(ep, Method::GET, "/mssp/v1/about", None, None, None).await?;
        expect_json(ep, answer)
    }

    /// `GET /mssp/v1/about?challenge=`: the same, with the instance's proof that it holds
    /// the link key (see [`identity`]).
    pub async fn about_challenged(&self, ep: &Endpoint, nonce: &[u8]) -> Result<About> {
        let path = format!("/mssp/v1/about?challenge={}", identity::b64(nonce));
        let answer = self.send(ep, Method::GET, &path, None, None, None).await?;
        expect_json(ep, answer)
    }

    /// `POST /mssp/v1/session`: exchanges admin credentials for a bearer token.
    pub async fn login(&self, ep: &Endpoint, creds: &AdminCredentials) -> Result<Token> {
        #[derive(serde::Serialize)]
        struct LoginBody<'a> {
            username: &'a str,
            password: &'a str,
        }
        let body = json_body(&LoginBody {
            username: &creds.username,
            password: creds.password.expose_secret(),
        })?;
        let started = Instant::now();
        let answer =
            self.send(ep, Method::POST, "/mssp/v1/session", None, Some(body), None).await?;
        #[derive(Deserialize)]
        struct SessionBody {
            token: SecretString,
            expires_in: u64,
        }
        let session: SessionBody = expect_json(ep, answer)?;
        // An instance's number is bounded before it meets ours: at most a day, and renewed
        // a little early so a token never expires between check and use.
        let lifetime =
            Duration::from_secs(session.expires_in.min(MAX_TOKEN_LIFETIME_S).saturating_sub(5));
        let expires_at = started.checked_add(lifetime).unwrap_or(started);
        Ok(Token { value: session.token, expires_at })
    }

    async fn send(
        &self,
        ep: &Endpoint,
        method: Method,
        path: &str,
        token: Option<&Token>,
        body: Option<Bytes>,
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
            req = req.header(header::CONTENT_TYPE, "application/json").body(body);
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
        if let Some(tls) = tls_cause(err) {
            return self.certificate_error(target, tls);
        }
        if err.is_connect() {
            return Error::Unreachable { target, detail: connect_problem(err) };
        }
        if err.is_body() || err.is_decode() {
            return Error::InvalidResponse(format!("the answer was cut off ({})", root_cause(err)));
        }
        Error::Unreachable { target, detail: root_cause(err) }
    }

    /// A refused certificate as the person can act on it, naming the certificate shown.
    fn certificate_error(&self, target: String, err: &rustls::Error) -> Error {
        let presented = self.presented_certificate();
        let ca_pinned = matches!(self.pin, Some(Pin::CustomerCa { .. }));
        match (trust::refusal(err, self.pin.is_some(), ca_pinned), presented) {
            (Refusal::Untrusted(reason), Some(cert)) => {
                Error::CertificateUntrusted { target, reason, certificate: Box::new(cert) }
            }
            (Refusal::Changed, Some(cert)) => Error::CertificateChanged {
                target,
                trusted: self.pin.as_ref().map(Pin::describe).unwrap_or_default(),
                presented: Box::new(cert),
            },
            (Refusal::Expired, cert) => {
                Error::CertificateExpired { target, not_after: cert.map(|c| c.not_after) }
            }
            (Refusal::NotYetValid, cert) => Error::Tls {
                target,
                detail: match cert {
                    Some(c) => format!(
                        "its certificate is not valid before {}; check the server's clock",
                        c.not_before.date()
                    ),
                    None => "its certificate is not valid yet; check the server's clock".into(),
                },
            },
            (Refusal::WrongHostForCa, cert) => Error::Tls {
                target,
                detail: format!(
                    "its certificate, issued by the customer CA, is for {} and not for the server name entered; connect by a name it lists",
                    cert.map(|c| c.names.join(", "))
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| "other names".into())
                ),
            },
            (Refusal::Other(detail), _) | (Refusal::Untrusted(detail), None) => {
                Error::Tls { target, detail }
            }
            (Refusal::Changed, None) => Error::Tls {
                target,
                detail: "its certificate is not the one trusted for this customer".into(),
            },
        }
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

/// The TLS failure behind a transport error, if that is what it was.
fn tls_cause(err: &reqwest::Error) -> Option<&rustls::Error> {
    causes(err).find_map(|cause| cause.downcast_ref::<rustls::Error>())
}
