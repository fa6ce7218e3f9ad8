//! The console as a desktop program, through Tauri's mock runtime with the real config:
//! start-at-login (kept by the OS's own entry, so it persists), the policy file that manages
//! it and the update check, and signed updates against a local update server (plain HTTP is
//! allowed here only, by the test's config; real endpoints are HTTPS). The updates are
//! signed in the test with a key made for it: no private key is in the repository.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use mssp_console::desktop::policy::Policy;
use mssp_console::desktop::updates::Updates;
use mssp_core::client::{ClientConfig, InstanceClient};
use mssp_core::store::Store;
use mssp_core::vault::Vault;
use mssp_core::{Console, SystemClock};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

const PASSWORD: &str = "admin password 1";

struct Desktop {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _data: tempfile::TempDir,
}

impl Desktop {
    /// A logged-in console with `policy`, whose updater asks `updater` (plugin config).
    fn new(policy: Policy, updater: Option<Value>) -> Self {
        let keychain: Arc<keyring_core::CredentialStore> =
            keyring_core::mock::Store::new().unwrap();
        let console = Console::with_parts(
            Store::open_in_memory().unwrap(),
            Vault::with_store("desktop-test", keychain),
            InstanceClient::new(ClientConfig::default()).unwrap(),
            Arc::new(SystemClock),
        )
        .unwrap();
        let data = tempfile::tempdir().unwrap();
        let mut context = tauri::generate_context!("../tauri.conf.json", test = true);
        if let Some(updater) = updater {
            context.config_mut().plugins.0.insert("updater".into(), updater);
        }
        let app = mssp_console::desktop::plugins(mssp_console::app_builder(mock_builder()))
            .manage(Arc::new(console))
            .manage(policy)
            .manage(Updates::new(data.path()))
            .build(context)
            .unwrap();
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        let desktop = Self { app, window, _data: data };
        desktop
            .call(
                "create_admin",
                json!({"input": {"username": "admin", "password": PASSWORD, "confirmPassword": PASSWORD}}),
            )
            .unwrap();
        desktop
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.window,
            InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|body| body.deserialize::<Value>().unwrap())
    }
}

// ---- A local update server -------------------------------------------------------------------

/// Serves `files` (path → body) over plain HTTP on `listener` until the test ends.
fn serve(listener: TcpListener, files: Vec<(String, Vec<u8>)>) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let mut stream = stream;
            let (status, body) = match files.iter().find(|(p, _)| *p == path) {
                Some((_, body)) => ("200 OK", body.as_slice()),
                None => ("404 Not Found", &[][..]),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body);
        }
    });
}

/// A minisign key pair as the Tauri CLI's `signer generate` makes it: the public key as
/// tauri.conf.json holds it (base64 of the key file), and a signer like `signer sign`.
struct Key {
    pk: minisign::PublicKey,
    sk: minisign::SecretKey,
}

impl Key {
    fn new() -> Self {
        let minisign::KeyPair { pk, sk } =
            minisign::KeyPair::generate_unencrypted_keypair().unwrap();
        Self { pk, sk }
    }

    fn pubkey_config(&self) -> String {
        STANDARD.encode(self.pk.to_box().unwrap().to_string())
    }

    /// The `.sig` the release attaches to an installer (base64 of the signature file); the
    /// trusted comment names the version, as the CLI writes it.
    fn sign(&self, bytes: &[u8], version: &str) -> String {
        let trusted = format!("timestamp:1764633600\tfile:mssp-console.bin\tversion:{version}");
        let sig = minisign::sign(Some(&self.pk), &self.sk, bytes, Some(&trusted), None).unwrap();
        STANDARD.encode(sig.to_string())
    }
}

const INSTALLER: &[u8] = b"the installer of MSSP Console 99.0.0";

/// An update server offering `version`, its installer signed by `signer`; returns the
/// updater config of a console that trusts `trusted`.
fn update_server(trusted: &Key, signer: &Key, version: &str) -> Value {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let target = tauri_plugin_updater::target().expect("an OS the updater knows");
    let manifest = json!({
        "version": version,
        "notes": "Faster customer sync.\nFixes the tray on KDE.",
        "pub_date": "2026-12-01T09:00:00Z",
        "platforms": { target: {
            "signature": signer.sign(INSTALLER, version),
            "url": format!("{base}/mssp-console.bin"),
        }}
    });
    serve(
        listener,
        vec![
            ("/latest.json".into(), serde_json::to_vec(&manifest).unwrap()),
            ("/mssp-console.bin".into(), INSTALLER.to_vec()),
        ],
    );
    updater_config(trusted, &format!("{base}/latest.json"))
}

fn updater_config(trusted: &Key, endpoint: &str) -> Value {
    json!({
        "pubkey": trusted.pubkey_config(),
        "endpoints": [endpoint],
        // Only here: the local server speaks plain HTTP. tauri.conf.json has no such switch.
        "dangerousInsecureTransportProtocol": true,
        "requireSignedVersion": true,
    })
}

// ---- Updates ---------------------------------------------------------------------------------

#[test]
fn a_newer_version_is_offered_with_its_notes() {
    let key = Key::new();
    let desktop = Desktop::new(Policy::default(), Some(update_server(&key, &key, "99.0.0")));
    let check = desktop.call("check_for_update", json!({})).unwrap();
    assert_eq!(check["status"], "available", "{check}");
    assert_eq!(check["version"], "99.0.0");
    assert_eq!(check["currentVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(check["notes"], "Faster customer sync.\nFixes the tray on KDE.");
    // The About box finds it again without asking the server.
    let settings = desktop.call("get_desktop_settings", json!({})).unwrap();
    assert_eq!(settings["pendingUpdate"]["version"], "99.0.0");
    assert_eq!(settings["updateChecksOff"], Value::Null);
}

#[test]
fn the_same_version_is_up_to_date() {
    let key = Key::new();
    let current = env!("CARGO_PKG_VERSION");
    let desktop = Desktop::new(Policy::default(), Some(update_server(&key, &key, current)));
    let check = desktop.call("check_for_update", json!({})).unwrap();
    assert_eq!(check, json!({"status": "upToDate", "version": current}));
}

#[test]
fn a_correctly_signed_update_downloads_and_verifies() {
    let key = Key::new();
    let desktop = Desktop::new(Policy::default(), Some(update_server(&key, &key, "99.0.0")));
    assert_eq!(desktop.call("check_for_update", json!({})).unwrap()["status"], "available");
    let handle = desktop.app.handle().clone();
    let (update, bytes) =
        tauri::async_runtime::block_on(mssp_console::desktop::updates::download_verified(&handle))
            .map_err(|e| e.message)
            .unwrap();
    assert_eq!(bytes, INSTALLER);
    assert_eq!(update.version, "99.0.0");
}

#[test]
fn an_update_whose_signature_does_not_verify_is_refused() {
    let ours = Key::new();
    let someone_else = Key::new();
    let desktop =
        Desktop::new(Policy::default(), Some(update_server(&ours, &someone_else, "99.0.0")));
    assert_eq!(desktop.call("check_for_update", json!({})).unwrap()["status"], "available");
    let err = desktop.call("install_update", json!({})).unwrap_err();
    assert_eq!(err["code"], "update_signature_invalid", "{err}");
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("signature") && message.contains("Nothing was installed"),
        "{message}"
    );
}

#[test]
fn no_network_is_a_quiet_could_not_check() {
    // A port nobody listens on: the connection is refused, as offline.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let key = Key::new();
    let config = updater_config(&key, &format!("http://127.0.0.1:{port}/latest.json"));
    let desktop = Desktop::new(Policy::default(), Some(config));
    let check = desktop.call("check_for_update", json!({})).expect("not an error");
    assert_eq!(check["status"], "couldNotCheck", "{check}");
    assert!(check["message"].as_str().unwrap().starts_with("Could not check for updates"));
    let err = desktop.call("install_update", json!({})).unwrap_err();
    assert_eq!(err["code"], "not_found");
}

#[test]
fn a_build_without_an_update_server_never_checks() {
    // tauri.conf.json as committed: no endpoints (the release build adds them).
    let desktop = Desktop::new(Policy::default(), None);
    let check = desktop.call("check_for_update", json!({})).unwrap();
    assert_eq!(check["status"], "disabled", "{check}");
}

// ---- The policy file -------------------------------------------------------------------------

#[test]
fn the_policy_file_turns_off_update_checks_and_start_at_login() {
    let key = Key::new();
    let policy = Policy {
        disable_update_check: true,
        disable_start_at_login: true,
        source: Some("/etc/mssp-console/policy.json".into()),
    };
    let desktop = Desktop::new(policy, Some(update_server(&key, &key, "99.0.0")));
    let check = desktop.call("check_for_update", json!({})).unwrap();
    assert_eq!(check["status"], "disabled");
    assert!(check["message"].as_str().unwrap().contains("policy"));
    let settings = desktop.call("get_desktop_settings", json!({})).unwrap();
    assert_eq!(settings["startAtLoginManaged"], true);
    assert_eq!(settings["startAtLogin"], false);
    assert_eq!(settings["policyFile"], "/etc/mssp-console/policy.json");
    assert!(settings["updateChecksOff"].as_str().unwrap().contains("policy"));
    let err = desktop.call("set_start_at_login", json!({"enabled": true})).unwrap_err();
    assert_eq!(err["code"], "managed_by_policy");
    let err = desktop.call("install_update", json!({})).unwrap_err();
    assert_eq!(err["code"], "managed_by_policy");
}

// ---- Start at login --------------------------------------------------------------------------

/// Linux only: the entry goes under $HOME/.config/autostart, which the test points at a
/// temporary folder (on Windows and macOS it would be the runner's own login items).
#[cfg(target_os = "linux")]
#[test]
fn start_at_login_is_off_at_first_and_persists_once_turned_on() {
    let home = tempfile::tempdir().unwrap();
    // SAFETY: the only test in this binary that reads HOME or XDG_CONFIG_HOME.
    unsafe {
        std::env::set_var("HOME", home.path());
        std::env::set_var("XDG_CONFIG_HOME", home.path().join(".config"));
    }
    let desktop = Desktop::new(Policy::default(), None);
    assert_eq!(desktop.call("get_desktop_settings", json!({})).unwrap()["startAtLogin"], false);
    let on = desktop.call("set_start_at_login", json!({"enabled": true})).unwrap();
    assert_eq!(on["startAtLogin"], true);

    let autostart = home.path().join(".config/autostart");
    let entry = std::fs::read_dir(&autostart).unwrap().next().unwrap().unwrap().path();
    let text = std::fs::read_to_string(&entry).unwrap();
    assert!(text.contains("--autostart"), "the login entry starts it hidden: {text}");

    // A new start of the console reads the same entry.
    drop(desktop);
    let again = Desktop::new(Policy::default(), None);
    assert_eq!(again.call("get_desktop_settings", json!({})).unwrap()["startAtLogin"], true);
    let off = again.call("set_start_at_login", json!({"enabled": false})).unwrap();
    assert_eq!(off["startAtLogin"], false);
    assert!(!entry.exists());
}

#[test]
fn changing_start_at_login_needs_someone_logged_in() {
    let desktop = Desktop::new(Policy::default(), None);
    desktop.call("logout", json!({})).unwrap();
    let err = desktop.call("set_start_at_login", json!({"enabled": true})).unwrap_err();
    assert_eq!(err["code"], "locked");
}
