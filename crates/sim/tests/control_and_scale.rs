//! The control endpoint, the manifest, the binary, the demo config, and a
//! thousand instances in one process.

mod common;

use std::time::{Duration, Instant};

use common::{client, error_of, url};
use log360_sim::{Fault, InstanceInfo, InstanceSpec, Sim, raise_fd_limit, write_manifest};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn control_endpoint_lists_creates_and_changes_instances() {
    let sim = Sim::new();
    let first = sim.add_instance(InstanceSpec::new("Acme")).await.unwrap();
    let addr = sim.serve_control("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = format!("http://{addr}");
    let c = client();

    let list: Value =
        c.get(format!("{base}/instances")).send().await.unwrap().json().await.unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["port"], first.port);
    assert_eq!(list[0]["fault"], "none");
    assert_eq!(list[0]["latency_ms"], 0);
    assert_eq!(list[0]["linked_mssp"], Value::Null);

    let resp = c
        .post(format!("{base}/instances"))
        .json(&json!({"name": "Globex", "password": "Globex$Demo77", "build": 7200}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let created: InstanceInfo = resp.json().await.unwrap();
    assert_eq!(created.name, "Globex");
    assert_eq!(created.username, "admin");
    assert_eq!(created.build, 7200);
    assert_eq!(sim.instances().len(), 2);
    let about: Value =
        c.get(url(&created, "/mssp/v1/about")).send().await.unwrap().json().await.unwrap();
    assert_eq!(about["version"], "7.2.0");

    let post = |path: String, body: Value| c.post(format!("{base}{path}")).json(&body).send();
    let p = created.port;
    assert_eq!(
        post(format!("/instances/{p}/fault"), json!({"fault": "down"})).await.unwrap().status(),
        StatusCode::OK
    );
    assert!(client().get(url(&created, "/mssp/v1/about")).send().await.unwrap_err().is_connect());
    assert_eq!(
        post(format!("/instances/{p}/fault"), json!({"fault": "none"})).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        post(format!("/instances/{p}/latency"), json!({"ms": 5})).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        post(format!("/instances/{p}/build"), json!({"build": 7300})).await.unwrap().status(),
        StatusCode::OK
    );
    let state: Value =
        post(format!("/instances/{p}/password"), json!({"password": "Changed-Pass1"}))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    assert_eq!(state["password"], "Changed-Pass1");
    assert_eq!(
        post(format!("/instances/{p}/expire-tokens"), json!({})).await.unwrap().status(),
        StatusCode::OK
    );

    let state: Value =
        c.get(format!("{base}/instances/{p}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["fault"], "none");
    assert_eq!(state["latency_ms"], 5);
    assert_eq!(state["build"], 7300);
    assert_eq!(state["version"], "7.3.0");
    assert!(state["technicians"].is_array());
    assert!(state["allocation"].is_object());
    assert_eq!(state["usage"]["workstations"], 40);
    assert_eq!(state["linked_mssp"], Value::Null);
    assert!(state["request_count"].as_u64().unwrap() >= 1);
    assert_eq!(sim.fault(p), Fault::None);

    let (status, code, _) = error_of(
        post(format!("/instances/{p}/fault"), json!({"fault": "sideways"})).await.unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    // Unknown port: port 1 is never a simulated instance here.
    let (status, code, _) =
        error_of(c.get(format!("{base}/instances/1")).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let (status, _, _) =
        error_of(post("/instances/1/fault".into(), json!({"fault": "down"})).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) =
        error_of(post(format!("/instances/{p}/teleport"), json!({})).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    sim.shutdown().await;
}

#[tokio::test]
async fn control_endpoint_refuses_non_loopback_addresses() {
    let sim = Sim::new();
    for addr in ["0.0.0.0:0", "10.1.2.3:7171", "[::]:0"] {
        let err = sim.serve_control(addr.parse().unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{addr}");
    }
}

#[test]
fn manifest_is_written_whole_and_leaves_no_temp_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manifest.json");
    let info = InstanceInfo {
        instance_id: uuid::Uuid::new_v4(),
        name: "Acme".into(),
        port: 18081,
        url: "http://127.0.0.1:18081".into(),
        tls: false,
        username: "admin".into(),
        password: "Acme#Sim2024!".into(),
        build: 7100,
    };
    write_manifest(&path, std::slice::from_ref(&info)).unwrap();
    let back: Vec<InstanceInfo> = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(back, vec![info]);
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from("manifest.json")]);
}

#[test]
fn demo_config_has_four_distinct_customers() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demo.json")).unwrap();
    let specs: Vec<InstanceSpec> = serde_json::from_str(&text).unwrap();
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Acme Corp", "Globex", "Initech", "Umbrella Health"]);
    let ports: Vec<u16> = specs.iter().map(|s| s.port).collect();
    assert_eq!(ports, [18081, 18082, 18083, 18084]);
    let mut passwords: Vec<&str> = specs.iter().map(|s| s.password.as_str()).collect();
    assert!(passwords.iter().all(|p| p.len() >= 10));
    passwords.sort_unstable();
    passwords.dedup();
    assert_eq!(passwords.len(), 4);
    assert!(specs.iter().all(|s| s.build == 7100 && !s.tls && s.fault == Fault::None));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_instances_start_and_answer() {
    raise_fd_limit().unwrap();
    let sim = Sim::new();
    let started = Instant::now();
    let infos = sim.add_instances(1000, InstanceSpec::new("Customer")).await.unwrap();
    let startup = started.elapsed();
    assert_eq!(infos.len(), 1000);
    assert_eq!(infos[0].name, "Customer 1");
    assert_eq!(infos[999].name, "Customer 1000");
    let mut ports: Vec<u16> = infos.iter().map(|i| i.port).collect();
    ports.sort_unstable();
    ports.dedup();
    assert_eq!(ports.len(), 1000);
    let listed = sim.instances();
    assert_eq!(listed.len(), 1000);
    // Listings keep creation order, whatever ports the OS picked.
    assert!(listed.iter().zip(&infos).all(|(a, b)| a.port == b.port && a.name == b.name));

    // No idle pooling: 1,000 parked client sockets would only cost descriptors.
    let c = reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in infos.chunks(250) {
        let chunk = chunk.to_vec();
        let c = c.clone();
        tasks.spawn(async move {
            for info in chunk {
                let body: Value =
                    c.get(url(&info, "/mssp/v1/about")).send().await.unwrap().json().await.unwrap();
                assert_eq!(body["instance_id"], info.instance_id.to_string());
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    assert!(infos.iter().all(|i| sim.request_count(i.port) == 1));
    eprintln!("1000 instances: startup {startup:?}, all answered after {:?}", started.elapsed());
    sim.shutdown().await;
}

/// Stops the child if the test fails before it does.
struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(unix)]
#[tokio::test]
async fn binary_writes_manifest_serves_and_exits_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("m.json");
    let mut child = Child(
        std::process::Command::new(env!("CARGO_BIN_EXE_log360-sim"))
            .args(["--instances", "2", "--control", "127.0.0.1:0", "--manifest"])
            .arg(&manifest)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Bounded poll for the manifest (renamed into place only when complete).
    let deadline = Instant::now() + Duration::from_secs(20);
    while !manifest.exists() {
        assert!(Instant::now() < deadline, "manifest never appeared");
        assert!(child.0.try_wait().unwrap().is_none(), "simulator exited early");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let infos: Vec<InstanceInfo> =
        serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].name, "Customer 1");
    let c = client();
    for info in &infos {
        assert_eq!(
            c.get(url(info, "/mssp/v1/about")).send().await.unwrap().status(),
            StatusCode::OK
        );
    }

    let pid = i32::try_from(child.0.id()).unwrap();
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "simulator did not exit on SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "exit status {status:?}");
}

#[test]
fn binary_help_and_bad_arguments() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_log360-sim"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--config",
        "--instances",
        "--base-port",
        "--tls",
        "--tls-mode",
        "--latency-ms",
        "--control",
        "--manifest",
    ] {
        assert!(text.contains(flag), "help lacks {flag}");
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_log360-sim"))
        .arg("--frobnicate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_log360-sim"))
        .args(["--tls-mode", "selfsigned"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls-mode"));
}
