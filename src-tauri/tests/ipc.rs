//! IPC tests through Tauri's mock runtime, with the real config and capabilities: they pin
//! command names, argument names, the DTO shapes and the error JSON the webview depends on
//! (`docs/ipc.md`). A rename on either side fails here, not in front of a person.

use log360_sim::{Fault, InstanceInfo, InstanceSpec, Sim};
use mssp_core::client::{ClientConfig, InstanceClient};
use mssp_core::store::Store;
use mssp_core::vault::Vault;
use mssp_core::{Console, SystemClock};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

const PASSWORD: &str = "admin password 1";

struct Ipc {
    _app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

impl Ipc {
    fn new() -> Self {
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
        Self { _app: app, window }
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

    fn logged_in() -> Self {
        let ipc = Self::new();
        ipc.call(
            "create_admin",
            json!({"input": {"username": "admin", "password": PASSWORD, "confirmPassword": PASSWORD}}),
        )
        .unwrap();
        ipc
    }
}

fn sim_instance(password: &str) -> (Sim, InstanceInfo) {
    tauri::async_runtime::block_on(async {
        let sim = Sim::new();
        let mut spec = InstanceSpec::new("Acme");
        spec.password = password.into();
        let info = sim.add_instance(spec).await.unwrap();
        (sim, info)
    })
}

fn customer_input(info: &InstanceInfo, name: &str) -> Value {
    json!({
        "name": name,
        "email": "soc@acme.example.com",
        "server": "127.0.0.1",
        "port": info.port.to_string(),
        "connectionType": "HTTP",
        "username": info.username,
        "password": info.password,
        "allowCleartext": true,
    })
}

#[test]
fn the_capability_file_grants_exactly_the_commands() {
    let file: Value =
        serde_json::from_str(include_str!("../capabilities/main-window.json")).unwrap();
    let granted: BTreeSet<String> = file["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| p.starts_with("allow-"))
        .map(str::to_owned)
        .collect();
    let commands: BTreeSet<String> = mssp_console::ipc::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    assert_eq!(granted, commands, "capabilities/main-window.json and the command table differ");
}

#[test]
fn docs_ipc_md_documents_every_command() {
    let doc = include_str!("../../docs/ipc.md");
    let missing: Vec<_> = mssp_console::ipc::COMMANDS
        .iter()
        .filter(|c| !doc.contains(&format!("| `{c}` |")))
        .collect();
    assert!(missing.is_empty(), "docs/ipc.md does not document {missing:?}");
}

#[test]
fn app_info_shape() {
    let ipc = Ipc::new();
    let info = ipc.call("app_info", json!({})).unwrap();
    assert_eq!(
        info,
        json!({
            "productName": "MSSP Console",
            "version": env!("CARGO_PKG_VERSION"),
            "build": 7100,
            "needsSetup": true,
            "session": null,
            "idleLockSeconds": 900,
        })
    );
}

#[test]
fn the_error_json_is_code_message_and_force_delete_flag() {
    let ipc = Ipc::new();
    let err = ipc.call("list_customers", json!({})).unwrap_err();
    assert_eq!(
        err,
        json!({
            "code": "locked",
            "message": "The console is locked. Log in again.",
            "forceDeleteAvailable": false,
        })
    );
}

#[test]
fn validation_errors_name_each_field_in_the_forms_terms() {
    let ipc = Ipc::new();
    let err = ipc
        .call(
            "create_admin",
            json!({"input": {"username": "", "password": "short", "confirmPassword": "other"}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "validation");
    let fields: Vec<_> = err["fields"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(fields, ["confirmPassword", "password", "username"]);

    let ipc = Ipc::logged_in();
    let err = ipc
        .call(
            "add_customer",
            json!({"input": {"name": "", "email": "x", "server": "", "port": "80a",
                             "connectionType": "FTP", "username": "", "password": ""}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "validation");
    assert_eq!(err["fields"]["port"], "Port must be a whole number from 1 to 65535.");
    assert_eq!(err["fields"]["connectionType"], "Choose HTTP or HTTPS.");
    let fields: Vec<_> = err["fields"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        fields,
        ["connectionType", "email", "name", "password", "port", "server", "username"]
    );
}

#[test]
fn login_and_logout() {
    let ipc = Ipc::logged_in();
    ipc.call("logout", json!({})).unwrap();
    assert_eq!(ipc.call("touch_session", json!({})).unwrap_err()["code"], "locked");
    let err =
        ipc.call("login", json!({"username": "admin", "password": "wrong password"})).unwrap_err();
    assert_eq!(err["code"], "auth_failed");
    let session = ipc.call("login", json!({"username": "admin", "password": PASSWORD})).unwrap();
    assert_eq!(session, json!({"username": "admin", "role": "admin"}));
    ipc.call("touch_session", json!({})).unwrap();
}

#[test]
fn customer_round_trip_never_returns_credentials() {
    let password = "Distinctive-ipc-pass-42";
    let (sim, info) = sim_instance(password);
    let ipc = Ipc::logged_in();

    let added =
        ipc.call("add_customer", json!({"input": customer_input(&info, "Acme Corp")})).unwrap();
    let keys: Vec<_> = added.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "build",
            "certificate",
            "cleartext",
            "connectionType",
            "createdAt",
            "email",
            "hasCredentials",
            "health",
            "id",
            "instanceId",
            "name",
            "port",
            "quiet",
            "server",
            "status",
            "sync",
            "tags",
            "trust",
            "updatedAt"
        ]
    );
    assert_eq!(added["name"], "Acme Corp");
    assert_eq!(added["port"], info.port);
    assert_eq!(added["hasCredentials"], true);
    assert_eq!(added["health"]["state"], "unknown");
    assert_eq!(added["status"], "Never synced");
    assert_eq!(added["sync"], json!({"state": "never", "at": null, "reason": null}));
    assert!(!added.to_string().contains(password));
    let id = added["id"].as_str().unwrap().to_owned();

    let listed = ipc.call("list_customers", json!({})).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains(password));

    let mut input = customer_input(&info, "Acme Corp");
    input["email"] = json!("noc@acme.example.com");
    let updated = ipc.call("update_customer", json!({"id": id, "input": input})).unwrap();
    assert_eq!(updated["email"], "noc@acme.example.com");

    // Opening the page: the kept sort and the first rows' customers come with the answer.
    ipc.call("set_customer_sort", json!({"sort": {"key": "server", "descending": true}})).unwrap();
    let q = json!({"text": "", "quick": "all", "tag": null, "sort": {"key": "name", "descending": false}});
    let opened =
        ipc.call("query_customers", json!({"query": q, "head": 5, "keptSort": true})).unwrap();
    assert_eq!(opened["sort"], json!({"key": "server", "descending": true}));
    assert_eq!(opened["ids"], json!([id]));
    assert_eq!(opened["head"][0]["id"], json!(id));
    assert!(!opened.to_string().contains(password));
    let plain = ipc.call("query_customers", json!({"query": q})).unwrap();
    assert_eq!(
        plain["sort"]["key"], "name",
        "the query's own sort unless the kept one is asked for"
    );
    assert_eq!(plain["head"], json!([]));

    let checked = ipc.call("check_health", json!({})).unwrap();
    assert_eq!(checked, json!({"up": 1, "down": 0, "unknown": 0}));
    let listed = ipc.call("list_customers", json!({})).unwrap();
    assert_eq!(listed[0]["health"]["state"], "up");

    let err = ipc.call("delete_customer", json!({"id": id, "password": "not mine"})).unwrap_err();
    assert_eq!(err["code"], "wrong_password");
    assert_eq!(err["forceDeleteAvailable"], false);

    tauri::async_runtime::block_on(sim.set_fault(info.port, Fault::Down)).unwrap();
    let err = ipc.call("delete_customer", json!({"id": id, "password": PASSWORD})).unwrap_err();
    assert_eq!(err["code"], "unreachable");
    assert_eq!(err["forceDeleteAvailable"], true);

    ipc.call(
        "force_delete_customer",
        json!({"id": id, "password": PASSWORD, "reason": "Instance retired"}),
    )
    .unwrap();
    assert_eq!(ipc.call("list_customers", json!({})).unwrap(), json!([]));

    let audit = ipc.call("list_audit", json!({"limit": 1})).unwrap();
    assert_eq!(audit[0]["action"], "customer.force_delete");
    assert_eq!(audit[0]["reason"], "Instance retired");
    assert!(!ipc.call("list_audit", json!({"limit": 100})).unwrap().to_string().contains(password));
}

#[test]
fn an_unknown_customer_id_is_not_found() {
    let ipc = Ipc::logged_in();
    let err =
        ipc.call("delete_customer", json!({"id": "no-such-id", "password": PASSWORD})).unwrap_err();
    assert_eq!(err["code"], "not_found");
}

#[test]
fn monitor_settings_round_trip_and_field_errors() {
    let ipc = Ipc::logged_in();
    let defaults = ipc.call("get_monitor_settings", json!({})).unwrap();
    assert_eq!(
        defaults,
        json!({"intervalSecs": 30, "retrySecs": 5, "failuresToDown": 3, "successesToUp": 1,
               "notifications": true, "reminderMinutes": 0, "retentionDays": 30,
               "offlineSharePercent": 50, "probeAddress": ""})
    );
    let mut bad = defaults.clone();
    bad["intervalSecs"] = json!(1);
    bad["retrySecs"] = json!(1);
    bad["retentionDays"] = json!(0);
    bad["probeAddress"] = json!("gateway without port");
    let err = ipc.call("update_monitor_settings", json!({"settings": bad})).unwrap_err();
    assert_eq!(err["code"], "validation");
    let fields: Vec<_> = err["fields"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(fields, ["intervalSecs", "probeAddress", "retentionDays"]);

    let mut good = defaults;
    good["intervalSecs"] = json!(60);
    good["notifications"] = json!(false);
    let saved = ipc.call("update_monitor_settings", json!({"settings": good.clone()})).unwrap();
    assert_eq!(saved, good);
    assert_eq!(ipc.call("get_monitor_settings", json!({})).unwrap(), good);
}

#[test]
fn check_now_and_health_detail_shapes() {
    let (_sim, info) = sim_instance("acme-admin-pass-1");
    let ipc = Ipc::logged_in();
    let added = ipc.call("add_customer", json!({"input": customer_input(&info, "Acme")})).unwrap();
    let id = added["id"].clone();

    let checked = ipc.call("check_customer_now", json!({"id": id})).unwrap();
    assert_eq!(checked["health"]["state"], "up");
    assert!(checked["health"]["latencyMs"].is_u64());
    assert!(checked["health"]["checkedAt"].is_string());

    let detail = ipc.call("customer_health", json!({"id": id})).unwrap();
    let keys: Vec<_> = detail.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["customerId", "events", "health", "hourly", "since", "uptime24h", "uptime7d"]
    );
    assert_eq!(detail["events"][0]["from"], "unknown");
    assert_eq!(detail["events"][0]["to"], "up");
    assert_eq!(detail["uptime24h"], 100.0);
}

#[test]
fn sync_now_and_details_shapes() {
    let (_sim, info) = sim_instance("acme-admin-pass-1");
    let ipc = Ipc::logged_in();
    let added = ipc.call("add_customer", json!({"input": customer_input(&info, "Acme")})).unwrap();
    let id = added["id"].clone();

    let synced = ipc.call("sync_customer", json!({"id": id})).unwrap();
    assert_eq!(synced["status"], "Data Collection Successful");
    assert_eq!(synced["sync"]["state"], "success");
    assert!(synced["sync"]["at"].is_string());

    let details = ipc.call("customer_details", json!({"id": id})).unwrap();
    let keys: Vec<_> = details.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["collectedAt", "customerId", "runs", "snapshot", "sync", "syncedAt"]);
    let snap = &details["snapshot"];
    assert!(snap["components"][0]["integration"]["lastHeartbeat"].is_string());
    assert_eq!(snap["reverseProxy"]["mode"], "context");
    assert_eq!(snap["license"]["edition"], "Professional");
    assert!(snap["technicians"].as_array().unwrap().iter().any(|t| t["auth"] == "central"));
    assert_eq!(details["runs"][0]["trigger"], "manual");
    assert_eq!(details["runs"][0]["outcome"], "success");

    assert_eq!(ipc.call("get_sync_settings", json!({})).unwrap(), json!({"intervalMinutes": 15}));
    let err =
        ipc.call("update_sync_settings", json!({"settings": {"intervalMinutes": 0}})).unwrap_err();
    assert!(err["fields"]["intervalMinutes"].is_string());
}

#[test]
fn an_operator_invoking_delete_directly_is_forbidden() {
    let (sim, info) = sim_instance("acme-admin-pass-1");
    let ipc = Ipc::logged_in();
    let added = ipc.call("add_customer", json!({"input": customer_input(&info, "Acme")})).unwrap();
    let id = added["id"].clone();
    let tech = ipc
        .call(
            "add_technician",
            json!({"input": {"username": "otto", "email": "otto@mssp.example.com", "role": "operator",
                             "allCustomers": true, "customerIds": [], "password": "otto password 1"}}),
        )
        .unwrap();
    let keys: Vec<_> = tech.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "allCustomers",
            "createdAt",
            "customerIds",
            "email",
            "enabled",
            "id",
            "role",
            "tagIds",
            "username"
        ]
    );
    assert_eq!(tech["role"], "operator");

    ipc.call("logout", json!({})).unwrap();
    let session =
        ipc.call("login", json!({"username": "otto", "password": "otto password 1"})).unwrap();
    assert_eq!(session, json!({"username": "otto", "role": "operator"}));

    let err =
        ipc.call("delete_customer", json!({"id": id, "password": "otto password 1"})).unwrap_err();
    assert_eq!(err["code"], "forbidden");
    let err = ipc
        .call(
            "force_delete_customer",
            json!({"id": id, "password": "otto password 1", "reason": "x"}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "forbidden");
    assert_eq!(ipc.call("list_technicians", json!({})).unwrap_err()["code"], "forbidden");
    assert_eq!(ipc.call("list_customers", json!({})).unwrap().as_array().unwrap().len(), 1);
    assert!(sim.linked_mssp(info.port).is_some(), "nothing happened on the instance");
    let synced = ipc.call("sync_customer", json!({"id": id})).unwrap();
    assert_eq!(synced["sync"]["state"], "success", "an operator syncs");
}

#[test]
fn license_commands_pin_their_shapes_and_errors() {
    let (_sim, info) = sim_instance("acme-admin-pass-1");
    let ipc = Ipc::logged_in();
    let added = ipc.call("add_customer", json!({"input": customer_input(&info, "Acme")})).unwrap();
    let id = added["id"].clone();
    ipc.call("sync_customer", json!({"id": id})).unwrap();

    let none = ipc.call("license_overview", json!({})).unwrap();
    assert_eq!(none["license"], json!(null));
    let err = ipc
        .call(
            "update_allocation",
            json!({"customerId": id, "version": 0, "allocation": {"windows_devices": 1}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "no_license");

    let err = ipc.call("apply_license", json!({"text": "{"})).unwrap_err();
    assert_eq!(err["code"], "validation");
    assert!(err["fields"]["license"].as_str().unwrap().contains("not valid"));

    let license = r#"{"license_id": "L-1", "licensee": "Contoso MSSP", "edition": "Professional",
        "expires_at": "2030-01-01T00:00:00Z", "resources": {"windows_devices": 100}}"#;
    let overview = ipc.call("apply_license", json!({"text": license})).unwrap();
    let keys: Vec<_> = overview.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["customers", "license", "resources", "threshold"]);
    assert_eq!(overview["license"]["expired"], false);
    assert_eq!(
        overview["resources"][0],
        json!({"resource": "windows_devices", "label": "Windows devices", "total": 100,
               "allocated": 0, "inUse": 12, "available": 100, "overBy": 0})
    );

    let details = ipc.call("allocation_details", json!({"customerId": id})).unwrap();
    let keys: Vec<_> = details.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "alerts",
            "allocation",
            "changedAt",
            "changedBy",
            "customerId",
            "name",
            "pushReason",
            "pushState",
            "resources",
            "usage",
            "usageAt",
            "version"
        ]
    );
    let err = ipc
        .call(
            "update_allocation",
            json!({"customerId": id, "version": details["version"], "allocation": {"windows_devices": 101}}),
        )
        .unwrap_err();
    assert_eq!(
        err["fields"]["windows_devices"],
        "Only 100 windows devices are free; you asked for 101."
    );
    let updated = ipc
        .call(
            "update_allocation",
            json!({"customerId": id, "version": details["version"], "allocation": {"windows_devices": 40}}),
        )
        .unwrap();
    assert_eq!(updated["pushState"], "applied");
    assert_eq!(updated["allocation"], json!({"windows_devices": 40}));
    let err = ipc
        .call(
            "update_allocation",
            json!({"customerId": id, "version": details["version"], "allocation": {"windows_devices": 41}}),
        )
        .unwrap_err();
    assert_eq!(err["code"], "conflict");
}
