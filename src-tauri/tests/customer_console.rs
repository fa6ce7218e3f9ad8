//! "Open console" through Tauri's mock runtime with the real config and capabilities: the
//! command's shape and roles, one window per customer (opened again, focused, with no new
//! sign-in), and a customer window that can call nothing, whatever URL it claims. The mock
//! runtime renders no page: what the window shows and which cookies it sends are checked
//! at the simulator in the headless run (see `customer_window.rs`).

use log360_sim::{InstanceInfo, InstanceSpec, Sim};
use mssp_core::client::{ClientConfig, InstanceClient};
use mssp_core::store::Store;
use mssp_core::vault::Vault;
use mssp_core::{Console, SystemClock};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

const PASSWORD: &str = "admin password 1";
const CONSOLE_SESSION: (&str, &str) = ("POST", "/mssp/v1/console-session");

struct Ipc {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn call_from(
    window: &WebviewWindow<MockRuntime>,
    url: &str,
    cmd: &str,
    args: Value,
) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: url.parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().unwrap())
}

impl Ipc {
    fn logged_in() -> Self {
        let keychain: Arc<keyring_core::CredentialStore> =
            keyring_core::mock::Store::new().unwrap();
        let console = Console::with_parts(
            Store::open_in_memory().unwrap(),
            Vault::with_store("ipc-test", keychain),
            InstanceClient::new(ClientConfig {
                connect_timeout: Duration::from_secs(2),
                total_timeout: Duration::from_secs(3),
                ..ClientConfig::default()
            })
            .unwrap(),
            Arc::new(SystemClock),
        )
        .unwrap();
        let app = mssp_console::app_builder(mock_builder())
            .manage(Arc::new(console))
            .build(tauri::generate_context!("../tauri.conf.json", test = true))
            .unwrap();
        let window = WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
        let ipc = Self { app, window };
        let admin = json!({"username": "admin", "password": PASSWORD, "confirmPassword": PASSWORD});
        ipc.call("create_admin", json!({"input": admin})).unwrap();
        ipc
    }

    fn call(&self, cmd: &str, args: Value) -> Result<Value, Value> {
        call_from(&self.window, "tauri://localhost", cmd, args)
    }

    fn add(&self, info: &InstanceInfo, name: &str) -> String {
        let input = json!({
            "name": name, "email": "soc@customer.example.com", "server": "127.0.0.1",
            "port": info.port.to_string(), "connectionType": "HTTP",
            "username": info.username, "password": info.password, "allowCleartext": true,
        });
        let added = self.call("add_customer", json!({"input": input})).unwrap();
        added["id"].as_str().unwrap().to_owned()
    }

    fn log_in(&self, username: &str, password: &str) {
        self.call("logout", json!({})).unwrap();
        self.call("login", json!({"username": username, "password": password})).unwrap();
    }
}

fn instances(names: &[&str]) -> (Sim, Vec<InstanceInfo>) {
    tauri::async_runtime::block_on(async {
        let sim = Sim::new();
        let mut infos = Vec::new();
        for name in names {
            infos.push(sim.add_instance(InstanceSpec::new(*name)).await.unwrap());
        }
        (sim, infos)
    })
}

#[test]
fn open_console_opens_one_window_per_customer_and_focuses_it_after() {
    let (sim, infos) = instances(&["Acme", "Globex"]);
    let ipc = Ipc::logged_in();
    let acme = ipc.add(&infos[0], "Acme Corp");
    let globex = ipc.add(&infos[1], "Globex");

    let shown = ipc.call("open_customer_console", json!({"id": acme})).unwrap();
    let label = format!("customer-console-{acme}");
    assert_eq!(shown, json!({"customerId": acme, "label": label, "shown": "opened"}));
    assert!(!shown.to_string().contains("ticket"), "the sign-in URL never crosses IPC");
    // (The mock runtime keeps no title; the headless run shows "Acme Corp — Log360 console".)
    assert!(ipc.app.get_webview_window(&label).is_some(), "the customer's window");
    let asked = || sim.request_count_for(infos[0].port, CONSOLE_SESSION.0, CONSOLE_SESSION.1);
    assert_eq!(asked(), 1);

    // Again: the same window, brought forward; no second sign-in.
    let again = ipc.call("open_customer_console", json!({"id": acme})).unwrap();
    assert_eq!(again["shown"], "focused");
    assert_eq!(asked(), 1);

    // Another customer: a window of its own.
    let other = ipc.call("open_customer_console", json!({"id": globex})).unwrap();
    assert_eq!(other["shown"], "opened");
    let customer_windows = ipc
        .app
        .webview_windows()
        .into_keys()
        .filter(|l| l.starts_with("customer-console-"))
        .count();
    assert_eq!(customer_windows, 2);

    let audit = ipc.call("list_audit", json!({"limit": 10})).unwrap();
    let opens =
        audit.as_array().unwrap().iter().filter(|e| e["action"] == "customer.console.open").count();
    assert_eq!(opens, 2, "one entry per sign-in, none for focusing");
}

#[test]
fn a_customer_window_can_call_nothing() {
    let (_sim, infos) = instances(&["Acme"]);
    let ipc = Ipc::logged_in();
    let acme = ipc.add(&infos[0], "Acme");
    ipc.call("open_customer_console", json!({"id": acme})).unwrap();
    let window = ipc.app.get_webview_window(&format!("customer-console-{acme}")).unwrap();

    let page = format!("{}/console/", infos[0].url);
    for url in [page.as_str(), "tauri://localhost"] {
        for (cmd, args) in [
            ("list_customers", json!({})),
            ("open_customer_console", json!({"id": acme})),
            ("app_info", json!({})),
            (
                "plugin:event|listen",
                json!({"event": "customers-changed", "target": {"kind": "Any"}, "handler": 0}),
            ),
            ("plugin:notification|notify", json!({"options": {"title": "x"}})),
        ] {
            let err = call_from(&window, url, cmd, args).expect_err(cmd);
            let text = err.to_string();
            assert!(text.contains("not allowed"), "{cmd} from {url}: {text}");
        }
    }
    // The main window still may.
    ipc.call("list_customers", json!({})).unwrap();
}

#[test]
fn guests_may_not_and_operators_only_their_customers() {
    let (sim, infos) = instances(&["Acme", "Globex"]);
    let ipc = Ipc::logged_in();
    let acme = ipc.add(&infos[0], "Acme");
    let globex = ipc.add(&infos[1], "Globex");
    for (name, role, customers) in
        [("otto", "operator", json!([acme])), ("gina", "guest", json!([]))]
    {
        let input = json!({
            "username": name, "email": format!("{name}@mssp.example.com"), "role": role,
            "allCustomers": customers.as_array().unwrap().is_empty(), "customerIds": customers,
            "tagIds": [], "password": format!("{name} password 1"),
        });
        ipc.call("add_technician", json!({"input": input})).unwrap();
    }

    ipc.log_in("gina", "gina password 1");
    let err = ipc.call("open_customer_console", json!({"id": acme})).unwrap_err();
    assert_eq!(err["code"], "forbidden");
    assert_eq!(err["message"], "Guests cannot open a customer's console.");

    ipc.log_in("otto", "otto password 1");
    let err = ipc.call("open_customer_console", json!({"id": globex})).unwrap_err();
    assert_eq!(err["code"], "not_found");
    let err = ipc.call("open_customer_console", json!({"id": "not-an-id"})).unwrap_err();
    assert_eq!(err["code"], "not_found");
    assert_eq!(ipc.call("open_customer_console", json!({"id": acme})).unwrap()["shown"], "opened");

    let asked =
        |i: usize| sim.request_count_for(infos[i].port, CONSOLE_SESSION.0, CONSOLE_SESSION.1);
    assert_eq!((asked(0), asked(1)), (1, 0));
    assert!(ipc.app.get_webview_window(&format!("customer-console-{globex}")).is_none());
}
