//! `log360-sim`: simulated customer Log360 instances speaking protocol v1
//! (see `docs/customer-api.md`), for demos, tests and benchmarks. Many
//! instances live in one process, each a real HTTP(S) server on its own
//! 127.0.0.1 port with its own credentials, build, link holder and link key,
//! certificate, components, technicians, license and fault mode, plus the
//! identity faults a console must detect (another instance at the same
//! address, an impostor that does not know the link key), hostile answers
//! (well-formed JSON with over-long, marked-up or out-of-range values), and a
//! minimal web console reached through one-time sign-in URLs, which records
//! the cookies each of its requests carried.
//!
//! This module owns the [`Sim`] handle: the registry of instances by port and
//! the lifecycle of their listeners. It must never bind a non-loopback address,
//! contact anything outside the process, or spawn a thread per instance.

mod api;
mod control;
mod error;
mod hostile;
mod identity;
mod instance;
mod model;
mod server;
mod tls;
mod web_console;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tracing::{info, warn};

pub use identity::{LINK_KEY_LEN, MAX_NONCE_LEN, MIN_NONCE_LEN};
pub use instance::{
    CONSOLE_COOKIE, DEFAULT_CONSOLE_TICKET_TTL, DEFAULT_TOKEN_TTL, LOCKOUT, MAX_BAD_LOGINS,
    MAX_CONSOLE_VISITS, MAX_TECHNICIAN_CHARS, OTHER_ROUTES,
};
pub use model::{
    CertChange, CertSpec, CertificateInfo, ConsoleVisit, DEFAULT_BUILD, DEFAULT_PASSWORD,
    DEFAULT_USERNAME, Fault, Hostile, InstanceInfo, InstanceSpec, SeenCookie, TlsMode,
    version_for_build,
};
pub use tls::{DEFAULT_NAMES, DEFAULT_VALID_DAYS};

use instance::Instance;

/// How many times an automatic port pick may land on a port that a `down`
/// instance has reserved before giving up.
const PORT_PICK_ATTEMPTS: usize = 64;

/// Handle to a simulator. Cheap to clone; every clone controls the same
/// instances. Dropping the last handle brings every instance down.
#[derive(Clone)]
pub struct Sim {
    inner: Arc<Inner>,
}

/// A handle that does not keep the simulator alive (for the control server).
#[derive(Clone)]
pub(crate) struct WeakSim(Weak<Inner>);

impl WeakSim {
    pub(crate) fn upgrade(&self) -> Option<Sim> {
        self.0.upgrade().map(|inner| Sim { inner })
    }
}

struct Inner {
    instances: RwLock<Registry>,
    /// The protocol v1 router, shared by every instance.
    router: Router,
    closed: AtomicBool,
    control: Mutex<Vec<JoinHandle<()>>>,
}

/// Instances are never removed, so a port stays reserved while its instance
/// is `down`.
#[derive(Default)]
struct Registry {
    by_port: HashMap<u16, Arc<Instance>>,
    /// Creation order, which is what listings and manifests show.
    in_order: Vec<Arc<Instance>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Best effort without awaiting: tasks that are aborted here drop their
        // listeners on their next poll, and connections see `down` and close.
        let instances = self.instances.get_mut().unwrap_or_else(PoisonError::into_inner);
        for inst in &instances.in_order {
            inst.fault.send_replace(Fault::Down);
            if let Ok(mut l) = inst.listener.try_lock()
                && let Some(h) = l.take()
            {
                h.abort();
            }
        }
        for h in self.control.get_mut().unwrap_or_else(PoisonError::into_inner).drain(..) {
            h.abort();
        }
    }
}

fn not_found(port: u16) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("no instance on port {port}"))
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("instances", &self.snapshot().len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl Default for Sim {
    fn default() -> Self {
        Sim::new()
    }
}

impl Sim {
    /// A simulator with no instances. Instances are served on the tokio runtime
    /// that `add_instance` runs on.
    pub fn new() -> Sim {
        Sim {
            inner: Arc::new(Inner {
                instances: RwLock::new(Registry::default()),
                router: api::router(),
                closed: AtomicBool::new(false),
                control: Mutex::new(Vec::new()),
            }),
        }
    }

    fn downgrade(&self) -> WeakSim {
        WeakSim(Arc::downgrade(&self.inner))
    }

    fn get(&self, port: u16) -> Option<Arc<Instance>> {
        self.inner
            .instances
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .by_port
            .get(&port)
            .cloned()
    }

    /// Runs `f` on the instance at `port`; unknown ports are logged and ignored
    /// (the setters have no error channel, by contract).
    fn with<T>(&self, port: u16, f: impl FnOnce(&Instance) -> T) -> Option<T> {
        match self.get(port) {
            Some(inst) => Some(f(&inst)),
            None => {
                warn!(port, "no simulated instance on this port");
                None
            }
        }
    }

    pub(crate) fn has_instance(&self, port: u16) -> bool {
        self.get(port).is_some()
    }

    fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    /// Binds a listener for a new instance. With `port == 0`, the OS may hand
    /// back a port that a `down` instance has reserved; such picks are held
    /// (so the OS offers another) and retried.
    async fn bind_new(&self, port: u16) -> io::Result<TcpListener> {
        let mut rejected = Vec::new();
        for _ in 0..PORT_PICK_ATTEMPTS {
            let listener = server::bind(port).await?;
            let bound = listener.local_addr()?.port();
            if !self.has_instance(bound) {
                return Ok(listener);
            }
            if port != 0 {
                break;
            }
            rejected.push(listener);
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("port {port} is reserved by another simulated instance"),
        ))
    }

    /// The certificate state a spec asks for, checked and generated before
    /// anything is bound, so a bad spec has no side effects.
    fn tls_for(spec: &InstanceSpec) -> io::Result<Option<tls::InstanceTls>> {
        if spec.tls && spec.tls_mode == Some(TlsMode::None) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "\"tls\": true contradicts \"tls_mode\": \"none\"",
            ));
        }
        let label = if spec.name.is_empty() { "log360-sim customer" } else { &spec.name };
        tls::InstanceTls::new(spec.effective_tls_mode(), spec.cert.as_ref(), label)
    }

    /// Creates an instance and, unless its fault is `down`, starts serving it.
    /// A `down` instance still binds once, to reserve a real port, and closes
    /// it; `set_fault(port, Fault::None)` later re-binds that port. Invalid
    /// certificate options fail with `InvalidInput` before anything is bound.
    pub async fn add_instance(&self, spec: InstanceSpec) -> io::Result<InstanceInfo> {
        if self.is_closed() {
            return Err(io::Error::other("the simulator has shut down"));
        }
        let tls = Self::tls_for(&spec)?;
        let listener = self.bind_new(spec.port).await?;
        let port = listener.local_addr()?.port();
        let inst = Arc::new(Instance::new(&spec, port, tls));
        {
            let mut map = self.inner.instances.write().unwrap_or_else(PoisonError::into_inner);
            if map.by_port.contains_key(&port) {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!("port {port} is already a simulated instance"),
                ));
            }
            map.by_port.insert(port, inst.clone());
            map.in_order.push(inst.clone());
        }
        if spec.fault == Fault::Down {
            drop(listener);
        } else {
            let handle =
                server::spawn_accept_loop(inst.clone(), listener, self.inner.router.clone());
            *inst.listener.lock().await = Some(handle);
        }
        // A shutdown that ran while this instance was being created missed it.
        if self.is_closed() {
            take_down(&inst).await;
            return Err(io::Error::other("the simulator has shut down"));
        }
        info!(
            port,
            name = %inst.name,
            tls_mode = inst.tls_mode().as_str(),
            fault = spec.fault.as_str(),
            "instance added"
        );
        Ok(inst.info())
    }

    /// Adds `n` instances named `"{template.name} {i}"` for i in 1..=n. With
    /// `template.port == 0` ports are picked automatically; otherwise instance
    /// i gets `template.port + i - 1`. Stops at the first failure (instances
    /// already added stay).
    pub async fn add_instances(
        &self,
        n: usize,
        template: InstanceSpec,
    ) -> io::Result<Vec<InstanceInfo>> {
        let mut out = Vec::with_capacity(n);
        for i in 1..=n {
            let mut spec = template.clone();
            spec.name = format!("{} {}", template.name, i);
            spec.port = if template.port == 0 {
                0
            } else {
                u16::try_from(usize::from(template.port) + i - 1).map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidInput, "port range exceeds 65535")
                })?
            };
            out.push(self.add_instance(spec).await?);
        }
        Ok(out)
    }

    /// Every instance, in creation order, with current credentials and build.
    pub fn instances(&self) -> Vec<InstanceInfo> {
        self.snapshot().iter().map(|i| i.info()).collect()
    }

    fn snapshot(&self) -> Vec<Arc<Instance>> {
        self.inner.instances.read().unwrap_or_else(PoisonError::into_inner).in_order.clone()
    }

    pub(crate) fn summaries(&self) -> Vec<serde_json::Value> {
        self.snapshot().iter().map(|i| i.summary_json()).collect()
    }

    /// Full state of one instance (what `GET /instances/{port}` shows).
    pub fn instance_state(&self, port: u16) -> Option<serde_json::Value> {
        self.get(port).map(|i| i.state_json())
    }

    /// Changes the fault mode. Going `down` returns only once the port is
    /// closed and open connections are dropped; leaving `down` re-binds the
    /// same port (an error if something else took it meanwhile, and the
    /// instance stays `down`).
    pub async fn set_fault(&self, port: u16, fault: Fault) -> io::Result<()> {
        let inst = self.get(port).ok_or_else(|| not_found(port))?;
        if fault == Fault::Down {
            take_down(&inst).await;
        } else {
            let mut listener = inst.listener.lock().await;
            if listener.is_none() {
                if self.is_closed() {
                    return Err(io::Error::other("the simulator has shut down"));
                }
                let bound = server::bind(port).await?;
                inst.fault.send_replace(fault);
                *listener =
                    Some(server::spawn_accept_loop(inst.clone(), bound, self.inner.router.clone()));
            } else {
                inst.fault.send_replace(fault);
            }
        }
        info!(port, fault = fault.as_str(), "fault set");
        Ok(())
    }

    /// The current fault mode (`None` for an unknown port too).
    pub fn fault(&self, port: u16) -> Fault {
        self.get(port).map(|i| i.current_fault()).unwrap_or(Fault::None)
    }

    /// Delay added before answering every request.
    pub fn set_latency(&self, port: u16, latency: Duration) {
        self.with(port, |i| i.set_latency(latency));
    }

    /// Changes the build (and so the version) the instance reports.
    pub fn set_build(&self, port: u16, build: u32) {
        self.with(port, |i| i.set_build(build));
    }

    /// Changes the admin password; issued tokens stay valid.
    pub fn set_password(&self, port: u16, password: &str) {
        self.with(port, |i| i.set_password(password));
    }

    /// Lifetime of tokens issued from now on.
    pub fn set_token_ttl(&self, port: u16, ttl: Duration) {
        self.with(port, |i| i.set_token_ttl(ttl));
    }

    /// Makes every issued token answer `token_expired`.
    pub fn expire_tokens(&self, port: u16) {
        self.with(port, |i| i.expire_tokens());
    }

    /// Forces the link holder (`None` unlinks without touching technicians).
    pub fn set_linked_mssp(&self, port: u16, mssp_id: Option<uuid::Uuid>) {
        self.with(port, |i| i.set_linked_mssp(mssp_id));
    }

    pub fn linked_mssp(&self, port: u16) -> Option<uuid::Uuid> {
        self.with(port, |i| i.linked_mssp()).flatten()
    }

    /// The link key the MSSP sent with its last link (what the console gave
    /// this instance); `None` when unlinked, linked by a legacy client, forced
    /// with `set_linked_mssp`, or after `swap_identity`.
    pub fn link_key(&self, port: u16) -> Option<[u8; LINK_KEY_LEN]> {
        self.with(port, |i| i.link_key()).flatten()
    }

    /// Makes the instance "another instance at the same address" (a reinstall,
    /// or the IP reused): a new random `instance_id`, no link, no link key, no
    /// issued tokens, no lockout. Port, credentials, build, certificate and
    /// request counts stay. Returns the new id (`None` for an unknown port).
    pub fn swap_identity(&self, port: u16) -> Option<uuid::Uuid> {
        self.with(port, |i| i.swap_identity())
    }

    /// While on, the instance plays an impostor at the same address: `about`
    /// still shows the integrated `instance_id`, but proofs are computed with a
    /// random key (so they are wrong, and never `null`); logins and every other
    /// route work as usual. Off restores proofs with the real link key.
    pub fn set_impostor(&self, port: u16, impostor: bool) {
        self.with(port, |i| i.set_impostor(impostor));
    }

    /// Lifetime of the console sign-in URLs (`POST /mssp/v1/console-session`)
    /// issued from now on; 60 s unless set. Zero makes them expired at once.
    pub fn set_console_ticket_ttl(&self, port: u16, ttl: Duration) {
        self.with(port, |i| i.set_console_ticket_ttl(ttl));
    }

    /// The requests the instance's web console (`/console`, `/console/…`)
    /// received, oldest first (the last [`MAX_CONSOLE_VISITS`]), each with the
    /// cookies it carried and whether this instance issued them: two
    /// customers' console windows that shared a cookie store show here as a
    /// cookie the instance did not issue.
    pub fn console_visits(&self, port: u16) -> Vec<ConsoleVisit> {
        self.with(port, |i| i.console_visits()).unwrap_or_default()
    }

    /// HTTP requests the instance has received (every request that reached the
    /// HTTP layer, including errors, 404s and hung ones).
    pub fn request_count(&self, port: u16) -> u64 {
        self.with(port, |i| i.request_count()).unwrap_or(0)
    }

    /// Requests the instance has received for one method and path (no query
    /// string), e.g. `("POST", "/mssp/v1/session")`, counted like
    /// [`Sim::request_count`]. Counts are never reset.
    pub fn request_count_for(&self, port: u16, method: &str, path: &str) -> u64 {
        self.with(port, |i| i.request_count_for(method, path)).unwrap_or(0)
    }

    /// Technicians as the instance has them (local and central, with `enabled`).
    pub fn technicians(&self, port: u16) -> Vec<serde_json::Value> {
        self.with(port, |i| i.technicians()).unwrap_or_default()
    }

    pub fn allocation(&self, port: u16) -> BTreeMap<String, u64> {
        self.with(port, |i| i.allocation()).unwrap_or_default()
    }

    pub fn usage(&self, port: u16) -> BTreeMap<String, u64> {
        self.with(port, |i| i.usage()).unwrap_or_default()
    }

    pub fn set_usage(&self, port: u16, usage: BTreeMap<String, u64>) {
        self.with(port, |i| i.set_usage(usage));
    }

    /// Sets one component's status (`running`, `stopped` or `error`); false if
    /// the port, component id or status is unknown. Any non-running component
    /// makes `health` report `degraded`.
    pub fn set_component_status(&self, port: u16, component_id: &str, status: &str) -> bool {
        self.with(port, |i| i.set_component_status(component_id, status)).unwrap_or(false)
    }

    /// Appends `n` synthetic components to `data` answers so benchmarks can
    /// get realistic body sizes (about 200 bytes each; 100 gives ~20 KB).
    pub fn set_extra_components(&self, port: u16, n: usize) {
        self.with(port, |i| i.set_extra_components(n));
    }

    /// Makes one route answer `500 internal_error` while the others work (`None` clears it),
    /// e.g. `Some("/mssp/v1/technicians")` to fail a sync at its push step.
    pub fn set_failing_path(&self, port: u16, path: Option<&str>) {
        self.with(port, |i| i.set_failing_path(path.map(str::to_owned)));
    }

    /// Makes the instance's protocol answers hostile in the ways `hostile`
    /// turns on (see [`Hostile`]); `Hostile::default()` makes them normal
    /// again. Only what is sent changes: credentials, tokens, usage and the
    /// rest of the instance's state stay as they are.
    pub fn set_hostile(&self, port: u16, hostile: Hostile) {
        if self.with(port, |i| i.set_hostile(hostile)).is_some() {
            info!(port, ?hostile, "hostile modes set");
        }
    }

    /// The instance's hostile modes (all off for an unknown port too).
    pub fn hostile(&self, port: u16) -> Hostile {
        self.with(port, |i| i.hostile()).unwrap_or_default()
    }

    /// PEM of the shared CA that signs `shared-ca` instances' certificates;
    /// `None` until a shared-ca instance has been created in this process.
    pub fn ca_pem(&self) -> Option<String> {
        tls::ca_pem_if_generated()
    }

    /// The certificate mode of the instance (`None` for an unknown port too).
    pub fn tls_mode(&self, port: u16) -> TlsMode {
        self.get(port).map_or(TlsMode::None, |i| i.tls_mode())
    }

    /// The certificate the instance presents to new connections; `None` for a
    /// plain HTTP instance or an unknown port.
    pub fn certificate(&self, port: u16) -> Option<CertificateInfo> {
        let inst = self.get(port)?;
        inst.tls.as_ref().map(|t| t.current().info.clone())
    }

    /// Issues a new certificate (see [`CertChange`]) and presents it to TLS
    /// connections accepted from now on; open connections keep the old one.
    /// Errors: `NotFound` (unknown port), `Unsupported` (plain HTTP instance,
    /// or a switch between HTTP and HTTPS), `InvalidInput` (bad options).
    pub fn set_certificate(&self, port: u16, change: CertChange) -> io::Result<()> {
        let inst = self.get(port).ok_or_else(|| not_found(port))?;
        let Some(tls) = &inst.tls else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!(
                    "the instance on port {port} serves plain HTTP and cannot switch to TLS; \
                     create an instance with a tls_mode instead"
                ),
            ));
        };
        tls.change(&change)?;
        let mode = tls.current().mode;
        info!(port, tls_mode = mode.as_str(), keep_key = change.keep_key, "certificate changed");
        Ok(())
    }

    /// Serves the control endpoint on `addr` (port 0 = any); returns the bound
    /// address. Refuses non-loopback addresses with `InvalidInput`. The
    /// endpoint answers only requests whose `Host` (and `Origin`, if any)
    /// names it by a loopback address and its port, and whose POSTs say
    /// `Content-Type: application/json`, so no web page can drive it.
    pub async fn serve_control(&self, addr: SocketAddr) -> io::Result<SocketAddr> {
        if !addr.ip().is_loopback() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the control endpoint only listens on loopback, not {addr}"),
            ));
        }
        if self.is_closed() {
            return Err(io::Error::other("the simulator has shut down"));
        }
        let listener = TcpListener::bind(addr).await?;
        let bound = listener.local_addr()?;
        let app = control::router(self.downgrade(), bound.port());
        let handle = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                warn!(error = %e, "control endpoint stopped");
            }
        });
        self.inner.control.lock().unwrap_or_else(PoisonError::into_inner).push(handle);
        info!(%bound, "control endpoint listening");
        Ok(bound)
    }

    /// Closes every listener and connection (instances and control) and
    /// refuses to bring any back up.
    pub async fn shutdown(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        let instances = self.snapshot();
        for inst in &instances {
            take_down(inst).await;
        }
        info!(count = instances.len(), "all instances down");
        let handles: Vec<_> =
            self.inner.control.lock().unwrap_or_else(PoisonError::into_inner).drain(..).collect();
        for h in handles {
            h.abort();
            let _ = h.await;
        }
    }
}

/// Closes an instance's listener and drops its connections; returns once the
/// port is closed.
async fn take_down(inst: &Instance) {
    let mut listener = inst.listener.lock().await;
    inst.fault.send_replace(Fault::Down);
    if let Some(handle) = listener.take() {
        handle.abort();
        // The task's future (and with it the listener) is dropped before the
        // aborted JoinHandle resolves.
        let _ = handle.await;
    }
}

/// Raises this process's soft RLIMIT_NOFILE to its hard limit (each instance
/// needs a listening socket plus one per open connection). Returns the new
/// soft limit. A no-op returning `u64::MAX` where there is no such limit.
pub fn raise_fd_limit() -> io::Result<u64> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read/write the struct we pass.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return Err(io::Error::last_os_error());
        }
        if lim.rlim_cur < lim.rlim_max {
            let wanted = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
            // SAFETY: as above.
            if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) } != 0 {
                return Err(io::Error::last_os_error());
            }
            lim.rlim_cur = lim.rlim_max;
        }
        #[allow(clippy::useless_conversion)] // rlim_t is not u64 on every unix
        Ok(u64::try_from(lim.rlim_cur).unwrap_or(u64::MAX))
    }
    #[cfg(not(unix))]
    {
        Ok(u64::MAX)
    }
}

/// Writes `instances` as a JSON array to `path` atomically: to a temporary
/// file beside it, then renamed, so a script polling for the file never reads
/// half of it.
pub fn write_manifest(path: &Path, instances: &[InstanceInfo]) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(instances).map_err(io::Error::other)?;
    let file_name = path.file_name().ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "manifest path has no file name")
    })?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
