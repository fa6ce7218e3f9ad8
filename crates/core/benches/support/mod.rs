//! Shared by the benchmarks (`monitor.rs`, `sync.rs`): the `log360-sim` child process and
//! its control endpoint, the real OS keychain under a service of the bench's own (with a
//! count of every call that reaches it), seeding a console with one customer per instance,
//! child-process runs of the bench binary, process readings (CPU seconds via getrusage,
//! peak RSS, open descriptors) and the number formatting of the printed tables.
//!
//! Each bench is its own crate and uses a different part of this module, hence the
//! `dead_code` allowance.

#![allow(dead_code)]

use futures_util::StreamExt;
use keyring_core::api::{CredentialApi, CredentialPersistence, CredentialStoreApi};
use keyring_core::{Credential, CredentialStore, Entry};
use log360_sim::InstanceInfo;
use mssp_core::client::{ClientConfig, InstanceClient};
use mssp_core::store::Store;
use mssp_core::validate::CustomerInput;
use mssp_core::vault::{DATA_KEY_ACCOUNT, Vault};
use mssp_core::{Console, SystemClock};
use secrecy::SecretString;
use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const ADMIN: &str = "bench";
pub const ADMIN_PASSWORD: &str = "bench-password-1";
/// Customers added at once while seeding.
pub const SEED_CONCURRENCY: usize = 64;
/// Control-endpoint calls in flight at once.
pub const CONTROL_CONCURRENCY: usize = 64;
pub const FD_SAMPLE_EVERY: Duration = Duration::from_millis(5);

// ----------------------------------------------------------------------------------------
// Running the bench: a tokio runtime per child, argument numbers, child runs.

pub fn in_runtime(fut: impl Future<Output = Result<(), String>>) -> Result<(), String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?
        .block_on(fut)
}

/// Parses a number argument, allowing `_` and `,` as digit separators ("10,000").
pub fn num<T: std::str::FromStr>(s: &str, flag: &str) -> Result<T, String> {
    let clean: String = s.chars().filter(|c| *c != '_' && *c != ',').collect();
    clean.parse().map_err(|_| format!("{flag}: {s:?} is not a number"))
}

/// The flag loop both benches share: `--flag value` or `--flag=value`, `-h`/`--help`, the
/// `--bench` that `cargo bench` passes to every bench binary, and `--n LIST` (into `ns`).
/// Any other flag goes to `other(flag, value)`, where `value()` takes that flag's value.
/// Returns false when help was asked for.
pub fn parse_flags(
    mut it: impl Iterator<Item = String>,
    ns: &mut Vec<usize>,
    mut other: impl FnMut(&str, &mut dyn FnMut() -> Result<String, String>) -> Result<(), String>,
) -> Result<bool, String> {
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut inline = inline;
        let mut val =
            || inline.take().or_else(|| it.next()).ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(false),
            "--bench" => {}
            "--n" => {
                *ns = val()?
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| num(s.trim(), "--n"))
                    .collect::<Result<_, _>>()?;
                if ns.is_empty() || ns.contains(&0) {
                    return Err("--n needs counts above 0".into());
                }
            }
            _ => other(&flag, &mut val)?,
        }
    }
    Ok(true)
}

/// Runs this bench binary again as a child with `args` plus `--result <result>`, so each
/// measurement has a process (peak memory, descriptors) of its own. Returns whether it
/// succeeded (an error names the run) and the JSON it wrote, if any.
pub fn run_child(
    label: &str,
    args: &[String],
    result: &Path,
) -> Result<(Result<(), String>, Option<serde_json::Value>), String> {
    let exe = std::env::current_exe().map_err(|e| format!("current exe: {e}"))?;
    let status = Command::new(&exe)
        .args(args)
        .arg("--result")
        .arg(result)
        .status()
        .map_err(|e| format!("starting the {label} run: {e}"))?;
    let outcome = if status.success() { Ok(()) } else { Err(format!("{label} ({status})")) };
    let value = std::fs::read_to_string(result)
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
    Ok((outcome, value))
}

// ----------------------------------------------------------------------------------------
// The keychain: the real OS keychain (Secret Service on Linux), as `Vault::platform` opens
// it, under a service name of the bench's own, with every call that reaches it counted.
// The mock store (`keyring_core::mock`) is for unit tests only: a benchmark that used it
// would leave out what a real keychain costs (about 20 ms per lookup over D-Bus).

/// Keychain calls a console makes while seeding a fresh service, whatever N is: it looks
/// for the data key (none yet) and writes a new one, then keeps it in memory.
pub const SEED_KEYCHAIN_CALLS: u64 = 2;
/// Keychain calls of the measured console, however many customers it checks or syncs: one
/// read of the data key on first use.
pub const RUN_KEYCHAIN_CALLS: u64 = 1;

/// What reached the keychain: connections opened (the vault's store factory) and calls
/// made on entries (each a D-Bus round trip or more to the Secret Service), with the time
/// spent in each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Touches {
    pub connections: u64,
    pub reads: u64,
    pub writes: u64,
    pub deletes: u64,
    pub connect_time: Duration,
    pub call_time: Duration,
}

impl Touches {
    /// Calls on entries: reads + writes + deletes.
    pub fn calls(&self) -> u64 {
        self.reads + self.writes + self.deletes
    }

    /// What happened after `earlier` was read.
    pub fn since(&self, earlier: &Touches) -> Touches {
        Touches {
            connections: self.connections.saturating_sub(earlier.connections),
            reads: self.reads.saturating_sub(earlier.reads),
            writes: self.writes.saturating_sub(earlier.writes),
            deletes: self.deletes.saturating_sub(earlier.deletes),
            connect_time: self.connect_time.saturating_sub(earlier.connect_time),
            call_time: self.call_time.saturating_sub(earlier.call_time),
        }
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "calls": self.calls(),
            "connections": self.connections,
            "reads": self.reads,
            "writes": self.writes,
            "deletes": self.deletes,
            "connect_ms": self.connect_time.as_secs_f64() * 1e3,
            "call_ms": self.call_time.as_secs_f64() * 1e3,
        })
    }
}

impl std::fmt::Display for Touches {
    /// "2 calls (1 read, 1 write) in 31 ms; 1 connection in 12 ms".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = |n: u64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
        write!(f, "{}", plural(self.calls(), "call"))?;
        let kinds: Vec<String> =
            [(self.reads, "read"), (self.writes, "write"), (self.deletes, "delete")]
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, kind)| plural(n, kind))
                .collect();
        if !kinds.is_empty() {
            write!(f, " ({}) in {:.0} ms", kinds.join(", "), self.call_time.as_secs_f64() * 1e3)?;
        }
        if self.connections > 0 {
            write!(
                f,
                "; {} in {:.0} ms",
                plural(self.connections, "connection"),
                self.connect_time.as_secs_f64() * 1e3
            )?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    reads: AtomicU64,
    writes: AtomicU64,
    deletes: AtomicU64,
    connect_nanos: AtomicU64,
    call_nanos: AtomicU64,
}

impl Counters {
    fn timed<T>(&self, counter: &AtomicU64, call: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = call();
        self.call_nanos.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        counter.fetch_add(1, Ordering::Relaxed);
        out
    }
}

/// The OS keychain, opened as `Vault::platform` opens it: a new connection per call.
pub fn os_keychain() -> Result<Arc<CredentialStore>, String> {
    #[cfg(all(unix, not(target_os = "macos")))]
    let store = zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(target_os = "macos")]
    let store =
        apple_native_keyring_store::keychain::Store::new().map(|s| s as Arc<CredentialStore>);
    #[cfg(target_os = "windows")]
    let store = windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>);
    store.map_err(|e| {
        format!(
            "no OS keychain ({e}); the benchmarks run against the real keychain: run them inside \
             scripts/desktop-session.sh, e.g. MSSP_HEADLESS=1 scripts/desktop-session.sh cargo bench \
             -p mssp-core --bench sync (make bench does)"
        )
    })
}

/// Where the keychain is, for the bench's header.
pub fn keychain_note() -> String {
    match std::env::var("MSSP_SESSION_KIND").as_deref() {
        Ok("headless") => "the OS keychain (gnome-keyring over the private D-Bus session of \
                           scripts/desktop-session.sh)"
            .into(),
        Ok(kind) => format!("the OS keychain of this {kind} session"),
        Err(_) => {
            "the OS keychain of this session (not started by scripts/desktop-session.sh)".into()
        }
    }
}

/// The real OS keychain under a service of this run's own (`mssp-console-bench-<uuid>`),
/// counting what the vaults built on it do. [`BenchKeychain::remove`] deletes what the
/// vault left there (the data key); dropping it without doing so tries the same.
pub struct BenchKeychain {
    service: String,
    counters: Arc<Counters>,
    removed: bool,
}

/// What [`BenchKeychain::remove`] found and left.
pub struct Removal {
    /// Entries under the bench's service before (None: the store cannot search).
    pub entries: Option<usize>,
    /// Entries left after deleting the data key.
    pub left: Option<usize>,
}

impl BenchKeychain {
    /// Checks that the OS keychain answers (this connection is not counted) and picks a
    /// service name nothing else uses.
    pub fn open() -> Result<Self, String> {
        os_keychain()?;
        Ok(Self {
            service: format!("mssp-console-bench-{}", uuid::Uuid::new_v4()),
            counters: Arc::default(),
            removed: false,
        })
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// A vault on this service as `Vault::platform(service)` makes one (the keychain opened
    /// on first use), whose connections and calls are counted. A new vault reads the data
    /// key again, like the console after a restart.
    pub fn vault(&self) -> Vault {
        let counters = self.counters.clone();
        Vault::with_factory(
            self.service.clone(),
            Arc::new(move || {
                let started = Instant::now();
                let inner = os_keychain().map_err(mssp_core::Error::KeychainUnavailable)?;
                counters
                    .connect_nanos
                    .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
                counters.connections.fetch_add(1, Ordering::Relaxed);
                Ok(Arc::new(CountingStore { inner, counters: counters.clone() }) as Arc<_>)
            }),
        )
    }

    /// Everything counted so far.
    pub fn touches(&self) -> Touches {
        let c = &self.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Touches {
            connections: get(&c.connections),
            reads: get(&c.reads),
            writes: get(&c.writes),
            deletes: get(&c.deletes),
            connect_time: Duration::from_nanos(get(&c.connect_nanos)),
            call_time: Duration::from_nanos(get(&c.call_nanos)),
        }
    }

    /// Deletes the data key the vault kept under this service (its one entry, whatever the
    /// number of customers) and counts the entries there before and after (outside the
    /// counts above). An absent data key is an error: the vault did not use this keychain.
    pub fn remove(mut self) -> Result<Removal, String> {
        self.removed = true;
        let store = os_keychain()?;
        let entries = self.count_entries(&store);
        Entry::new_in_store(&store, &self.service, DATA_KEY_ACCOUNT)
            .and_then(|entry| entry.delete_credential())
            .map_err(|e| format!("deleting the bench's data key ({}): {e}", self.service))?;
        Ok(Removal { entries, left: self.count_entries(&store) })
    }

    fn count_entries(&self, store: &Arc<CredentialStore>) -> Option<usize> {
        store.search(&HashMap::from([("service", self.service.as_str())])).ok().map(|e| e.len())
    }
}

impl Drop for BenchKeychain {
    /// A run that failed half-way still removes its data key, if it wrote one.
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        let Ok(store) = os_keychain() else { return };
        match Entry::new_in_store(&store, &self.service, DATA_KEY_ACCOUNT)
            .and_then(|entry| entry.delete_credential())
        {
            Ok(()) | Err(keyring_core::Error::NoEntry) => {}
            Err(e) => eprintln!("could not delete the bench's data key ({}): {e}", self.service),
        }
    }
}

/// Whether the keychain was touched a constant number of times: at most
/// [`SEED_KEYCHAIN_CALLS`] while seeding and [`RUN_KEYCHAIN_CALLS`] for the measured console.
pub fn keychain_constant(seeding: &Touches, measured: &Touches) -> bool {
    seeding.calls() <= SEED_KEYCHAIN_CALLS && measured.calls() <= RUN_KEYCHAIN_CALLS
}

/// Prints what [`BenchKeychain::remove`] found; returns its error, if any, for the end.
pub fn report_removal(
    service: &str,
    customers: usize,
    removal: &Result<Removal, String>,
) -> Option<String> {
    match removal {
        Ok(r) => {
            let count = |v: Option<usize>| v.map_or("n/a".into(), |v| v.to_string());
            println!(
                "keychain: entries under {service} for {} customers: {} (the vault's data key); deleted it, {} left",
                group(customers as u64),
                count(r.entries),
                count(r.left)
            );
            None
        }
        Err(e) => Some(e.clone()),
    }
}

/// The platform store with every entry it builds counted on.
struct CountingStore {
    inner: Arc<CredentialStore>,
    counters: Arc<Counters>,
}

impl CredentialStoreApi for CountingStore {
    fn vendor(&self) -> String {
        self.inner.vendor()
    }

    fn id(&self) -> String {
        self.inner.id()
    }

    fn build(
        &self,
        service: &str,
        user: &str,
        modifiers: Option<&HashMap<&str, &str>>,
    ) -> keyring_core::Result<Entry> {
        let entry = self.inner.build(service, user, modifiers)?;
        Ok(Entry::new_with_credential(Arc::new(Counting {
            entry,
            counters: self.counters.clone(),
        })))
    }

    fn search(&self, spec: &HashMap<&str, &str>) -> keyring_core::Result<Vec<Entry>> {
        let found = self.counters.timed(&self.counters.reads, || self.inner.search(spec))?;
        Ok(found
            .into_iter()
            .map(|entry| {
                Entry::new_with_credential(Arc::new(Counting {
                    entry,
                    counters: self.counters.clone(),
                }))
            })
            .collect())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn persistence(&self) -> CredentialPersistence {
        self.inner.persistence()
    }

    fn debug_fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Counting({:?})", self.inner)
    }
}

/// One entry of the platform store; each call is counted and timed.
struct Counting {
    entry: Entry,
    counters: Arc<Counters>,
}

impl CredentialApi for Counting {
    fn set_password(&self, password: &str) -> keyring_core::Result<()> {
        self.counters.timed(&self.counters.writes, || self.entry.set_password(password))
    }

    fn set_secret(&self, secret: &[u8]) -> keyring_core::Result<()> {
        self.counters.timed(&self.counters.writes, || self.entry.set_secret(secret))
    }

    fn get_password(&self) -> keyring_core::Result<String> {
        self.counters.timed(&self.counters.reads, || self.entry.get_password())
    }

    fn get_secret(&self) -> keyring_core::Result<Vec<u8>> {
        self.counters.timed(&self.counters.reads, || self.entry.get_secret())
    }

    fn get_attributes(&self) -> keyring_core::Result<HashMap<String, String>> {
        self.counters.timed(&self.counters.reads, || self.entry.get_attributes())
    }

    fn update_attributes(&self, attributes: &HashMap<&str, &str>) -> keyring_core::Result<()> {
        self.counters.timed(&self.counters.writes, || self.entry.update_attributes(attributes))
    }

    fn delete_credential(&self) -> keyring_core::Result<()> {
        self.counters.timed(&self.counters.deletes, || self.entry.delete_credential())
    }

    fn get_credential(&self) -> keyring_core::Result<Option<Arc<Credential>>> {
        let found = self.counters.timed(&self.counters.reads, || self.entry.get_credential())?;
        Ok(Some(Arc::new(Counting { entry: found, counters: self.counters.clone() })))
    }

    fn get_specifiers(&self) -> Option<(String, String)> {
        self.entry.get_specifiers()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn debug_fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Counting({:?})", self.entry)
    }
}

// ----------------------------------------------------------------------------------------
// Console set-up.

pub fn customer_name(index: usize) -> String {
    // Zero-padded so no name is a prefix of another ("Bench 00001" vs "Bench 00010").
    format!("Bench {:05}", index + 1)
}

/// Adds one customer per instance through `Console::add_customer` (validation, about,
/// login, link, sealing under the keychain's data key, row), from a console on `vault`
/// whose client keeps no idle connections, so the simulator does not hold one socket per
/// instance afterwards. Returns the time taken.
pub async fn seed(
    dir: &Path,
    vault: Vault,
    instances: &[InstanceInfo],
) -> Result<Duration, String> {
    let client = InstanceClient::new(ClientConfig::default())
        .and_then(|c| c.without_idle_pool())
        .map_err(|e| format!("client: {e}"))?;
    let console = Arc::new(first_run_console(dir, vault, client).await?);
    let started = Instant::now();
    let total = instances.len();
    let mut done = 0usize;
    let mut failures = Vec::new();
    let mut adds = futures_util::stream::iter(instances.iter().enumerate())
        .map(|(i, info)| {
            let console = console.clone();
            async move {
                let name = customer_name(i);
                console
                    .add_customer(CustomerInput {
                        name: name.clone(),
                        email: "soc@x.example.com".into(),
                        server: "127.0.0.1".into(),
                        port: info.port.to_string(),
                        connection_type: if info.tls { "HTTPS" } else { "HTTP" }.into(),
                        username: info.username.clone(),
                        password: SecretString::from(info.password.clone()),
                        allow_cleartext: !info.tls,
                        trust: None,
                    })
                    .await
                    .map_err(|e| format!("{name} (port {}): {e}", info.port))
            }
        })
        .buffer_unordered(SEED_CONCURRENCY);
    while let Some(result) = adds.next().await {
        done += 1;
        if let Err(e) = result {
            failures.push(e);
        }
        if total >= 2_000 && done.is_multiple_of(total / 5) {
            eprintln!("  seeding: {done}/{total} in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    if let Some(first) = failures.first() {
        return Err(format!(
            "{} of {total} customers could not be added; first: {first}",
            failures.len()
        ));
    }
    Ok(started.elapsed())
}

/// The console being measured: `ClientConfig::default()`, on the seeded database and a
/// fresh `vault` on the same keychain service (as after a restart: it reads the data key
/// again on first use), logged in as the admin (settings changes need an admin session).
pub async fn open_console(dir: &Path, vault: Vault) -> Result<Console, String> {
    let console = console_on(dir, vault, default_client()?)?;
    console.sessions().login(ADMIN, ADMIN_PASSWORD).await.map_err(|e| format!("login: {e}"))?;
    Ok(console)
}

/// The console's client as the app makes it (`ClientConfig::default()`).
pub fn default_client() -> Result<InstanceClient, String> {
    InstanceClient::new(ClientConfig::default()).map_err(|e| format!("client: {e}"))
}

/// A console on a fresh database in `dir` with the bench's admin created, as on a first run
/// (a keychain service with no data key yet gets one on first use).
pub async fn first_run_console(
    dir: &Path,
    vault: Vault,
    client: InstanceClient,
) -> Result<Console, String> {
    let console = console_on(dir, vault, client)?;
    console
        .sessions()
        .create_admin(ADMIN, ADMIN_PASSWORD, ADMIN_PASSWORD)
        .await
        .map_err(|e| format!("create_admin: {e}"))?;
    Ok(console)
}

/// A console on `dir`'s database, `vault` and `client`, with the system clock.
fn console_on(dir: &Path, vault: Vault, client: InstanceClient) -> Result<Console, String> {
    Console::with_parts(
        Store::open(&dir.join("console.db")).map_err(|e| format!("store: {e}"))?,
        vault,
        client,
        Arc::new(SystemClock),
    )
    .map_err(|e| format!("console: {e}"))
}

/// A bench's arguments, or the exit code once `--help`'s usage or the error is printed.
pub fn args_or_exit<A>(
    bench: &str,
    usage: &str,
    parsed: Result<Option<A>, String>,
) -> Result<A, ExitCode> {
    match parsed {
        Ok(Some(args)) => Ok(args),
        Ok(None) => {
            println!("{usage}");
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{bench}: {e}");
            Err(ExitCode::from(2))
        }
    }
}

// ----------------------------------------------------------------------------------------
// The simulator process.

/// A running `log360-sim`; killed when dropped, also on panic.
pub struct SimProcess {
    child: Child,
    /// The control endpoint's address.
    pub control: SocketAddr,
    pub instances: Vec<InstanceInfo>,
    http: reqwest::Client,
}

impl SimProcess {
    /// Starts `n` instances with `latency_ms` on every request and `extra_components`
    /// synthetic components padding each `data` answer (0: the simulator's default answer).
    pub fn start(
        n: usize,
        latency_ms: u64,
        extra_components: usize,
        dir: &Path,
    ) -> Result<Self, String> {
        let bin = sim_binary()?;
        let control = free_loopback_port()?;
        let manifest = dir.join("m.json");
        let log_path = dir.join("sim.log");
        let log = std::fs::File::create(&log_path).map_err(|e| format!("sim log: {e}"))?;
        let mut cmd = Command::new(&bin);
        cmd.arg("--instances")
            .arg(n.to_string())
            .arg("--latency-ms")
            .arg(latency_ms.to_string())
            .arg("--control")
            .arg(control.to_string())
            .arg("--manifest")
            .arg(&manifest)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if extra_components > 0 {
            cmd.arg("--extra-components").arg(extra_components.to_string());
        }
        kill_with_parent(&mut cmd);
        let child = cmd.spawn().map_err(|e| format!("starting {}: {e}", bin.display()))?;
        let http = control_client(1)?;
        let mut sim = Self { child, control, instances: Vec::new(), http };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Ok(Some(status)) = sim.child.try_wait() {
                return Err(format!("log360-sim exited ({status}); its log:\n{}", tail(&log_path)));
            }
            if let Ok(text) = std::fs::read_to_string(&manifest) {
                sim.instances = serde_json::from_str(&text)
                    .map_err(|e| format!("reading the manifest: {e}"))?;
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "log360-sim wrote no manifest in 300 s; its log:\n{}",
                    tail(&log_path)
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        if sim.instances.len() != n {
            return Err(format!("log360-sim started {} instances, not {n}", sim.instances.len()));
        }
        Ok(sim)
    }

    pub async fn control(
        &self,
        action: &str,
        port: u16,
        body: serde_json::Value,
    ) -> Result<(), String> {
        self.control_with(&self.http, action, port, body).await
    }

    pub async fn control_with(
        &self,
        http: &reqwest::Client,
        action: &str,
        port: u16,
        body: serde_json::Value,
    ) -> Result<(), String> {
        let url = format!("http://{}/instances/{port}/{action}", self.control);
        http.post(&url)
            .json(&body)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map(drop)
            .map_err(|e| format!("POST {url}: {e}"))
    }

    /// The control endpoint's view of one instance (`GET /instances/{port}`: fault,
    /// latency, `request_count`, …).
    pub async fn show(&self, port: u16) -> Result<serde_json::Value, String> {
        let url = format!("http://{}/instances/{port}", self.control);
        self.http
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| format!("GET {url}: {e}"))?
            .json()
            .await
            .map_err(|e| format!("GET {url}: {e}"))
    }

    pub async fn set_latency_all(&self, ms: u64) -> Result<(), String> {
        // A client of its own, dropped at the end, so its connections are not counted
        // among the monitor's descriptors.
        let http = control_client(CONTROL_CONCURRENCY)?;
        let results: Vec<_> = futures_util::stream::iter(&self.instances)
            .map(|i| self.control_with(&http, "latency", i.port, serde_json::json!({ "ms": ms })))
            .buffer_unordered(CONTROL_CONCURRENCY)
            .collect()
            .await;
        results.into_iter().collect()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: kill(2) on our own child's pid; it has not been reaped yet.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Also stop the simulator if this process dies without unwinding (Ctrl-C, SIGKILL).
pub fn kill_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches no memory of ours.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// `<target>/release/log360-sim`: next to this bench's `<target>/release/deps/`, or under
/// CARGO_TARGET_DIR, or the workspace's `target/`; LOG360_SIM overrides.
pub fn sim_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("LOG360_SIM") {
        return Ok(PathBuf::from(p));
    }
    let name = format!("log360-sim{}", std::env::consts::EXE_SUFFIX);
    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe()
        && let Some(profile_dir) = exe.parent().and_then(Path::parent)
    {
        candidates.push(profile_dir.join(&name));
    }
    if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(t).join("release").join(&name));
    }
    candidates.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/release").join(&name));
    candidates.into_iter().find(|p| p.is_file()).ok_or_else(|| {
        "log360-sim (release) not found: run `cargo build --release -p log360-sim` first \
         (make bench does), or set LOG360_SIM"
            .into()
    })
}

/// A client for the control endpoint keeping at most `idle` connections.
pub fn control_client(idle: usize) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(idle)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("control client: {e}"))
}

/// A free loopback port for the control endpoint, below the ephemeral range (Linux starts
/// it at 32768, macOS at 49152): a port the OS hands out could be taken by one of the
/// simulator's own instances, which bind before the control endpoint does.
pub fn free_loopback_port() -> Result<SocketAddr, String> {
    (17_200..32_000)
        .map(|port| SocketAddr::from(([127, 0, 0, 1], port)))
        .find(|addr| TcpListener::bind(addr).is_ok())
        .ok_or_else(|| "no free loopback port in 17200..32000 for the control endpoint".into())
}

pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<_> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

// ----------------------------------------------------------------------------------------
// Process readings. /proc and per-thread CPU are Linux-only; elsewhere they read None.

pub fn raise_fd_limit() {
    match log360_sim::raise_fd_limit() {
        Ok(_) => {}
        Err(e) => eprintln!("could not raise the open-file limit: {e}"),
    }
}

/// User + system CPU seconds of this process so far.
pub fn cpu_seconds() -> Option<f64> {
    rusage_seconds(RusageWho::Process)
}

pub enum RusageWho {
    Process,
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    Thread,
}

pub fn rusage_seconds(who: RusageWho) -> Option<f64> {
    #[cfg(unix)]
    {
        let who = match who {
            RusageWho::Process => libc::RUSAGE_SELF,
            #[cfg(target_os = "linux")]
            RusageWho::Thread => libc::RUSAGE_THREAD,
            #[cfg(not(target_os = "linux"))]
            RusageWho::Thread => return None,
        };
        // SAFETY: getrusage only writes the struct we pass; zeroed is a valid rusage.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(who, &mut ru) } != 0 {
            return None;
        }
        let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        Some(tv(ru.ru_utime) + tv(ru.ru_stime))
    }
    #[cfg(not(unix))]
    {
        let _ = who;
        None
    }
}

/// Open file descriptors of this process, not counting the one used to list them.
pub fn open_fds() -> Option<usize> {
    ["/proc/self/fd", "/dev/fd"].iter().find_map(|dir| {
        std::fs::read_dir(dir).ok().map(|entries| entries.count().saturating_sub(1))
    })
}

/// A value from /proc/self/status ("VmRSS", "VmHWM") in MB.
pub fn status_mb(key: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(&format!("{key}:")))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Hands memory the allocator keeps but no longer uses back to the OS (glibc's malloc_trim
/// over every arena), so a later peak is not inflated by set-up work such as Argon2 hashing
/// (19 MiB per hash, kept in the arena of whichever blocking thread ran it). False where
/// there is no such call.
pub fn release_free_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the OS.
    unsafe {
        libc::malloc_trim(0);
        true
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

/// Resets VmHWM to the current RSS (Linux ≥ 4.0), so later peaks exclude the seeding.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok() && status_mb("VmHWM").is_some()
}

/// Samples the descriptor count from its own thread during a sweep; its own CPU time is
/// returned so it can be left out of the sweep's.
pub struct FdSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(usize, f64)>,
}

impl FdSampler {
    pub fn start() -> Option<Self> {
        open_fds()?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut max = 0;
            loop {
                max = max.max(open_fds().unwrap_or(0));
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(FD_SAMPLE_EVERY);
            }
            (max, rusage_seconds(RusageWho::Thread).unwrap_or(0.0))
        });
        Some(Self { stop, thread })
    }

    /// (max descriptors seen, CPU seconds the sampler used).
    pub fn finish(self) -> (Option<usize>, f64) {
        self.stop.store(true, Ordering::Relaxed);
        match self.thread.join() {
            Ok((max, cpu)) => (Some(max), cpu),
            Err(_) => (None, 0.0),
        }
    }
}

pub fn machine() -> String {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "n/a".into());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "n/a".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or_else(|| "n/a".into(), |kb| format!("{:.0} GB", kb / 1024.0 / 1024.0));
    format!(
        "{cores} cores (nproc), CPU {model}, RAM {mem}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

// ----------------------------------------------------------------------------------------
// Formatting.

pub fn write_result(path: Option<&Path>, value: serde_json::Value) -> Result<(), String> {
    match path {
        Some(path) => std::fs::write(path, value.to_string()).map_err(|e| format!("result: {e}")),
        None => Ok(()),
    }
}

pub fn goal_line(goal: &str, value: String, pass: Option<bool>, applies: bool) {
    let verdict = match (applies, pass) {
        (false, _) => "— (no goal at this N)",
        (true, Some(true)) => "PASS",
        (true, Some(false)) => "MISS",
        (true, None) => "n/a",
    };
    println!("  {goal:<58} {value:<40} {verdict}");
}

pub fn mark(value: String, pass: Option<bool>) -> String {
    match pass {
        Some(true) => format!("{value} PASS"),
        Some(false) => format!("{value} MISS"),
        None => format!("{value} —"),
    }
}

pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 { v[mid] } else { (v[mid - 1] + v[mid]) / 2.0 })
}

pub fn secs(s: Option<f64>) -> String {
    s.map_or("n/a".into(), |s| format!("{s:.2} s"))
}

pub fn fixed(v: Option<f64>, places: usize) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.places$}"))
}

pub fn mb(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |v| format!("{v:.1} MB"))
}

pub fn opt(v: Option<usize>) -> String {
    v.map_or("n/a".into(), |v| v.to_string())
}

/// 10000 → "10,000".
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
