//! Hostile answers: each mode's documented values, over real HTTP, in
//! well-formed JSON of the documented shapes and under the console's 1 MiB
//! body cap; and a hostile token lifetime that leaves the simulator's own
//! token handling intact.

mod common;

use std::time::{Duration, Instant};

use common::{client, error_of, login, one, url};
use log360_sim::{Hostile, InstanceInfo, InstanceSpec, Sim};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

/// What a hostile answer must stay under (the simulator's promise): well
/// inside the 1 MiB the console reads of a body.
const BODY_LIMIT: usize = 900_000;

/// Status, body size and parsed body of an authenticated GET; the body must be
/// valid JSON whatever the status.
async fn get(
    c: &Client,
    info: &InstanceInfo,
    path: &str,
    token: &str,
) -> (StatusCode, usize, Value) {
    let resp = c.get(url(info, path)).bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let bytes = resp.bytes().await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).expect("a hostile answer is still JSON");
    (status, bytes.len(), body)
}

fn chars(v: &Value) -> usize {
    v.as_str().expect("a string").chars().count()
}

fn hostile(f: impl FnOnce(&mut Hostile)) -> Hostile {
    let mut h = Hostile::default();
    f(&mut h);
    h
}

const COMPONENTS: [(&str, &str); 4] = [
    ("eventlog", "EventLog Analyzer"),
    ("adaudit", "ADAudit Plus"),
    ("cloudsecurity", "Cloud Security Plus"),
    ("ueba", "UEBA"),
];

/// Every string `long_strings`/`markup` changes in a default `data` answer, as
/// (what it normally is, what it is now).
fn data_strings(data: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (i, (id, name)) in COMPONENTS.iter().enumerate() {
        let c = &data["components"][i];
        assert_eq!(c["id"], *id, "ids are never hostile");
        out.push(((*name).to_owned(), c["name"].clone()));
        out.push(("running".to_owned(), c["status"].clone()));
    }
    let tech = &data["technicians"][0];
    assert_eq!(tech["id"], "local-admin");
    out.push(("admin".to_owned(), tech["name"].clone()));
    out.push(("admin@acme-corp.example".to_owned(), tech["email"].clone()));
    out.push(("Professional".to_owned(), data["license"]["edition"].clone()));
    out
}

#[tokio::test]
async fn huge_token_lifetime_is_only_said_and_the_token_keeps_working() {
    let (sim, info) = one("Acme Corp").await;
    sim.set_hostile(info.port, hostile(|h| h.huge_token_lifetime = true));
    assert!(sim.hostile(info.port).huge_token_lifetime);
    let c = client();
    let resp = c
        .post(url(&info, "/mssp/v1/session"))
        .json(&json!({"username": info.username, "password": info.password}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.contains("\"expires_in\":18446744073709551615"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["expires_in"].as_u64(), Some(u64::MAX));
    let token = body["token"].as_str().unwrap().to_owned();

    // The token works for later requests, and the instance still knows its
    // real lifetime.
    for path in ["/mssp/v1/health", "/mssp/v1/data", "/mssp/v1/health"] {
        assert_eq!(get(&c, &info, path, &token).await.0, StatusCode::OK, "{path}");
    }
    assert_eq!(sim.instance_state(info.port).unwrap()["token_ttl_s"], 3600);
    sim.expire_tokens(info.port);
    let (status, _, body) = get(&c, &info, "/mssp/v1/health", &token).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::UNAUTHORIZED, &json!("token_expired"))
    );

    // A short real lifetime still ends, whatever `expires_in` claims.
    sim.set_token_ttl(info.port, Duration::from_secs(1));
    let token = login(&c, &info).await;
    assert_eq!(get(&c, &info, "/mssp/v1/health", &token).await.0, StatusCode::OK);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, _, body) = get(&c, &info, "/mssp/v1/health", &token).await;
        if status == StatusCode::UNAUTHORIZED {
            assert_eq!(body["error"]["code"], "token_expired");
            break;
        }
        assert!(Instant::now() < deadline, "the token never expired");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn an_absurd_token_ttl_does_not_break_logins() {
    let (sim, info) = one("Acme").await;
    // u64::MAX seconds used to overflow the expiry instant and drop the connection.
    sim.set_token_ttl(info.port, Duration::from_secs(u64::MAX));
    let c = client();
    let token = login(&c, &info).await;
    assert_eq!(get(&c, &info, "/mssp/v1/data", &token).await.0, StatusCode::OK);
    sim.set_hostile(info.port, hostile(|h| h.huge_token_lifetime = true));
    let token = login(&c, &info).await;
    assert_eq!(get(&c, &info, "/mssp/v1/data", &token).await.0, StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn long_strings_in_health_data_and_error_messages() {
    let (sim, info) = one("Acme Corp").await;
    let c = client();
    let token = login(&c, &info).await;
    sim.set_hostile(info.port, hostile(|h| h.long_strings = true));

    let (status, size, health) = get(&c, &info, "/mssp/v1/health", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(size < BODY_LIMIT, "{size}");
    assert!(size > 8 * Hostile::LONG_STRING_CHARS, "{size}");
    assert_eq!(health["status"], "up", "the overall status keeps its meaning");
    assert!(health["uptime_s"].is_u64());
    for (i, (id, name)) in COMPONENTS.iter().enumerate() {
        let comp = &health["components"][i];
        assert_eq!(comp["id"], *id);
        assert_eq!(comp["version"], "7.1.0");
        assert_eq!(chars(&comp["name"]), Hostile::LONG_STRING_CHARS, "{id}");
        assert!(comp["name"].as_str().unwrap().starts_with(&format!("{name} {name}")));
        assert_eq!(chars(&comp["status"]), Hostile::LONG_STRING_CHARS, "{id}");
        assert!(comp["status"].as_str().unwrap().starts_with("running running"));
    }

    let (status, size, data) = get(&c, &info, "/mssp/v1/data", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(size < BODY_LIMIT, "{size}");
    // Eleven strings share the budget: each is most of its share.
    let share = Hostile::TEXT_BUDGET_BYTES / 11 - 2;
    for (normal, now) in data_strings(&data) {
        let n = chars(&now);
        assert!((share - 8..=share).contains(&n), "{normal}: {n} characters");
        assert!(now.as_str().unwrap().starts_with(&format!("{normal} {normal}")), "{normal}");
    }
    assert_eq!(data["license"]["usage"]["workstations"], 40, "counts are another mode");
    assert_eq!(data["components"][0]["integration"]["enabled"], true);
    assert_eq!(data["reverse_proxy"]["mode"], "context");

    // Error messages: a failing path, an unknown route, bad credentials, and a
    // lockout that keeps its Retry-After.
    sim.set_failing_path(info.port, Some("/mssp/v1/health"));
    let (status, size, body) = get(&c, &info, "/mssp/v1/health", &token).await;
    assert_eq!(
        (status, &body["error"]["code"]),
        (StatusCode::INTERNAL_SERVER_ERROR, &json!("internal_error"))
    );
    assert!(size < BODY_LIMIT);
    let message = &body["error"]["message"];
    assert_eq!(chars(message), Hostile::LONG_STRING_CHARS);
    assert!(message.as_str().unwrap().starts_with("Simulated internal server error. Simulated"));
    sim.set_failing_path(info.port, None);
    let (status, _, body) = get(&c, &info, "/mssp/v1/nope", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(chars(&body["error"]["message"]), Hostile::LONG_STRING_CHARS);
    for attempt in 1..=6 {
        let resp = c
            .post(url(&info, "/mssp/v1/session"))
            .json(&json!({"username": "admin", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        let retry_after = resp.headers().get("retry-after").cloned();
        let (status, code, err) = error_of(resp).await;
        assert_eq!(chars(&err["message"]), Hostile::LONG_STRING_CHARS, "attempt {attempt}");
        if attempt == 6 {
            assert_eq!((status, code.as_str()), (StatusCode::TOO_MANY_REQUESTS, "locked_out"));
            assert!(retry_after.is_some(), "Retry-After survives the hostile message");
        } else {
            assert_eq!(code, "bad_credentials");
        }
    }
    // The state the answers come from is untouched.
    let state = sim.instance_state(info.port).unwrap();
    assert_eq!(state["components"][0]["status"], "running");
    assert_eq!(sim.technicians(info.port)[0]["name"], "admin");
    sim.shutdown().await;
}

#[tokio::test]
async fn markup_strings_carry_markup_controls_and_bidi() {
    let (sim, info) = one("Acme Corp").await;
    let c = client();
    let token = login(&c, &info).await;
    sim.set_hostile(info.port, hostile(|h| h.markup = true));
    for needle in [
        "<img src=x onerror=alert(1)>",
        "&amp;",
        "\u{202E}",
        "\u{200B}",
        "\u{7}",
        "\n",
        "\r",
        "\t",
        "\u{1b}[31m",
    ] {
        assert!(Hostile::MARKUP.contains(needle), "{needle:?}");
    }
    let marked = |normal: &str| json!(format!("{normal}{}", Hostile::MARKUP));

    let resp = c.get(url(&info, "/mssp/v1/health")).bearer_auth(&token).send().await.unwrap();
    let text = resp.text().await.unwrap();
    // Controls are JSON escapes on the wire; the bidi override is raw UTF-8.
    for escaped in ["\\u0007", "\\u001b[31m", "\\n\\r\\t", "\u{202E}\u{200B}"] {
        assert!(text.contains(escaped), "{escaped:?} missing");
    }
    let health: Value = serde_json::from_str(&text).unwrap();
    for (i, (_, name)) in COMPONENTS.iter().enumerate() {
        assert_eq!(health["components"][i]["name"], marked(name));
        assert_eq!(health["components"][i]["status"], marked("running"));
    }

    let (status, _, data) = get(&c, &info, "/mssp/v1/data", &token).await;
    assert_eq!(status, StatusCode::OK);
    for (normal, now) in data_strings(&data) {
        assert_eq!(now, marked(&normal));
    }

    let (status, _, body) = get(&c, &info, "/mssp/v1/nope", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(body["error"]["message"], marked("No such route."));
    sim.shutdown().await;
}

#[tokio::test]
async fn long_markup_strings_stay_under_the_cap_even_with_many_technicians() {
    let (sim, info) = one("Acme Corp").await;
    let c = client();
    let token = login(&c, &info).await;
    let technicians: Vec<Value> = (0..40)
        .map(|i| json!({"id": format!("t{i}"), "name": format!("Tech {i}"), "email": format!("t{i}@mssp.example"), "role": "operator"}))
        .collect();
    let resp = c
        .put(url(&info, "/mssp/v1/technicians"))
        .bearer_auth(&token)
        .json(&json!({ "technicians": technicians }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    sim.set_hostile(
        info.port,
        hostile(|h| {
            h.long_strings = true;
            h.markup = true;
        }),
    );
    let prefix = |normal: &str| format!("{normal}{}", Hostile::MARKUP);

    let (status, size, health) = get(&c, &info, "/mssp/v1/health", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(size < BODY_LIMIT, "{size}");
    let name = health["components"][0]["name"].as_str().unwrap();
    assert!(name.starts_with(&format!(
        "{} {}",
        prefix("EventLog Analyzer"),
        prefix("EventLog Analyzer")
    )));
    // Escapes take more bytes than characters, so the byte budget binds.
    assert!(name.chars().count() > 50_000 && name.chars().count() < Hostile::LONG_STRING_CHARS);

    let (status, size, data) = get(&c, &info, "/mssp/v1/data", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(size < BODY_LIMIT, "{size}");
    let techs = data["technicians"].as_array().unwrap();
    assert_eq!(techs.len(), 41);
    assert!(techs[40]["name"].as_str().unwrap().starts_with(&prefix("Tech 39")));
    assert!(techs[40]["email"].as_str().unwrap().starts_with(&prefix("t39@mssp.example")));
    assert_eq!(techs[40]["role"], "operator");
    sim.shutdown().await;
}

#[tokio::test]
async fn negative_and_huge_counts() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;

    sim.set_hostile(info.port, hostile(|h| h.negative_counts = true));
    let (_, _, data) = get(&c, &info, "/mssp/v1/data", &token).await;
    let usage = data["license"]["usage"].as_object().unwrap();
    assert_eq!(usage.len(), 4);
    assert!(usage.values().all(|v| v.as_i64() == Some(Hostile::NEGATIVE_COUNT)), "{usage:?}");
    assert_eq!(data["license"]["allocated"], json!({}));
    // Allocation is still judged against the real usage (12 Windows devices).
    for (count, expected) in [(11, StatusCode::UNPROCESSABLE_ENTITY), (12, StatusCode::OK)] {
        let resp = c
            .put(url(&info, "/mssp/v1/license/allocation"))
            .bearer_auth(&token)
            .json(&json!({"allocation": {"windows_devices": count}}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected, "{count}");
    }
    assert_eq!(sim.usage(info.port)["windows_devices"], 12);

    sim.set_hostile(info.port, hostile(|h| h.huge_counts = true));
    let resp = c.get(url(&info, "/mssp/v1/data")).bearer_auth(&token).send().await.unwrap();
    let text = resp.text().await.unwrap();
    assert!(text.contains("\"workstations\":1152921504606846977"), "exact on the wire");
    let data: Value = serde_json::from_str(&text).unwrap();
    let usage = data["license"]["usage"].as_object().unwrap();
    assert!(usage.values().all(|v| v.as_u64() == Some((1 << 60) + 1)), "{usage:?}");
    assert_eq!(data["license"]["allocated"]["windows_devices"], 12);
    let (_, _, health) = get(&c, &info, "/mssp/v1/health", &token).await;
    assert_eq!(health["uptime_s"].as_u64(), Some(u64::MAX));

    sim.set_hostile(
        info.port,
        hostile(|h| {
            h.negative_counts = true;
            h.huge_counts = true;
        }),
    );
    let (_, _, data) = get(&c, &info, "/mssp/v1/data", &token).await;
    let huge = Hostile::HUGE_COUNT;
    assert_eq!(
        data["license"]["usage"],
        json!({"applications": -5, "syslog_devices": huge, "windows_devices": -5, "workstations": huge})
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn control_endpoint_sets_and_shows_hostile_modes() {
    let sim = Sim::new();
    let info = sim.add_instance(InstanceSpec::new("Acme Corp")).await.unwrap();
    let addr = sim.serve_control("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let c = client();
    let p = info.port;
    let post =
        |body: Value| c.post(format!("http://{addr}/instances/{p}/hostile")).json(&body).send();
    let off = json!({"huge_token_lifetime": false, "long_strings": false, "markup": false, "negative_counts": false, "huge_counts": false, "foreign_console_url": false});
    assert_eq!(sim.instance_state(p).unwrap()["hostile"], off);

    let resp = post(json!({"markup": true, "huge_counts": true})).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let state: Value = resp.json().await.unwrap();
    let mut on = off.clone();
    on["markup"] = json!(true);
    on["huge_counts"] = json!(true);
    assert_eq!(state["hostile"], on, "missing members are off");
    assert_eq!(
        sim.hostile(p),
        hostile(|h| {
            h.markup = true;
            h.huge_counts = true;
        })
    );
    let shown: Value =
        c.get(format!("http://{addr}/instances/{p}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["hostile"], on);
    let token = login(&c, &info).await;
    let (_, _, health) = get(&c, &info, "/mssp/v1/health", &token).await;
    assert_eq!(health["uptime_s"].as_u64(), Some(u64::MAX));

    // A misspelt mode is refused rather than silently ignored.
    for bad in [json!({"long_string": true}), json!({"markup": "yes"}), json!("markup")] {
        let (status, code, _) = error_of(post(bad.clone()).await.unwrap()).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"), "{bad}");
    }
    assert_eq!(
        sim.hostile(p),
        hostile(|h| {
            h.markup = true;
            h.huge_counts = true;
        })
    );

    // All off: normal answers again.
    assert_eq!(post(json!({})).await.unwrap().status(), StatusCode::OK);
    assert!(sim.hostile(p).is_off());
    let (_, _, health) = get(&c, &info, "/mssp/v1/health", &token).await;
    assert_eq!(health["components"][0]["name"], "EventLog Analyzer");
    assert!(health["uptime_s"].as_u64().unwrap() < 3600);
    sim.shutdown().await;
}
