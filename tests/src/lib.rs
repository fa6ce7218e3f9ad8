//! End-to-end test harness for MSSP Console.
//!
//! [`App::launch`] starts `tauri-driver` (the WebDriver bridge to `WebKitWebDriver`) on free ports
//! with a private data dir and a unique keychain service, opens a WebDriver session on the real
//! `mssp-console` window, and offers helpers that act like a person: wait for something to be
//! visible, click, fill a field, read a text. Every wait polls with a short interval and a bounded
//! deadline; on failure the error carries the page's visible text and a screenshot path
//! (`.test-run/e2e/...`, taken with `import -window root`).
//!
//! Needs a desktop session (a display, a D-Bus session bus with an unlocked Secret Service):
//! run through `make test`, `make e2e` or `scripts/desktop-session.sh cargo test -p mssp-tests --
//! --include-ignored`.

use std::ffi::OsString;
use std::fs::{self, File};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// Errors of the harness and the tests: messages meant for the person reading the test output.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// Result with the harness [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How long a helper waits for the UI before failing (override: `MSSP_E2E_TIMEOUT_SECS`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
const POLL_INTERVAL: Duration = Duration::from_millis(50);
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(15);
const SESSION_START_TIMEOUT: Duration = Duration::from_secs(60);
const SCREENSHOT_TIMEOUT: Duration = Duration::from_secs(10);

/// The workspace root (the parent of this crate).
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The CSS selector of a customer's row in `#customer-table`.
pub fn customer_row(name: &str) -> String {
    format!(
        "#customer-table tr[data-customer-name=\"{}\"]",
        name.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

/// Locates the `mssp-console` binary: `MSSP_CONSOLE_BIN`, else the `debug` dir this test binary
/// was built in, else `$CARGO_TARGET_DIR/debug`, else `<workspace>/target/debug`.
pub fn console_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("MSSP_CONSOLE_BIN") {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(absolute(&p))
        } else {
            Err(format!("MSSP_CONSOLE_BIN={} does not exist or is not a file", p.display()).into())
        };
    }
    let mut candidates = Vec::new();
    // Test binaries live in <target>/debug/deps/, examples in <target>/debug/examples/.
    if let Ok(exe) = std::env::current_exe()
        && let Some(profile_dir) = exe.parent().and_then(Path::parent)
    {
        candidates.push(profile_dir.join("mssp-console"));
    }
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        let dir = if dir.is_absolute() { dir } else { workspace_root().join(dir) };
        candidates.push(dir.join("debug").join("mssp-console"));
    }
    candidates.push(workspace_root().join("target/debug/mssp-console"));
    if let Some(found) = candidates.iter().find(|p| p.is_file()) {
        return Ok(absolute(found));
    }
    let looked: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
    Err(format!(
        "the mssp-console binary was not found (looked at: {}). Build it first with \
         `cargo build -p mssp-console` (make test does), or point MSSP_CONSOLE_BIN at it.",
        looked.join(", ")
    )
    .into())
}

fn absolute(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Fails fast when there is no display: without one the app panics in GTK init and the WebDriver
/// session would wait forever.
pub fn require_display() -> Result<()> {
    match std::env::var_os("DISPLAY") {
        Some(d) if !d.is_empty() => Ok(()),
        _ => {
            Err("DISPLAY is not set: the console cannot open its window (and a WebDriver session \
                  would wait forever). Run the E2E tests in a desktop session: `make test`, \
                  `make e2e`, or `scripts/desktop-session.sh cargo test -p mssp-tests -- \
                  --include-ignored`."
                .into())
        }
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// Locates `tauri-driver` on `PATH`, in `$CARGO_HOME/bin` or in `~/.cargo/bin`; also checks that
/// `WebKitWebDriver` (which tauri-driver runs) is installed.
pub fn tauri_driver() -> Result<PathBuf> {
    let mut candidates: Vec<PathBuf> = find_on_path("tauri-driver").into_iter().collect();
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        candidates.push(PathBuf::from(home).join("bin/tauri-driver"));
    }
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(PathBuf::from(home).join(".cargo/bin/tauri-driver"));
    }
    let Some(driver) = candidates.into_iter().find(|p| p.is_file()) else {
        return Err("tauri-driver was not found on PATH, in $CARGO_HOME/bin or in ~/.cargo/bin. \
                    Install it with `cargo install tauri-driver --locked --version ^2` \
                    (or `make deps`)."
            .into());
    };
    if find_on_path("WebKitWebDriver").is_none() {
        return Err("WebKitWebDriver was not found on PATH (tauri-driver needs it). Install the \
                    Debian package webkit2gtk-driver (`make deps`)."
            .into());
    }
    Ok(driver)
}

/// Two distinct free loopback ports, never 4445 (tauri-driver's default native port, whose clash
/// makes it spin).
fn free_ports() -> Result<(u16, u16)> {
    let mut held = Vec::new();
    let mut ports = Vec::new();
    while ports.len() < 2 {
        let l = TcpListener::bind("127.0.0.1:0")?;
        let port = l.local_addr()?.port();
        held.push(l);
        if port != 4444 && port != 4445 {
            ports.push(port);
        }
    }
    Ok((ports[0], ports[1]))
}

fn unique_suffix() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{}-{}-{:08x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed), nanos)
}

fn timeout_from_env() -> Duration {
    std::env::var("MSSP_E2E_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// How to launch the console.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Names the artifacts dir (`.test-run/e2e/<name>-<pid>-...`).
    pub name: String,
    /// `MSSP_CONSOLE_DATA_DIR`; `None`: a fresh temp dir removed on drop.
    pub data_dir: Option<PathBuf>,
    /// `MSSP_CONSOLE_KEYCHAIN_SERVICE`; `None`: a unique `mssp-console-test-<pid>-...`.
    pub keychain_service: Option<String>,
    /// Extra environment for the app.
    pub env: Vec<(String, String)>,
    /// Deadline of every wait helper.
    pub timeout: Duration,
}

impl AppConfig {
    /// A config with a fresh data dir and a unique keychain service.
    pub fn new(name: &str) -> Self {
        AppConfig {
            name: name.to_string(),
            data_dir: None,
            keychain_service: None,
            env: Vec::new(),
            timeout: timeout_from_env(),
        }
    }

    /// Uses an existing data dir (kept after the run).
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Uses this keychain service name prefix.
    pub fn keychain_service(mut self, service: impl Into<String>) -> Self {
        self.keychain_service = Some(service.into());
        self
    }

    /// Adds an environment variable for the app.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
}

/// The running console under WebDriver control. Dropping it kills tauri-driver, WebKitWebDriver
/// and the app; [`App::close`] ends the session politely first.
pub struct App {
    client: Option<Client>,
    driver: Option<Child>,
    _temp_data: Option<tempfile::TempDir>,
    /// The app's `MSSP_CONSOLE_DATA_DIR`.
    pub data_dir: PathBuf,
    /// The app's `MSSP_CONSOLE_KEYCHAIN_SERVICE`.
    pub keychain_service: String,
    /// Where screenshots and the driver log go.
    pub artifacts: PathBuf,
    /// Deadline of the wait helpers.
    pub timeout: Duration,
    shots: AtomicUsize,
}

impl App {
    /// Launches the console with a fresh data dir and keychain service.
    pub async fn launch(name: &str) -> Result<App> {
        Self::launch_with(AppConfig::new(name)).await
    }

    /// Launches the console as configured.
    pub async fn launch_with(cfg: AppConfig) -> Result<App> {
        require_display()?;
        let app_bin = console_binary()?;
        let driver_bin = tauri_driver()?;

        let safe_name: String = cfg
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        let suffix = unique_suffix();
        let artifacts =
            workspace_root().join(".test-run/e2e").join(format!("{safe_name}-{suffix}"));
        fs::create_dir_all(&artifacts)?;

        let (temp_data, data_dir) = match &cfg.data_dir {
            Some(dir) => {
                fs::create_dir_all(dir)?;
                (None, absolute(dir))
            }
            None => {
                let t = tempfile::Builder::new().prefix("mssp-e2e-data-").tempdir()?;
                let p = t.path().to_path_buf();
                (Some(t), p)
            }
        };
        let keychain_service =
            cfg.keychain_service.clone().unwrap_or_else(|| format!("mssp-console-test-{suffix}"));

        let (port, native_port) = free_ports()?;
        let log_path = artifacts.join("tauri-driver.log");
        let log = File::create(&log_path)?;
        let mut cmd = Command::new(&driver_bin);
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .env("MSSP_CONSOLE_DATA_DIR", &data_dir)
            .env("MSSP_CONSOLE_KEYCHAIN_SERVICE", &keychain_service)
            // Lets `import -window root` see the rendered page (see docs of the headless guide).
            .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        for (k, v) in &cfg.env {
            cmd.env(k, v);
        }
        // Its own process group, so stopping it stops WebKitWebDriver, the app and WebKit's
        // processes with it: they inherit the group.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child =
            cmd.spawn().map_err(|e| format!("cannot start {}: {e}", driver_bin.display()))?;

        // From here on, dropping `app` cleans up whatever was started.
        let mut app = App {
            client: None,
            driver: Some(child),
            _temp_data: temp_data,
            data_dir,
            keychain_service,
            artifacts,
            timeout: cfg.timeout,
            shots: AtomicUsize::new(0),
        };

        // tauri-driver listens at once but starts WebKitWebDriver beside it; a session asked for
        // before WebKitWebDriver listens fails ("tcp connect error"), so wait for both ports.
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let native = SocketAddr::from(([127, 0, 0, 1], native_port));
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            let up =
                |a: &SocketAddr| TcpStream::connect_timeout(a, Duration::from_millis(200)).is_ok();
            if up(&addr) && up(&native) {
                break;
            }
            if let Some(child) = app.driver.as_mut()
                && let Some(status) = child.try_wait()?
            {
                return Err(format!(
                    "tauri-driver exited ({status}) before accepting connections; log: {}",
                    log_path.display()
                )
                .into());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "tauri-driver (port {port}) and WebKitWebDriver (port {native_port}) did not both \
                     accept connections within {:?}; log: {}",
                    DRIVER_START_TIMEOUT,
                    log_path.display()
                )
                .into());
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }

        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".to_string(), serde_json::json!({ "application": app_bin }));
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let url = format!("http://127.0.0.1:{port}");
        let client = match tokio::time::timeout(SESSION_START_TIMEOUT, builder.connect(&url)).await
        {
            Ok(Ok(client)) => client,
            Ok(Err(e)) => {
                return Err(format!(
                    "could not open a WebDriver session on {} : {e}; driver log: {}",
                    app_bin.display(),
                    log_path.display()
                )
                .into());
            }
            Err(_) => {
                return Err(format!(
                    "no WebDriver session within {SESSION_START_TIMEOUT:?}; driver log: {}",
                    log_path.display()
                )
                .into());
            }
        };
        app.client = Some(client);
        Ok(app)
    }

    /// The WebDriver client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        self.client.as_ref().expect("the WebDriver session is open")
    }

    /// The first displayed element matching `selector`, if any (no waiting).
    pub async fn visible(&self, selector: &str) -> Option<Element> {
        let found = self.client().find_all(Locator::Css(selector)).await.ok()?;
        for el in found {
            if el.is_displayed().await.unwrap_or(false) {
                return Some(el);
            }
        }
        None
    }

    /// Whether an element matching `selector` is displayed now.
    pub async fn is_visible(&self, selector: &str) -> bool {
        self.visible(selector).await.is_some()
    }

    /// How many elements match `selector` now (displayed or not).
    pub async fn count(&self, selector: &str) -> Result<usize> {
        Ok(self.client().find_all(Locator::Css(selector)).await?.len())
    }

    /// Waits until an element matching `selector` is displayed.
    pub async fn wait_for(&self, selector: &str) -> Result<Element> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(el) = self.visible(selector).await {
                return Ok(el);
            }
            if Instant::now() > deadline {
                return Err(self
                    .failure(&format!(
                        "timed out after {:?} waiting for `{selector}` to be visible",
                        self.timeout
                    ))
                    .await);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits until no element matching `selector` is displayed.
    pub async fn wait_until_gone(&self, selector: &str) -> Result<()> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if self.visible(selector).await.is_none() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(self
                    .failure(&format!(
                        "timed out after {:?} waiting for `{selector}` to disappear",
                        self.timeout
                    ))
                    .await);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Waits until a displayed element matching `selector` has a text containing `text`; returns
    /// its whole text.
    pub async fn wait_for_text(&self, selector: &str, text: &str) -> Result<String> {
        self.wait_for_text_where(selector, &format!("containing {text:?}"), |t| t.contains(text))
            .await
    }

    /// Waits until a displayed element matching `selector` shows some (non-blank) text: for error
    /// messages whose holder may exist empty. Returns the text.
    pub async fn wait_for_some_text(&self, selector: &str) -> Result<String> {
        self.wait_for_text_where(selector, "with some text", |t| !t.trim().is_empty()).await
    }

    async fn wait_for_text_where(
        &self,
        selector: &str,
        what: &str,
        ok: impl Fn(&str) -> bool,
    ) -> Result<String> {
        let deadline = Instant::now() + self.timeout;
        let mut last = None;
        loop {
            if let Ok(found) = self.client().find_all(Locator::Css(selector)).await {
                for el in found {
                    if !el.is_displayed().await.unwrap_or(false) {
                        continue;
                    }
                    if let Ok(t) = rendered_text(&el).await {
                        if ok(&t) {
                            return Ok(t);
                        }
                        last = Some(t);
                    }
                }
            }
            if Instant::now() > deadline {
                let seen = match last {
                    Some(t) => format!("last text seen there: {t:?}"),
                    None => "no such element was visible".to_string(),
                };
                return Err(self
                    .failure(&format!(
                        "timed out after {:?} waiting for `{selector}` {what} ({seen})",
                        self.timeout
                    ))
                    .await);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// The text of the first displayed element matching `selector` (waits for it).
    pub async fn text_of(&self, selector: &str) -> Result<String> {
        let el = self.wait_for(selector).await?;
        rendered_text(&el).await
    }

    /// The value of an attribute of the first displayed element matching `selector`.
    pub async fn attr_of(&self, selector: &str, attr: &str) -> Result<Option<String>> {
        let el = self.wait_for(selector).await?;
        Ok(el.attr(attr).await?)
    }

    /// Clicks the first displayed element matching `selector`, retrying while something covers it
    /// or the page re-renders it.
    pub async fn click(&self, selector: &str) -> Result<()> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let el = self.wait_for(selector).await?;
            let err = match el.click().await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            if Instant::now() > deadline {
                return Err(self.failure(&format!("could not click `{selector}`: {err}")).await);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Moves the pointer over the first displayed element matching `selector` (for controls
    /// that appear on hover, like Sync Now in the Status column).
    pub async fn hover(&self, selector: &str) -> Result<()> {
        use fantoccini::actions::{InputSource, MouseActions, PointerAction};
        let el = self.wait_for(selector).await?;
        let actions = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
            element: el,
            duration: Some(Duration::from_millis(50)),
            x: 0.0,
            y: 0.0,
        });
        self.client().perform_actions(actions).await?;
        Ok(())
    }

    /// Clicks with the pointer (move, press, release) at the centre of the first element
    /// matching `selector`, without WebDriver's "is displayed" check: WebKitWebDriver reports
    /// text-only cells of the customer table (`overflow: hidden` with ellipsis) as hidden
    /// although they are on screen.
    pub async fn pointer_click(&self, selector: &str) -> Result<()> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let deadline = Instant::now() + self.timeout;
        let el = loop {
            match self.client().find(Locator::Css(selector)).await {
                Ok(el) => break el,
                Err(e) if Instant::now() > deadline => {
                    return Err(self.failure(&format!("no `{selector}` to click: {e}")).await);
                }
                Err(_) => tokio::time::sleep(POLL_INTERVAL).await,
            }
        };
        let actions = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveToElement { element: el, duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.client().perform_actions(actions).await?;
        Ok(())
    }

    /// Calls a Tauri command from the page the way a script in the webview could, bypassing
    /// the UI; returns the result or the error JSON as `Err(value)`.
    pub async fn invoke(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<std::result::Result<serde_json::Value, serde_json::Value>> {
        let script = "const [cmd, args, done] = arguments;
            window.__TAURI__.core.invoke(cmd, args)
              .then(v => done({ ok: v === undefined ? null : v }), e => done({ err: e }));";
        let answer = self.client().execute_async(script, vec![command.into(), args]).await?;
        Ok(match answer.get("err") {
            Some(err) => Err(err.clone()),
            None => Ok(answer.get("ok").cloned().unwrap_or_default()),
        })
    }

    /// Chooses a file in an `<input type="file">`, as the file picker would.
    pub async fn choose_file(&self, selector: &str, path: &Path) -> Result<()> {
        let el = self.client().find(Locator::Css(selector)).await?;
        el.send_keys(&path.display().to_string()).await?;
        Ok(())
    }

    /// Replaces the value of an input: clears it, then types `text` as a person would.
    pub async fn fill(&self, selector: &str, text: &str) -> Result<()> {
        let el = self.wait_for(selector).await?;
        el.clear().await?;
        if !text.is_empty() {
            el.send_keys(text).await?;
        }
        let value = el.prop("value").await?.unwrap_or_default();
        if value != text {
            return Err(self
                .failure(&format!("typed {text:?} into `{selector}` but its value is {value:?}"))
                .await);
        }
        Ok(())
    }

    /// Ticks (`true`) or unticks a checkbox, clicking it only when it is not that way already.
    pub async fn set_checked(&self, selector: &str, checked: bool) -> Result<()> {
        let el = self.wait_for(selector).await?;
        let now = el.prop("checked").await?.as_deref() == Some("true");
        if now != checked {
            self.click(selector).await?;
        }
        let after = self.wait_for(selector).await?.prop("checked").await?;
        if (after.as_deref() == Some("true")) != checked {
            return Err(self
                .failure(&format!("`{selector}` did not become checked={checked} when clicked"))
                .await);
        }
        Ok(())
    }

    /// Picks the option of a `<select>` whose visible label is `label` (or, failing that, whose
    /// value is `label`).
    pub async fn select(&self, selector: &str, label: &str) -> Result<()> {
        let el = self.wait_for(selector).await?;
        if el.select_by_label(label).await.is_err() {
            el.select_by_value(label)
                .await
                .map_err(|e| format!("`{selector}` has no option {label:?}: {e}"))?;
        }
        Ok(())
    }

    /// The page's visible text (`document.body.innerText`).
    pub async fn visible_text(&self) -> Result<String> {
        let v = self
            .client()
            .execute("return document.body ? document.body.innerText : '';", vec![])
            .await?;
        Ok(v.as_str().unwrap_or_default().to_string())
    }

    /// Saves a screenshot of the X screen (`import -window root`) as `<artifacts>/NN-<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let n = self.shots.fetch_add(1, Ordering::Relaxed);
        let path = self.artifacts.join(format!("{n:02}-{name}.png"));
        screenshot_to(&path).await?;
        Ok(path)
    }

    /// Builds a failure message with the visible text and a screenshot, for a person to debug.
    pub async fn failure(&self, what: &str) -> Error {
        let shot = match self.screenshot("failure").await {
            Ok(p) => p.display().to_string(),
            Err(e) => format!("(no screenshot: {e})"),
        };
        let text = match self.visible_text().await {
            Ok(t) => {
                let t = t.trim();
                if t.chars().count() > 3000 {
                    format!("{}…", t.chars().take(3000).collect::<String>())
                } else {
                    t.to_string()
                }
            }
            Err(e) => format!("(could not read the page: {e})"),
        };
        format!(
            "{what}\n  screenshot: {shot}\n  driver log: {}\n  visible text of the page:\n{}",
            self.artifacts.join("tauri-driver.log").display(),
            indent(&text)
        )
        .into()
    }

    /// Ends the WebDriver session (which closes the app), then stops tauri-driver.
    pub async fn close(mut self) -> Result<()> {
        let res = match self.client.take() {
            Some(client) => {
                match tokio::time::timeout(Duration::from_secs(10), client.close()).await {
                    Ok(r) => r.map_err(Error::from),
                    Err(_) => Err("closing the WebDriver session timed out".into()),
                }
            }
            None => Ok(()),
        };
        self.kill_driver();
        // Nothing to look at after a clean run: drop the driver log.
        if res.is_ok() && self.shots.load(Ordering::Relaxed) == 0 {
            let _ = fs::remove_dir_all(&self.artifacts);
        }
        res
    }

    fn kill_driver(&mut self) {
        if let Some(mut child) = self.driver.take() {
            // tauri-driver leads its own process group (see `launch_with`): end the group.
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        // The client cannot be closed without an executor here; killing the processes ends it.
        self.client.take();
        self.kill_driver();
    }
}

/// An element's rendered text. WebKitWebDriver's "Get Element Text" leaves out text nodes that sit
/// directly in table cells, so this reads `innerText` (what a person sees) and falls back to it.
async fn rendered_text(el: &Element) -> Result<String> {
    match el.prop("innerText").await {
        Ok(Some(t)) => Ok(t),
        _ => Ok(el.text().await?),
    }
}

fn indent(text: &str) -> String {
    if text.is_empty() {
        return "    (empty)".to_string();
    }
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

/// Saves the X screen (`$DISPLAY`) to `path` as PNG with ImageMagick's `import`, bounded in time.
pub async fn screenshot_to(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut target = OsString::from("png:");
    target.push(path.as_os_str());
    let mut child = Command::new("import")
        .arg("-window")
        .arg("root")
        .arg(&target)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `import` (ImageMagick; make deps installs it): {e}"))?;
    let deadline = Instant::now() + SCREENSHOT_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            if status.success() {
                return Ok(());
            }
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                use std::io::Read;
                let _ = s.read_to_string(&mut err);
            }
            return Err(format!("`import -window root` failed ({status}): {}", err.trim()).into());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(
                format!("`import -window root` took longer than {SCREENSHOT_TIMEOUT:?}").into()
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Fills the Add/Update Customer form for a simulated instance (does not submit). For a plain
/// HTTP instance it also ticks "Send the admin credentials unencrypted over HTTP", which the
/// console requires for HTTP.
pub async fn fill_customer(
    app: &App,
    name: &str,
    email: &str,
    instance: &log360_sim::InstanceInfo,
) -> Result<()> {
    app.fill("#cust-name", name).await?;
    app.fill("#cust-email", email).await?;
    app.fill("#cust-server", "127.0.0.1").await?;
    app.fill("#cust-port", &instance.port.to_string()).await?;
    app.select("#cust-connection", if instance.tls { "HTTPS" } else { "HTTP" }).await?;
    app.fill("#cust-username", &instance.username).await?;
    app.fill("#cust-password", &instance.password).await?;
    if !instance.tls {
        app.set_checked("#cust-allow-cleartext", true).await?;
    }
    Ok(())
}

/// Records the desktop notifications sent on the D-Bus session bus
/// (`org.freedesktop.Notifications.Notify`, with `dbus-monitor`) for as long as it lives.
pub struct NotificationRecorder {
    child: Child,
    log: tempfile::NamedTempFile,
}

impl NotificationRecorder {
    /// Starts recording; needs the session bus of `scripts/desktop-session.sh`.
    pub fn start() -> Result<Self> {
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS")
            .ok_or("no D-Bus session bus: run inside scripts/desktop-session.sh (make test)")?;
        let log = tempfile::NamedTempFile::new()?;
        let child = Command::new("dbus-monitor")
            .args(["--session", "interface='org.freedesktop.Notifications',member='Notify'"])
            .stdout(Stdio::from(log.reopen()?))
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("dbus-monitor (package dbus) could not start: {e}"))?;
        Ok(Self { child, log })
    }

    /// Everything recorded so far.
    pub fn text(&self) -> String {
        fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Waits until a Notify call containing `needle` (case-insensitive) has been seen on the bus.
    pub async fn wait_for(&self, needle: &str, within: Duration) -> Result<Duration> {
        let started = Instant::now();
        let needle_lower = needle.to_lowercase();
        while started.elapsed() < within {
            if self.text().to_lowercase().contains(&needle_lower) {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let text = self.text();
        let lines: Vec<_> = text.lines().collect();
        Err(format!(
            "no Notify call containing {needle:?} on the session bus within {within:?}; recorded:\n{}",
            lines[lines.len().saturating_sub(40)..].join("\n")
        )
        .into())
    }
}

impl Drop for NotificationRecorder {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The first-run "Create administrator" screen, filled and submitted; ends logged in.
pub async fn create_administrator(app: &App, username: &str, password: &str) -> Result<()> {
    app.wait_for("#setup-form").await?;
    app.fill("#setup-username", username).await?;
    app.fill("#setup-password", password).await?;
    app.fill("#setup-confirm", password).await?;
    app.click("#setup-submit").await?;
    app.wait_until_gone("#setup-form").await?;
    app.wait_for("#logout-button").await?;
    Ok(())
}

/// The login screen, filled and submitted; ends logged in.
pub async fn log_in(app: &App, username: &str, password: &str) -> Result<()> {
    app.wait_for("#login-form").await?;
    app.fill("#login-username", username).await?;
    app.fill("#login-password", password).await?;
    app.click("#login-submit").await?;
    app.wait_until_gone("#login-form").await?;
    Ok(())
}

/// Settings → Customer Management → Add Customer for a simulated instance, through the form.
pub async fn add_customer(
    app: &App,
    name: &str,
    instance: &log360_sim::InstanceInfo,
) -> Result<()> {
    app.click("#nav-settings").await?;
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-page").await?;
    app.click("#add-customer-link").await?;
    app.wait_for("#customer-dialog").await?;
    fill_customer(app, name, "soc@customer.example.com", instance).await?;
    app.click("#cust-submit").await?;
    app.wait_for_text("#toast", &format!("Customer \"{name}\" added successfully.")).await?;
    app.wait_until_gone("#customer-dialog").await?;
    Ok(())
}
