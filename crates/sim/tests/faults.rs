//! Fault modes and transport: down (refused, then back on the same port),
//! hang (client times out), error500, latency, and HTTPS with the generated CA.

mod common;

use std::time::{Duration, Instant};

use common::{client, error_of, login, one, url};
use log360_sim::{Fault, InstanceSpec, Sim};
use reqwest::StatusCode;
use serde_json::Value;

async fn about_status(
    c: &reqwest::Client,
    info: &log360_sim::InstanceInfo,
) -> reqwest::Result<StatusCode> {
    c.get(url(info, "/mssp/v1/about")).send().await.map(|r| r.status())
}

#[tokio::test]
async fn down_refuses_connections_and_comes_back_on_the_same_port() {
    let (sim, info) = one("Acme").await;
    // One client throughout: its pooled keep-alive connection must not outlive `down`.
    let c = client();
    assert_eq!(about_status(&c, &info).await.unwrap(), StatusCode::OK);

    sim.set_fault(info.port, Fault::Down).await.unwrap();
    let err = about_status(&c, &info).await.expect_err("down must fail");
    assert!(err.is_connect(), "expected a connect error, got {err:?}");
    // A raw connect proves the port is really closed (ECONNREFUSED).
    let raw = tokio::net::TcpStream::connect(("127.0.0.1", info.port)).await;
    assert_eq!(raw.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    let before = sim.request_count(info.port);

    sim.set_fault(info.port, Fault::None).await.unwrap();
    assert_eq!(about_status(&c, &info).await.unwrap(), StatusCode::OK);
    assert_eq!(sim.instances()[0].port, info.port);
    assert_eq!(sim.request_count(info.port), before + 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn instance_created_down_reserves_its_port() {
    let sim = Sim::new();
    let mut spec = InstanceSpec::new("Later");
    spec.fault = Fault::Down;
    let info = sim.add_instance(spec).await.unwrap();
    assert_ne!(info.port, 0);
    let raw = tokio::net::TcpStream::connect(("127.0.0.1", info.port)).await;
    assert_eq!(raw.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    // Automatic picks never land on a reserved port.
    let others = sim.add_instances(20, InstanceSpec::new("Other")).await.unwrap();
    assert!(others.iter().all(|o| o.port != info.port));

    sim.set_fault(info.port, Fault::None).await.unwrap();
    assert_eq!(about_status(&client(), &info).await.unwrap(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn hang_accepts_but_never_answers_until_lifted() {
    let (sim, info) = one("Acme").await;
    let c = client();
    // Establish a pooled connection first, so both a fresh and a kept-alive
    // connection are exercised below.
    assert_eq!(about_status(&c, &info).await.unwrap(), StatusCode::OK);
    sim.set_fault(info.port, Fault::Hang).await.unwrap();

    for _ in 0..2 {
        let started = Instant::now();
        let err = c
            .get(url(&info, "/mssp/v1/about"))
            .timeout(Duration::from_millis(300))
            .send()
            .await
            .expect_err("hang must time out");
        assert!(err.is_timeout(), "expected a timeout, got {err:?}");
        assert!(started.elapsed() >= Duration::from_millis(300));
    }
    // The TCP connect itself succeeds: the socket is accepted and held.
    let raw = tokio::net::TcpStream::connect(("127.0.0.1", info.port)).await;
    assert!(raw.is_ok());

    sim.set_fault(info.port, Fault::None).await.unwrap();
    assert_eq!(about_status(&client(), &info).await.unwrap(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn error500_answers_internal_error_on_protocol_routes() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    sim.set_fault(info.port, Fault::Error500).await.unwrap();
    for path in ["/mssp/v1/about", "/mssp/v1/health", "/mssp/v1/data"] {
        let resp = c.get(url(&info, path)).bearer_auth(&token).send().await.unwrap();
        let (status, code, _) = error_of(resp).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
            "{path}"
        );
    }
    sim.set_fault(info.port, Fault::None).await.unwrap();
    assert_eq!(about_status(&c, &info).await.unwrap(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn latency_delays_every_answer() {
    let sim = Sim::new();
    let mut spec = InstanceSpec::new("Slow");
    spec.latency_ms = 200;
    let info = sim.add_instance(spec).await.unwrap();
    let c = client();
    let started = Instant::now();
    assert_eq!(about_status(&c, &info).await.unwrap(), StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(200), "{:?}", started.elapsed());

    // Errors are delayed too.
    let started = Instant::now();
    let resp = c.get(url(&info, "/nope")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(started.elapsed() >= Duration::from_millis(200));

    sim.set_latency(info.port, Duration::from_millis(400));
    let started = Instant::now();
    let err = c
        .get(url(&info, "/mssp/v1/about"))
        .timeout(Duration::from_millis(250))
        .send()
        .await
        .expect_err("400 ms latency must exceed a 250 ms timeout");
    assert!(err.is_timeout());
    assert!(started.elapsed() < Duration::from_millis(400));
    sim.shutdown().await;
}

#[tokio::test]
async fn https_instances_serve_a_chain_the_ca_vouches_for() {
    let sim = Sim::new();
    let mut spec = InstanceSpec::new("Secure");
    spec.tls = true;
    let info = sim.add_instance(spec).await.unwrap();
    assert!(info.tls);
    assert_eq!(info.url, format!("https://127.0.0.1:{}", info.port));
    let pem = sim.ca_pem().expect("CA after an HTTPS instance exists");
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let trusting = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .tls_certs_only([reqwest::Certificate::from_pem(pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let body: Value =
        trusting.get(url(&info, "/mssp/v1/about")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["product"], "Log360");
    // The certificate also names localhost.
    let by_name = format!("https://localhost:{}/mssp/v1/about", info.port);
    assert_eq!(trusting.get(by_name).send().await.unwrap().status(), StatusCode::OK);
    login(&trusting, &info).await;

    // A client that does not trust the CA refuses the server.
    let untrusting = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .tls_certs_only([])
        .build()
        .unwrap();
    assert!(untrusting.get(url(&info, "/mssp/v1/about")).send().await.is_err());
    // Plain HTTP to the HTTPS port gets no HTTP answer.
    let plain = client()
        .get(format!("http://127.0.0.1:{}/mssp/v1/about", info.port))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err() || plain.unwrap().status() != StatusCode::OK);

    // Down/up works for HTTPS too.
    sim.set_fault(info.port, Fault::Down).await.unwrap();
    assert!(trusting.get(url(&info, "/mssp/v1/about")).send().await.unwrap_err().is_connect());
    sim.set_fault(info.port, Fault::None).await.unwrap();
    assert_eq!(
        trusting.get(url(&info, "/mssp/v1/about")).send().await.unwrap().status(),
        StatusCode::OK
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_every_listener() {
    let sim = Sim::new();
    let infos = sim.add_instances(3, InstanceSpec::new("S")).await.unwrap();
    sim.shutdown().await;
    for info in &infos {
        let raw = tokio::net::TcpStream::connect(("127.0.0.1", info.port)).await;
        assert_eq!(raw.unwrap_err().kind(), std::io::ErrorKind::ConnectionRefused);
    }
    assert!(sim.set_fault(infos[0].port, Fault::None).await.is_err());
    assert!(sim.add_instance(InstanceSpec::new("late")).await.is_err());
}
