//! One simulated customer Log360 instance: its identity (instance id, link key,
//! certificate state), credentials, sessions, lockout, link holder, components,
//! technicians and license, hostile-answer modes, per-route request counts,
//! and the protocol v1 semantics that read and change them.
//!
//! Owns the rules (who may log in, who holds the link, what a technician push
//! means). It must never touch sockets, parse HTTP or sleep: transport, faults
//! and latency belong to `server`, request decoding to `api`. Every lock here is
//! a short `std::sync::Mutex` critical section that is never held across an
//! `.await`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::error::ApiError;
use crate::hostile::{self, Texts};
use crate::identity::{self, LinkKey};
use crate::model::{
    ConsoleVisit, Fault, Hostile, InstanceInfo, InstanceSpec, SeenCookie, TlsMode,
    version_for_build,
};
use crate::tls::InstanceTls;

/// Consecutive bad logins that trigger a lockout.
pub const MAX_BAD_LOGINS: u32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT: Duration = Duration::from_secs(60);
/// Default lifetime of a session token.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(3600);
/// Longest token lifetime actually applied (about 100 years): a larger one
/// (e.g. `u64::MAX` seconds through the control endpoint) would overflow
/// `Instant` arithmetic, and no test can tell the difference.
const MAX_TOKEN_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
/// Above this many remembered tokens, expired ones are forgotten at the next
/// login, so a benchmark that logs in a million times cannot grow memory
/// without bound (a forgotten token answers `unauthorized`, not `token_expired`).
const TOKEN_PRUNE_THRESHOLD: usize = 1024;
/// MSSP name recorded when a test forces the link holder through the API.
const FORCED_MSSP_NAME: &str = "Other MSSP";
/// Distinct "METHOD path" keys counted per instance; requests beyond that are
/// counted under [`OTHER_ROUTES`], so a client probing random paths cannot grow
/// memory without bound.
const MAX_ROUTE_KEYS: usize = 1024;
/// The key that collects requests once [`MAX_ROUTE_KEYS`] keys exist.
pub const OTHER_ROUTES: &str = "(other)";

/// How long a console sign-in URL stays valid unless set otherwise.
pub const DEFAULT_CONSOLE_TICKET_TTL: Duration = Duration::from_secs(60);
/// The web console's session cookie (one name on every instance, so two
/// instances on one host that shared a cookie store would overwrite each
/// other's, which is what the isolation check looks for).
pub const CONSOLE_COOKIE: &str = "LOG360_CONSOLE_SESSION";
/// Unused sign-in tickets kept before expired ones are forgotten, and console
/// sessions kept (oldest forgotten first), so a benchmark cannot grow memory.
const CONSOLE_KEEP: usize = 1024;
/// Web-console requests remembered per instance (oldest forgotten first).
pub const MAX_CONSOLE_VISITS: usize = 1024;
/// Cookies recorded per web-console request, and characters kept of each
/// name and value: what is recorded stays bounded whatever a client sends.
const MAX_VISIT_COOKIES: usize = 32;
const MAX_COOKIE_CHARS: usize = 256;
/// Longest `technician` a console-session request may name.
pub const MAX_TECHNICIAN_CHARS: usize = 128;

pub const ROLES: [&str; 3] = ["admin", "operator", "guest"];
pub const COMPONENT_STATUSES: [&str; 3] = ["running", "stopped", "error"];

#[derive(Clone, Debug)]
struct Component {
    id: String,
    name: String,
    status: &'static str,
    integration_port: u16,
}

#[derive(Clone, Debug, Serialize)]
pub struct Technician {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub auth: &'static str,
    pub enabled: bool,
}

/// A technician as the MSSP pushes it (already validated by `api`).
#[derive(Clone, Debug)]
pub struct TechnicianInput {
    pub id: String,
    pub name: String,
    pub email: String,
    pub role: String,
}

#[derive(Clone, Debug)]
struct Link {
    mssp_id: Uuid,
    mssp_name: String,
}

/// Everything that changes while the instance runs.
struct State {
    /// Changes only with `swap_identity` (another instance at the same address).
    id: Uuid,
    /// The secret the MSSP gave at its last link (`None` after a legacy link). It
    /// outlives an unlink: it identifies this instance to the console that gave it, until
    /// a new link replaces it or the instance is reinstalled (`swap_identity`).
    link_key: Option<LinkKey>,
    /// Set while the instance plays an impostor: proofs use this random key
    /// instead of the link key, so they are wrong.
    impostor_key: Option<LinkKey>,
    username: String,
    password: String,
    build: u32,
    token_ttl: Duration,
    /// token -> expiry. Expired tokens are kept (up to a bound) so they can be
    /// told apart from unknown ones.
    tokens: HashMap<String, Instant>,
    bad_logins: u32,
    locked_until: Option<Instant>,
    link: Option<Link>,
    components: Vec<Component>,
    /// Synthetic components appended to `data` so its body can be made large.
    extra_components: usize,
    /// One path that answers 500 while the rest works, to fail one step of a flow.
    failing_path: Option<String>,
    /// Which answers carry hostile values; only what is sent changes, never
    /// the state the values come from.
    hostile: Hostile,
    technicians: Vec<Technician>,
    usage: BTreeMap<String, u64>,
    allocated: BTreeMap<String, u64>,
    license_expires_at: OffsetDateTime,
}

/// A one-time console sign-in URL's ticket, until it is used or expires.
struct Ticket {
    expires: Instant,
    technician: Option<String>,
}

/// A session of the web console, as its cookie names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The instance user the MSSP signed in as.
    pub user: String,
    /// The MSSP technician who opened the console, when the console said.
    pub technician: Option<String>,
}

/// Why a sign-in ticket was refused (each answers the same page: a person
/// cannot do anything different about them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketRefused {
    /// Never issued here, or already used.
    Unknown,
    Expired,
}

/// The web console's state: tickets, sessions and what requests carried. Its
/// own lock, taken after `state` when both are needed, never before.
struct WebConsole {
    ticket_ttl: Duration,
    tickets: HashMap<String, Ticket>,
    /// Session cookie value -> session, oldest first.
    sessions: VecDeque<(String, ConsoleSession)>,
    visits: VecDeque<ConsoleVisit>,
}

impl WebConsole {
    fn new() -> Self {
        WebConsole {
            ticket_ttl: DEFAULT_CONSOLE_TICKET_TTL,
            tickets: HashMap::new(),
            sessions: VecDeque::new(),
            visits: VecDeque::new(),
        }
    }

    fn session(&self, value: &str) -> Option<&ConsoleSession> {
        self.sessions.iter().find(|(v, _)| v == value).map(|(_, s)| s)
    }
}

pub struct Instance {
    pub name: String,
    pub port: u16,
    /// The certificate this instance presents; `None` for plain HTTP. Fixed
    /// at creation (the certificate inside can change, the scheme cannot).
    pub tls: Option<InstanceTls>,
    started: Instant,
    requests: AtomicU64,
    /// "METHOD path" -> requests. Its own lock so counting never waits on
    /// protocol work holding `state`.
    route_requests: Mutex<HashMap<String, u64>>,
    latency_ms: AtomicU64,
    /// Current fault. A watch channel rather than a plain field so connection
    /// tasks can wake up when it changes (to drop on `down`, resume after `hang`).
    pub fault: watch::Sender<Fault>,
    /// The accept-loop task while the port is bound; `None` while `down`.
    /// An async mutex because bringing a listener up or down awaits.
    pub listener: tokio::sync::Mutex<Option<JoinHandle<()>>>,
    state: Mutex<State>,
    web: Mutex<WebConsole>,
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

fn default_components() -> Vec<Component> {
    [
        ("eventlog", "EventLog Analyzer", 8400),
        ("adaudit", "ADAudit Plus", 8081),
        ("cloudsecurity", "Cloud Security Plus", 8555),
        ("ueba", "UEBA", 8095),
    ]
    .into_iter()
    .map(|(id, name, port)| Component {
        id: id.into(),
        name: name.into(),
        status: "running",
        integration_port: port,
    })
    .collect()
}

fn default_usage() -> BTreeMap<String, u64> {
    [("windows_devices", 12), ("syslog_devices", 30), ("workstations", 40), ("applications", 3)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

/// A lowercase, dash-separated form of a name, for plausible e-mail domains.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() { "customer".to_owned() } else { trimmed.to_owned() }
}

fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic inside a short critical section cannot leave State half-updated in
    // a way that matters for a simulator; keep serving rather than cascade panics.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Instance {
    /// `tls` is built by the caller from the spec (see [`InstanceTls::new`]).
    pub fn new(spec: &InstanceSpec, port: u16, tls: Option<InstanceTls>) -> Instance {
        let name =
            if spec.name.is_empty() { format!("Instance {port}") } else { spec.name.clone() };
        let local_admin = Technician {
            id: "local-admin".into(),
            name: spec.username.clone(),
            email: format!("{}@{}.example", spec.username, slug(&name)),
            role: "admin".into(),
            auth: "local",
            enabled: true,
        };
        let (fault, _) = watch::channel(spec.fault);
        Instance {
            name,
            port,
            tls,
            started: Instant::now(),
            requests: AtomicU64::new(0),
            route_requests: Mutex::new(HashMap::new()),
            latency_ms: AtomicU64::new(spec.latency_ms),
            fault,
            listener: tokio::sync::Mutex::new(None),
            state: Mutex::new(State {
                id: Uuid::new_v4(),
                link_key: None,
                impostor_key: None,
                username: spec.username.clone(),
                password: spec.password.clone(),
                build: spec.build,
                token_ttl: DEFAULT_TOKEN_TTL,
                tokens: HashMap::new(),
                bad_logins: 0,
                locked_until: None,
                link: None,
                components: default_components(),
                extra_components: 0,
                failing_path: None,
                hostile: Hostile::default(),
                technicians: vec![local_admin],
                usage: default_usage(),
                allocated: BTreeMap::new(),
                license_expires_at: OffsetDateTime::now_utc() + time::Duration::days(365),
            }),
            web: Mutex::new(WebConsole::new()),
        }
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub fn tls_mode(&self) -> TlsMode {
        self.tls.as_ref().map_or(TlsMode::None, |t| t.current().mode)
    }

    pub fn url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    pub fn info(&self) -> InstanceInfo {
        let s = lock(&self.state);
        InstanceInfo {
            instance_id: s.id,
            name: self.name.clone(),
            port: self.port,
            url: self.url(),
            tls: self.is_tls(),
            username: s.username.clone(),
            password: s.password.clone(),
            build: s.build,
        }
    }

    // ---- transport-facing counters and knobs (read by `server`) ----

    /// Counts one request that reached the HTTP layer, in total and per route.
    pub fn count_request(&self, method: &str, path: &str) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let key = format!("{method} {path}");
        let mut routes = lock(&self.route_requests);
        if let Some(n) = routes.get_mut(&key) {
            *n += 1;
        } else if routes.len() < MAX_ROUTE_KEYS {
            routes.insert(key, 1);
        } else {
            *routes.entry(OTHER_ROUTES.to_owned()).or_insert(0) += 1;
        }
    }

    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Requests received for exactly `method` and `path` (no query string).
    pub fn request_count_for(&self, method: &str, path: &str) -> u64 {
        lock(&self.route_requests).get(&format!("{method} {path}")).copied().unwrap_or(0)
    }

    pub fn route_requests(&self) -> BTreeMap<String, u64> {
        lock(&self.route_requests).iter().map(|(k, v)| (k.clone(), *v)).collect()
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    pub fn set_latency(&self, latency: Duration) {
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.latency_ms.store(ms, Ordering::Relaxed);
    }

    pub fn current_fault(&self) -> Fault {
        *self.fault.borrow()
    }

    // ---- control knobs ----

    pub fn set_build(&self, build: u32) {
        lock(&self.state).build = build;
    }

    pub fn set_password(&self, password: &str) {
        lock(&self.state).password = password.to_owned();
    }

    pub fn set_token_ttl(&self, ttl: Duration) {
        lock(&self.state).token_ttl = ttl;
    }

    /// Every token issued so far now answers `token_expired`.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in lock(&self.state).tokens.values_mut() {
            *expiry = now;
        }
    }

    /// Forces the link holder (to provoke `409`, or to play "unlinked on the instance's
    /// side"); the link key is left as it was.
    pub fn set_linked_mssp(&self, mssp_id: Option<Uuid>) {
        lock(&self.state).link =
            mssp_id.map(|mssp_id| Link { mssp_id, mssp_name: FORCED_MSSP_NAME.to_owned() });
    }

    /// The link key the MSSP gave (the real one, even while an impostor).
    pub fn link_key(&self) -> Option<LinkKey> {
        lock(&self.state).link_key
    }

    /// Becomes another instance at the same address (a reinstall, or the IP
    /// reused by another machine): a new id, no link, no link key, no sessions
    /// (that machine never issued them) and no lockout; port, credentials and
    /// certificate stay.
    /// Returns the new id.
    pub fn swap_identity(&self) -> Uuid {
        let mut s = lock(&self.state);
        s.id = Uuid::new_v4();
        s.link = None;
        s.link_key = None;
        s.impostor_key = None;
        s.tokens.clear();
        s.bad_logins = 0;
        s.locked_until = None;
        // That machine never issued these either.
        let mut web = lock(&self.web);
        web.tickets.clear();
        web.sessions.clear();
        s.id
    }

    /// An impostor answers `about` with the same id but cannot know the link
    /// key, so its proofs come from a random key; everything else is unchanged.
    pub fn set_impostor(&self, on: bool) {
        lock(&self.state).impostor_key = on.then(rand::random);
    }

    pub fn linked_mssp(&self) -> Option<Uuid> {
        lock(&self.state).link.as_ref().map(|l| l.mssp_id)
    }

    pub fn technicians(&self) -> Vec<Value> {
        lock(&self.state)
            .technicians
            .iter()
            .map(|t| serde_json::to_value(t).unwrap_or(Value::Null))
            .collect()
    }

    pub fn allocation(&self) -> BTreeMap<String, u64> {
        lock(&self.state).allocated.clone()
    }

    pub fn usage(&self) -> BTreeMap<String, u64> {
        lock(&self.state).usage.clone()
    }

    pub fn set_usage(&self, usage: BTreeMap<String, u64>) {
        lock(&self.state).usage = usage;
    }

    /// Returns false when no component has that id or the status is not one
    /// of [`COMPONENT_STATUSES`].
    pub fn set_component_status(&self, id: &str, status: &str) -> bool {
        let Some(status) = COMPONENT_STATUSES.iter().copied().find(|s| *s == status) else {
            return false;
        };
        let mut s = lock(&self.state);
        match s.components.iter_mut().find(|c| c.id == id) {
            Some(c) => {
                c.status = status;
                true
            }
            None => false,
        }
    }

    pub fn set_extra_components(&self, n: usize) {
        lock(&self.state).extra_components = n;
    }

    pub fn set_failing_path(&self, path: Option<String>) {
        lock(&self.state).failing_path = path;
    }

    pub fn set_hostile(&self, hostile: Hostile) {
        lock(&self.state).hostile = hostile;
    }

    pub fn hostile(&self) -> Hostile {
        lock(&self.state).hostile
    }

    /// True when this request path was set to fail (see [`Instance::set_failing_path`]).
    pub fn path_fails(&self, path: &str) -> bool {
        lock(&self.state).failing_path.as_deref() == Some(path)
    }

    /// Everything about the instance, for the control endpoint.
    pub fn state_json(&self) -> Value {
        let info = self.info();
        let tls = self.tls.as_ref().map(|t| t.current());
        let requests = self.route_requests();
        let s = lock(&self.state);
        json!({
            "instance_id": info.instance_id,
            "name": info.name,
            "port": info.port,
            "url": info.url,
            "tls": info.tls,
            "tls_mode": tls.as_ref().map_or(TlsMode::None, |t| t.mode),
            "certificate": tls.as_ref().map(|t| json!({
                "sha256": t.info.sha256,
                "spki_sha256": t.info.spki_sha256,
                "not_after": t.info.not_after,
            })),
            "username": info.username,
            "password": info.password,
            "build": info.build,
            "version": version_for_build(s.build),
            "fault": self.current_fault(),
            "latency_ms": self.latency_ms.load(Ordering::Relaxed),
            "token_ttl_s": s.token_ttl.as_secs(),
            "console_ticket_ttl_s": lock(&self.web).ticket_ttl.as_secs(),
            "linked_mssp": s.link.as_ref().map(|l| l.mssp_id),
            "linked_mssp_name": s.link.as_ref().map(|l| l.mssp_name.clone()),
            "link_key": s.link_key.map(|k| identity::encode(&k)),
            "impostor": s.impostor_key.is_some(),
            "request_count": self.request_count(),
            "requests": requests,
            "components": s.components.iter().map(|c| json!({"id": c.id, "status": c.status})).collect::<Vec<_>>(),
            "extra_components": s.extra_components,
            "hostile": s.hostile,
            "technicians": s.technicians,
            "usage": s.usage,
            "allocation": s.allocated,
        })
    }

    /// The list entry for the control endpoint: InstanceInfo plus fault, latency, link.
    pub fn summary_json(&self) -> Value {
        let mut v = serde_json::to_value(self.info()).unwrap_or_else(|_| json!({}));
        if let Some(obj) = v.as_object_mut() {
            obj.insert("tls_mode".into(), json!(self.tls_mode()));
            obj.insert("fault".into(), json!(self.current_fault()));
            obj.insert("latency_ms".into(), json!(self.latency_ms.load(Ordering::Relaxed)));
            obj.insert("linked_mssp".into(), json!(self.linked_mssp()));
        }
        v
    }

    // ---- the web console (protocol addition and the pages of `web_console`) ----

    /// Lifetime of console sign-in tickets issued from now on.
    pub fn set_console_ticket_ttl(&self, ttl: Duration) {
        lock(&self.web).ticket_ttl = ttl.min(MAX_TOKEN_TTL);
    }

    /// `POST /mssp/v1/console-session`: a one-time sign-in URL on `origin`
    /// (`scheme://host:port`, the address the client used), signing in as the
    /// instance's admin user for `technician` of the MSSP.
    pub fn console_session(&self, origin: &str, technician: Option<String>) -> Value {
        let hostile = self.hostile();
        let mut web = lock(&self.web);
        let now = Instant::now();
        if web.tickets.len() >= CONSOLE_KEEP {
            web.tickets.retain(|_, t| t.expires > now);
        }
        let ticket = new_token();
        let ttl = web.ticket_ttl;
        web.tickets.insert(ticket.clone(), Ticket { expires: now + ttl, technician });
        let mut url = if hostile.foreign_console_url {
            let scheme = if self.is_tls() { "https" } else { "http" };
            format!("{scheme}://{}:{}", Hostile::FOREIGN_CONSOLE_HOST, self.port)
        } else {
            origin.to_owned()
        };
        url.push_str("/console/sso?ticket=");
        url.push_str(&ticket);
        if hostile.long_strings {
            url.push_str("&pad=");
            let pad = Hostile::LONG_STRING_CHARS.saturating_sub(url.len());
            url.extend(std::iter::repeat_n('a', pad));
        }
        let expires_in =
            if hostile.huge_token_lifetime { Hostile::EXPIRES_IN } else { ttl.as_secs() };
        json!({ "url": url, "expires_in": expires_in })
    }

    /// Uses a sign-in ticket (once: whatever the outcome, it is gone) and
    /// starts a web-console session; returns the session cookie's value.
    pub fn console_sign_in(&self, ticket: &str) -> Result<String, TicketRefused> {
        let user = lock(&self.state).username.clone();
        let mut web = lock(&self.web);
        let used = web.tickets.remove(ticket).ok_or(TicketRefused::Unknown)?;
        if used.expires <= Instant::now() {
            return Err(TicketRefused::Expired);
        }
        let value = new_token();
        if web.sessions.len() >= CONSOLE_KEEP {
            web.sessions.pop_front();
        }
        web.sessions
            .push_back((value.clone(), ConsoleSession { user, technician: used.technician }));
        Ok(value)
    }

    /// Records a web-console request (`path` without its query string, and the
    /// `Cookie` header values it carried) and returns the session its cookie
    /// names, if this instance issued it.
    pub fn console_visit<'a>(
        &self,
        path: &str,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> Option<ConsoleSession> {
        let mut web = lock(&self.web);
        let cookies: Vec<SeenCookie> = cookie_headers
            .into_iter()
            .flat_map(|h| h.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                let (name, value) = (name.trim(), value.trim());
                let issued_here = name == CONSOLE_COOKIE && web.session(value).is_some();
                let cut = |s: &str| s.chars().take(MAX_COOKIE_CHARS).collect();
                Some(SeenCookie { name: cut(name), value: cut(value), issued_here })
            })
            .take(MAX_VISIT_COOKIES)
            .collect();
        let session =
            cookies.iter().filter(|c| c.issued_here).find_map(|c| web.session(&c.value)).cloned();
        if web.visits.len() >= MAX_CONSOLE_VISITS {
            web.visits.pop_front();
        }
        let path: String = path.chars().take(1024).collect();
        web.visits.push_back(ConsoleVisit { path, signed_in: session.is_some(), cookies });
        session
    }

    /// Web-console requests received, oldest first (the last [`MAX_CONSOLE_VISITS`]).
    pub fn console_visits(&self) -> Vec<ConsoleVisit> {
        lock(&self.web).visits.iter().cloned().collect()
    }

    // ---- protocol v1 ----

    /// With a challenge nonce, adds `proof`: the HMAC of the nonce and this
    /// instance's id under the link key (`null` without a key; under a random
    /// key while an impostor).
    pub fn about(&self, challenge: Option<&[u8]>) -> Value {
        let s = lock(&self.state);
        let mut about = json!({
            "product": "Log360",
            "version": version_for_build(s.build),
            "build": s.build,
            "instance_id": s.id,
        });
        if let Some(nonce) = challenge {
            let key = s.impostor_key.or(s.link_key);
            about["proof"] = json!(key.map(|key| identity::proof(&key, nonce, &s.id)));
        }
        about
    }

    pub fn login(&self, username: &str, password: &str) -> Result<Value, ApiError> {
        let now = Instant::now();
        let mut s = lock(&self.state);
        if let Some(until) = s.locked_until {
            if until > now {
                // Round up so a client that waits exactly Retry-After is past the lockout.
                let left = until - now;
                let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "locked_out",
                    format!("Too many failed logins; the account is locked for another {secs} s."),
                );
                err.retry_after = Some(secs.max(1));
                return Err(err);
            }
            s.locked_until = None;
            s.bad_logins = 0;
        }
        if username != s.username || password != s.password {
            s.bad_logins += 1;
            if s.bad_logins >= MAX_BAD_LOGINS {
                s.locked_until = Some(now + LOCKOUT);
            }
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "bad_credentials",
                "The user name or password is incorrect.",
            ));
        }
        s.bad_logins = 0;
        if s.tokens.len() >= TOKEN_PRUNE_THRESHOLD {
            s.tokens.retain(|_, expiry| *expiry > now);
        }
        let token = new_token();
        let ttl = s.token_ttl.min(MAX_TOKEN_TTL);
        s.tokens.insert(token.clone(), now.checked_add(ttl).unwrap_or(now + DEFAULT_TOKEN_TTL));
        // A hostile lifetime is only what is said: the token really lives `ttl`.
        let expires_in =
            if s.hostile.huge_token_lifetime { Hostile::EXPIRES_IN } else { ttl.as_secs() };
        Ok(json!({ "token": token, "expires_in": expires_in }))
    }

    /// Checks a bearer token (`None` when the header is missing or malformed).
    pub fn authorize(&self, token: Option<&str>) -> Result<(), ApiError> {
        let unauthorized = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "A valid bearer token is required.",
            )
        };
        let token = token.ok_or_else(unauthorized)?;
        let s = lock(&self.state);
        match s.tokens.get(token) {
            None => Err(unauthorized()),
            Some(expiry) if *expiry <= Instant::now() => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "token_expired",
                "The session token has expired; log in again.",
            )),
            Some(_) => Ok(()),
        }
    }

    /// Links (or re-links) to `mssp_id`, storing `key` in place of any earlier
    /// one: a re-link without a key leaves the instance with none.
    pub fn link(
        &self,
        mssp_id: Uuid,
        mssp_name: &str,
        build: u32,
        key: Option<LinkKey>,
    ) -> Result<Value, ApiError> {
        let mut s = lock(&self.state);
        // Ownership is reported before compatibility: an instance held by another
        // MSSP is not this MSSP's to upgrade or link, whatever its build.
        if let Some(link) = &s.link
            && link.mssp_id != mssp_id
        {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "linked_to_other_mssp",
                "This instance is already linked to another MSSP.",
            ));
        }
        if build != s.build {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "build_mismatch",
                format!(
                    "Build mismatch: the MSSP console is build {build} but this instance is build {}.",
                    s.build
                ),
            ));
        }
        s.link = Some(Link { mssp_id, mssp_name: mssp_name.to_owned() });
        s.link_key = key;
        Ok(json!({ "linked": true }))
    }

    pub fn unlink(&self, mssp_id: Uuid) -> Result<(), ApiError> {
        let mut s = lock(&self.state);
        match &s.link {
            Some(link) if link.mssp_id == mssp_id => {}
            _ => {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    "not_linked",
                    "This instance is not linked to that MSSP.",
                ));
            }
        }
        s.link = None;
        for t in s.technicians.iter_mut().filter(|t| t.auth == "central") {
            t.enabled = false;
        }
        Ok(())
    }

    pub fn health(&self) -> Value {
        let s = lock(&self.state);
        let version = version_for_build(s.build);
        let degraded = s.components.iter().any(|c| c.status != "running");
        let texts = Texts::new(s.hostile, 2 * s.components.len());
        let components: Vec<Value> = s
            .components
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": texts.text(&c.name),
                    "status": texts.text(c.status),
                    "version": version,
                })
            })
            .collect();
        let uptime_s = if s.hostile.huge_counts {
            Hostile::HUGE_UPTIME_S
        } else {
            self.started.elapsed().as_secs()
        };
        json!({
            "status": if degraded { "degraded" } else { "up" },
            "uptime_s": uptime_s,
            "components": components,
        })
    }

    pub fn data(&self) -> Value {
        let s = lock(&self.state);
        let version = version_for_build(s.build);
        let now = OffsetDateTime::now_utc();
        let heartbeat = rfc3339(now - time::Duration::seconds(5));
        // Every component's name and status, every technician's name and
        // e-mail, and the edition; synthetic components stay plain padding.
        let texts = Texts::new(s.hostile, 2 * s.components.len() + 2 * s.technicians.len() + 1);
        let component = |id: &str, name: &str, status: &str, running: bool, port: u16| {
            json!({
                "id": id,
                "name": name,
                "status": status,
                "version": version,
                "integration": {
                    "enabled": running,
                    "host": "localhost",
                    "port": port,
                    "last_heartbeat": heartbeat,
                },
            })
        };
        let mut components: Vec<Value> = s
            .components
            .iter()
            .map(|c| {
                let (name, status) = (texts.text(&c.name), texts.text(c.status));
                component(&c.id, &name, &status, c.status == "running", c.integration_port)
            })
            .collect();
        for i in 1..=s.extra_components {
            let port = 20000u16.wrapping_add(u16::try_from(i % 40000).unwrap_or(0));
            components.push(component(
                &format!("extra-{i}"),
                &format!("Additional Log Collector {i}"),
                "running",
                true,
                port,
            ));
        }
        let technicians: Vec<Technician> = s
            .technicians
            .iter()
            .map(|t| Technician {
                name: texts.text(&t.name).into_owned(),
                email: texts.text(&t.email).into_owned(),
                ..t.clone()
            })
            .collect();
        json!({
            "collected_at": rfc3339(now),
            "components": components,
            "reverse_proxy": {
                "enabled": true,
                "mode": "context",
                "host": "localhost",
                "port": self.port,
            },
            "technicians": technicians,
            "license": {
                "edition": texts.text("Professional"),
                "expires_at": rfc3339(s.license_expires_at),
                "usage": hostile::usage(s.hostile, &s.usage),
                "allocated": s.allocated,
            },
        })
    }

    /// Applies the full central set: listed ones are added or updated and
    /// enabled, central ones not listed are disabled (never deleted, so their
    /// history stays attributable). Inputs are validated by the caller, except
    /// for clashes with local technicians, which only the instance can see.
    pub fn put_technicians(&self, list: Vec<TechnicianInput>) -> Result<Value, ApiError> {
        let mut s = lock(&self.state);
        if let Some(clash) =
            list.iter().find(|t| s.technicians.iter().any(|e| e.auth == "local" && e.id == t.id))
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_technician",
                format!("Technician id {:?} belongs to a local technician.", clash.id),
            ));
        }
        let applied = list.len();
        for t in s.technicians.iter_mut().filter(|t| t.auth == "central") {
            if !list.iter().any(|i| i.id == t.id) {
                t.enabled = false;
            }
        }
        for input in list {
            let tech = Technician {
                id: input.id,
                name: input.name,
                email: input.email,
                role: input.role,
                auth: "central",
                enabled: true,
            };
            match s.technicians.iter_mut().find(|t| t.id == tech.id) {
                Some(existing) => *existing = tech,
                None => s.technicians.push(tech),
            }
        }
        Ok(json!({ "applied": applied }))
    }

    pub fn put_allocation(&self, allocation: BTreeMap<String, u64>) -> Result<Value, ApiError> {
        let mut s = lock(&self.state);
        for (resource, &count) in &allocation {
            let usage = s.usage.get(resource).copied().unwrap_or(0);
            if count < usage {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "below_usage",
                    format!("Cannot allocate {count} {resource}: {usage} are already in use."),
                )
                .with("resource", json!(resource))
                .with("usage", json!(usage)));
            }
        }
        s.allocated = allocation;
        Ok(json!({ "applied": true }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst() -> Instance {
        Instance::new(&InstanceSpec::new("Acme Corp"), 1, None)
    }

    #[test]
    fn lockout_after_five_bad_logins_even_for_good_password() {
        let i = inst();
        for _ in 0..MAX_BAD_LOGINS {
            assert_eq!(i.login("admin", "nope").unwrap_err().code, "bad_credentials");
        }
        let err = i.login("admin", "Admin@12345").unwrap_err();
        assert_eq!(err.code, "locked_out");
        let secs = err.retry_after.unwrap();
        assert!((1..=60).contains(&secs), "{secs}");
    }

    #[test]
    fn success_resets_bad_login_counter() {
        let i = inst();
        for _ in 0..MAX_BAD_LOGINS - 1 {
            i.login("admin", "nope").unwrap_err();
        }
        i.login("admin", "Admin@12345").unwrap();
        for _ in 0..MAX_BAD_LOGINS - 1 {
            i.login("admin", "nope").unwrap_err();
        }
        assert!(i.login("admin", "Admin@12345").is_ok());
    }

    #[test]
    fn expired_and_unknown_tokens_differ() {
        let i = inst();
        let v = i.login("admin", "Admin@12345").unwrap();
        let token = v["token"].as_str().unwrap().to_owned();
        assert!(i.authorize(Some(&token)).is_ok());
        i.expire_tokens();
        assert_eq!(i.authorize(Some(&token)).unwrap_err().code, "token_expired");
        assert_eq!(i.authorize(Some("zzz")).unwrap_err().code, "unauthorized");
        assert_eq!(i.authorize(None).unwrap_err().code, "unauthorized");
    }

    #[test]
    fn absurd_ttl_and_hostile_lifetime_never_overflow_the_real_expiry() {
        let i = inst();
        i.set_token_ttl(Duration::MAX);
        i.set_hostile(Hostile { huge_token_lifetime: true, ..Hostile::default() });
        let v = i.login("admin", "Admin@12345").unwrap();
        assert_eq!(v["expires_in"].as_u64(), Some(u64::MAX));
        let token = v["token"].as_str().unwrap().to_owned();
        assert!(i.authorize(Some(&token)).is_ok());
        i.expire_tokens();
        assert_eq!(i.authorize(Some(&token)).unwrap_err().code, "token_expired");

        i.set_hostile(Hostile::default());
        let v = i.login("admin", "Admin@12345").unwrap();
        assert_eq!(v["expires_in"].as_u64(), Some(MAX_TOKEN_TTL.as_secs()));
    }

    #[test]
    fn technician_push_disables_missing_central_ones() {
        let i = inst();
        let t = |id: &str| TechnicianInput {
            id: id.into(),
            name: id.into(),
            email: format!("{id}@mssp.example"),
            role: "operator".into(),
        };
        i.put_technicians(vec![t("a"), t("b")]).unwrap();
        i.put_technicians(vec![t("b")]).unwrap();
        let techs = i.technicians();
        let get = |id: &str| techs.iter().find(|v| v["id"] == id).unwrap().clone();
        assert_eq!(get("a")["enabled"], false);
        assert_eq!(get("b")["enabled"], true);
        assert_eq!(get("local-admin")["enabled"], true);
        assert_eq!(
            i.put_technicians(vec![t("local-admin")]).unwrap_err().code,
            "invalid_technician"
        );
    }

    #[test]
    fn slug_is_dns_friendly() {
        assert_eq!(slug("Umbrella Health"), "umbrella-health");
        assert_eq!(slug("  "), "customer");
    }
}
