//! The control endpoint cannot be driven by a web page: POSTs need the JSON
//! content type, the Host must be the endpoint's own loopback address, and a
//! foreign Origin is refused; refused requests change nothing.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{client, error_of, url};
use log360_sim::{Fault, InstanceInfo, InstanceSpec, Sim};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn setup() -> (Sim, InstanceInfo, SocketAddr) {
    let sim = Sim::new();
    let info = sim.add_instance(InstanceSpec::new("Acme")).await.unwrap();
    let addr = sim.serve_control("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (sim, info, addr)
}

/// Sends `head` (request line and headers, CRLF-separated, without the blank
/// line) and `body` on a fresh connection, exactly as written: no client adds
/// or fixes a Host. Returns the status and the JSON body.
async fn raw(addr: SocketAddr, head: &str, body: &str) -> (u16, Value) {
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request =
            format!("{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        s.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).await.unwrap();
        answer
    };
    let answer = tokio::time::timeout(Duration::from_secs(10), exchange).await.expect("answered");
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a whole HTTP answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if body.is_empty() { Value::Null } else { serde_json::from_str(body).unwrap() };
    (status, body)
}

fn code(body: &Value) -> &str {
    assert!(body["error"]["message"].is_string(), "error shape: {body}");
    body["error"]["code"].as_str().unwrap()
}

#[tokio::test]
async fn a_post_without_the_json_content_type_is_refused_and_changes_nothing() {
    let (sim, info, addr) = setup().await;
    let c = client();
    let p = info.port;
    let base = format!("http://{addr}");
    let token_before = common::login(&c, &info).await;

    // What an HTML form or a "simple" fetch() can send without a preflight,
    // and no content type at all.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
    ] {
        let send = |path: &str, body: &str| {
            let mut req = c.post(format!("{base}{path}")).body(body.to_owned());
            if let Some(ct) = content_type {
                req = req.header("content-type", ct);
            }
            req.send()
        };
        for (path, body) in [
            (format!("/instances/{p}/fault"), r#"{"fault":"down"}"#),
            (format!("/instances/{p}/password"), r#"{"password":"Pwned-by-a-page1"}"#),
            (format!("/instances/{p}/hostile"), r#"{"markup":true}"#),
            (format!("/instances/{p}/expire-tokens"), ""),
            (format!("/instances/{p}/swap-identity"), ""),
            ("/instances".to_owned(), ""),
            ("/instances".to_owned(), r#"{"name":"Evil"}"#),
        ] {
            let (status, code, _) = error_of(send(&path, body).await.unwrap()).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
                "{content_type:?} {path}"
            );
        }
    }
    assert_eq!(sim.fault(p), Fault::None);
    assert_eq!(sim.instances().len(), 1);
    assert_eq!(sim.instances()[0].password, info.password);
    assert_eq!(sim.instances()[0].instance_id, info.instance_id);
    assert!(sim.hostile(p).is_off());
    let health = c.get(url(&info, "/mssp/v1/health")).bearer_auth(&token_before).send().await;
    assert_eq!(health.unwrap().status(), StatusCode::OK, "tokens were not expired");

    // The same requests with the header work, body or not.
    let json_post = |path: String, ct: &'static str, body: &'static str| {
        c.post(format!("{base}{path}")).header("content-type", ct).body(body).send()
    };
    let resp = json_post(format!("/instances/{p}/expire-tokens"), "application/json", "").await;
    assert_eq!(resp.unwrap().status(), StatusCode::OK);
    let health = c.get(url(&info, "/mssp/v1/health")).bearer_auth(&token_before).send().await;
    assert_eq!(health.unwrap().status(), StatusCode::UNAUTHORIZED);
    let resp = json_post("/instances".into(), "Application/JSON; charset=utf-8", "").await;
    assert_eq!(resp.unwrap().status(), StatusCode::CREATED);
    let resp = json_post(
        format!("/instances/{p}/fault"),
        "application/json;charset=UTF-8",
        r#"{"fault":"hang"}"#,
    )
    .await;
    assert_eq!(resp.unwrap().status(), StatusCode::OK);
    assert_eq!(sim.fault(p), Fault::Hang);
    assert_eq!(sim.instances().len(), 2);
    // Reading needs no content type.
    assert_eq!(c.get(format!("{base}/instances")).send().await.unwrap().status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_foreign_host_is_refused_and_changes_nothing() {
    let (sim, info, addr) = setup().await;
    let port = addr.port();
    let p = info.port;
    let fault = |host: &str| {
        format!(
            "POST /instances/{p}/fault HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
        )
    };
    let down = r#"{"fault":"down"}"#;
    // A DNS-rebinding page names its own host; other ports and loopback
    // addresses are not this endpoint either.
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "127.0.0.1".to_owned(),
        format!("127.0.0.2:{port}"),
        format!("0.0.0.0:{port}"),
        format!("localhost.:{port}"),
    ] {
        let (status, body) = raw(addr, &fault(&host), down).await;
        assert_eq!((status, code(&body)), (403, "forbidden_host"), "{host}");
        let (status, body) =
            raw(addr, &format!("GET /instances HTTP/1.1\r\nHost: {host}"), "").await;
        assert_eq!((status, code(&body)), (403, "forbidden_host"), "reading too: {host}");
    }
    // No Host at all (HTTP/1.0), and an absolute-form target naming another host.
    let (status, body) = raw(addr, "GET /instances HTTP/1.0", "").await;
    assert_eq!((status, code(&body)), (403, "forbidden_host"));
    let (status, body) = raw(
        addr,
        &format!("POST http://evil.example:{port}/instances/{p}/fault HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json"),
        down,
    )
    .await;
    assert_eq!((status, code(&body)), (403, "forbidden_host"));
    assert_eq!(sim.fault(p), Fault::None);

    // The endpoint's own names work.
    for host in [format!("127.0.0.1:{port}"), format!("LOCALHOST:{port}"), format!("[::1]:{port}")]
    {
        let (status, body) =
            raw(addr, &format!("GET /instances/{p} HTTP/1.1\r\nHost: {host}"), "").await;
        assert_eq!((status, &body["port"]), (200, &json!(p)), "{host}");
    }
    let (status, body) = raw(addr, &fault(&format!("localhost:{port}")), down).await;
    assert_eq!((status, &body["fault"]), (200, &json!("down")));
    assert_eq!(sim.fault(p), Fault::Down);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_foreign_origin_is_refused_and_changes_nothing() {
    let (sim, info, addr) = setup().await;
    let c = client();
    let port = addr.port();
    let p = info.port;
    let post = |origin: String| {
        c.post(format!("http://{addr}/instances/{p}/fault"))
            .header("origin", origin)
            .json(&json!({"fault": "down"}))
            .send()
    };
    for origin in [
        "https://evil.example".to_owned(),
        format!("http://evil.example:{port}"),
        "null".to_owned(),
        // Another server on this machine is another origin.
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
        "http://localhost".to_owned(),
        format!("https://127.0.0.1:{port}"),
        format!("file://127.0.0.1:{port}"),
    ] {
        let (status, code, _) = error_of(post(origin.clone()).await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::FORBIDDEN, "forbidden_origin"),
            "{origin}"
        );
    }
    let resp =
        c.get(format!("http://{addr}/instances")).header("origin", "http://evil.example").send();
    let (status, code, _) = error_of(resp.await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "forbidden_origin"));
    // A text/plain "simple request" from a page is refused for its origin first.
    let resp = c
        .post(format!("http://{addr}/instances/{p}/fault"))
        .header("origin", "http://evil.example")
        .header("content-type", "text/plain")
        .body(r#"{"fault":"down"}"#)
        .send();
    let (status, code, _) = error_of(resp.await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::FORBIDDEN, "forbidden_origin"));
    assert_eq!(sim.fault(p), Fault::None);

    // The endpoint's own origin works.
    for origin in [format!("http://127.0.0.1:{port}"), format!("http://localhost:{port}")] {
        assert_eq!(post(origin.clone()).await.unwrap().status(), StatusCode::OK, "{origin}");
    }
    assert_eq!(sim.fault(p), Fault::Down);
    sim.shutdown().await;
}
