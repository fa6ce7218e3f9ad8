//! Identity over real HTTP: the link key given at link time, the proof in
//! `about?challenge=`, validation of both, the identity faults (another
//! instance at the same address, an impostor) and per-route request counts,
//! through the Rust API and the control endpoint.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{client, error_of, login, one, url};
use hmac::{Hmac, KeyInit, Mac};
use log360_sim::{Fault, InstanceInfo, Sim};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;
use uuid::Uuid;

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The check every client makes, written from the protocol text rather than
/// with the simulator's code: HMAC-SHA256(link_key, nonce ‖ instance_id).
fn proof_is_valid(key: &[u8; 32], nonce: &[u8], instance_id: &str, proof: &str) -> bool {
    let Ok(proof) = URL_SAFE_NO_PAD.decode(proof) else { return false };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(nonce);
    mac.update(instance_id.as_bytes());
    mac.verify_slice(&proof).is_ok()
}

async fn link(
    c: &Client,
    info: &InstanceInfo,
    token: &str,
    mssp_id: Uuid,
    link_key: Option<Value>,
) -> reqwest::Response {
    let mut body = json!({"mssp_id": mssp_id, "mssp_name": "My MSSP", "build": 7100});
    if let Some(key) = link_key {
        body["link_key"] = key;
    }
    c.post(url(info, "/mssp/v1/link")).bearer_auth(token).json(&body).send().await.unwrap()
}

async fn about(c: &Client, info: &InstanceInfo, query: &str) -> reqwest::Response {
    c.get(url(info, &format!("/mssp/v1/about{query}"))).send().await.unwrap()
}

/// `about?challenge=` with a fresh nonce: (nonce, instance_id, proof member).
async fn challenge(c: &Client, info: &InstanceInfo) -> (Vec<u8>, String, Value) {
    let nonce: [u8; 24] = rand::random();
    let resp = about(c, info, &format!("?challenge={}", b64(&nonce))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    let proof = body.get("proof").expect("a challenge always gets a proof member").clone();
    (nonce.to_vec(), body["instance_id"].as_str().unwrap().to_owned(), proof)
}

#[tokio::test]
async fn link_key_gives_a_proof_the_client_can_verify() {
    let (sim, info) = one("Acme").await;
    let c = client();
    // Before any link: the instance holds no key, so the proof is null.
    let (_, _, proof) = challenge(&c, &info).await;
    assert_eq!(proof, Value::Null);

    let token = login(&c, &info).await;
    let key: [u8; 32] = rand::random();
    let resp = link(&c, &info, &token, Uuid::new_v4(), Some(json!(b64(&key)))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(sim.link_key(info.port), Some(key));

    let (nonce, id, proof) = challenge(&c, &info).await;
    assert_eq!(id, info.instance_id.to_string());
    let proof = proof.as_str().expect("proof is a string once a key is held");
    assert!(proof_is_valid(&key, &nonce, &id, proof), "proof {proof} does not verify");
    // The proof is bound to the nonce and to the key.
    assert!(!proof_is_valid(&key, &[0; 24], &id, proof));
    assert!(!proof_is_valid(&[0; 32], &nonce, &id, proof));
    let (nonce2, _, proof2) = challenge(&c, &info).await;
    assert_ne!(proof2.as_str().unwrap(), proof);
    assert!(proof_is_valid(&key, &nonce2, &id, proof2.as_str().unwrap()));

    // Without a challenge the answer is unchanged: no proof member at all.
    let body: Value = about(&c, &info, "").await.json().await.unwrap();
    assert!(body.get("proof").is_none(), "{body}");
    // Unknown parameters are ignored; a percent-encoded nonce decodes as usual.
    let (nonce, enc) = ([0xfbu8; 16], "%2D%5F");
    let text = b64(&nonce).replacen("-_", enc, 1);
    assert_ne!(text, b64(&nonce), "the nonce must contain \"-_\" for this check");
    let body: Value =
        about(&c, &info, &format!("?x=1&challenge={text}")).await.json().await.unwrap();
    assert!(proof_is_valid(&key, &nonce, &id, body["proof"].as_str().unwrap()));
    sim.shutdown().await;
}

#[tokio::test]
async fn relinking_replaces_the_key_and_a_legacy_relink_clears_it() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let mssp = Uuid::new_v4();
    let (first, second): ([u8; 32], [u8; 32]) = (rand::random(), rand::random());
    assert_eq!(link(&c, &info, &token, mssp, Some(json!(b64(&first)))).await.status(), 200);
    assert_eq!(link(&c, &info, &token, mssp, Some(json!(b64(&second)))).await.status(), 200);
    assert_eq!(sim.link_key(info.port), Some(second));
    let (nonce, id, proof) = challenge(&c, &info).await;
    assert!(proof_is_valid(&second, &nonce, &id, proof.as_str().unwrap()));
    assert!(!proof_is_valid(&first, &nonce, &id, proof.as_str().unwrap()));

    // Another MSSP cannot replace the key: 409 and nothing stored.
    let other: [u8; 32] = rand::random();
    let resp = link(&c, &info, &token, Uuid::new_v4(), Some(json!(b64(&other)))).await;
    assert_eq!(error_of(resp).await.1, "linked_to_other_mssp");
    assert_eq!(sim.link_key(info.port), Some(second));

    // A legacy client (no link_key, or null) re-links: the instance has no key.
    assert_eq!(link(&c, &info, &token, mssp, None).await.status(), 200);
    assert_eq!(sim.link_key(info.port), None);
    assert_eq!(challenge(&c, &info).await.2, Value::Null);
    assert_eq!(link(&c, &info, &token, mssp, Some(json!(b64(&first)))).await.status(), 200);
    assert_eq!(link(&c, &info, &token, mssp, Some(Value::Null)).await.status(), 200);
    assert_eq!(sim.link_key(info.port), None);
    assert_eq!(sim.linked_mssp(info.port), Some(mssp));
    sim.shutdown().await;
}

#[tokio::test]
async fn the_key_outlives_an_unlink_so_the_instance_can_still_prove_itself() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let mssp = Uuid::new_v4();
    let key: [u8; 32] = rand::random();
    assert_eq!(link(&c, &info, &token, mssp, Some(json!(b64(&key)))).await.status(), 200);
    let resp = c
        .delete(url(&info, "/mssp/v1/link"))
        .bearer_auth(&token)
        .header("X-MSSP-Id", mssp.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(sim.linked_mssp(info.port), None);
    assert_eq!(sim.link_key(info.port), Some(key), "unlinked, still the same instance");
    assert_ne!(challenge(&c, &info).await.2, Value::Null);

    // Forcing the link holder (a test knob) leaves the key as it was.
    sim.set_linked_mssp(info.port, Some(Uuid::new_v4()));
    assert_eq!(sim.link_key(info.port), Some(key));
    // Only a reinstall loses it.
    sim.swap_identity(info.port);
    assert_eq!(sim.link_key(info.port), None);
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_link_keys_and_challenges_are_bad_requests() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let key = [0xfbu8; 32];
    let good = b64(&key);
    for bad in [
        json!(b64(&key[..31])),
        json!(b64(&[0xfb; 33])),
        json!(format!("{good}=")),
        json!(good.replace('-', "+").replace('_', "/")),
        json!(URL_SAFE_NO_PAD.encode(hex(&key))),
        json!(""),
        json!(42),
        json!([1, 2, 3]),
    ] {
        let resp = link(&c, &info, &token, Uuid::new_v4(), Some(bad.clone())).await;
        let (status, code, _) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"), "{bad}");
        assert_eq!(sim.linked_mssp(info.port), None, "a rejected link stores nothing ({bad})");
    }
    // The token is checked before the body, as on every authenticated route.
    let resp = link(&c, &info, "not-a-token", Uuid::new_v4(), Some(json!("x"))).await;
    assert_eq!(error_of(resp).await.1, "unauthorized");

    let nonce16 = b64(&[0xfb; 16]);
    for bad in [
        format!("?challenge={}", b64(&[1; 15])),
        format!("?challenge={}", b64(&[1; 65])),
        format!("?challenge={nonce16}%3D%3D"),
        format!("?challenge={}", nonce16.replace('-', "%2B")),
        "?challenge=".to_owned(),
        "?challenge=%%%".to_owned(),
        format!("?challenge={nonce16}&challenge={nonce16}"),
    ] {
        let (status, code, _) = error_of(about(&c, &info, &bad).await).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"), "{bad}");
    }
    for edge in [b64(&[1; 16]), b64(&[1; 64])] {
        assert_eq!(about(&c, &info, &format!("?challenge={edge}")).await.status(), 200);
    }
    sim.shutdown().await;
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn swapped_identity_has_a_new_id_no_key_and_no_sessions() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let key: [u8; 32] = rand::random();
    let mssp = Uuid::new_v4();
    assert_eq!(link(&c, &info, &token, mssp, Some(json!(b64(&key)))).await.status(), 200);

    let new_id = sim.swap_identity(info.port).expect("known port");
    assert_ne!(new_id, info.instance_id);
    let (_, id, proof) = challenge(&c, &info).await;
    assert_eq!(id, new_id.to_string());
    assert_eq!(proof, Value::Null, "the other instance never got a key");
    assert_eq!(sim.link_key(info.port), None);
    assert_eq!(sim.linked_mssp(info.port), None);
    assert_eq!(sim.instances()[0].instance_id, new_id);
    // It never issued the old session; the same address, port and credentials.
    let resp = c.get(url(&info, "/mssp/v1/health")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(error_of(resp).await.1, "unauthorized");
    let now = sim.instances()[0].clone();
    assert_eq!(
        (now.port, now.url.as_str(), now.password.as_str()),
        (info.port, info.url.as_str(), info.password.as_str())
    );
    login(&c, &now).await;
    assert_eq!(sim.swap_identity(1), None, "unknown port");
    sim.shutdown().await;
}

#[tokio::test]
async fn an_impostor_gives_a_wrong_proof_but_accepts_logins() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let key: [u8; 32] = rand::random();
    assert_eq!(link(&c, &info, &token, Uuid::new_v4(), Some(json!(b64(&key)))).await.status(), 200);

    sim.set_impostor(info.port, true);
    let (nonce, id, proof) = challenge(&c, &info).await;
    assert_eq!(id, info.instance_id.to_string(), "an impostor claims the integrated id");
    let proof = proof.as_str().expect("an impostor still answers a proof");
    assert_eq!(URL_SAFE_NO_PAD.decode(proof).unwrap().len(), 32, "well-formed, just wrong");
    assert!(!proof_is_valid(&key, &nonce, &id, proof));
    login(&c, &info).await;
    assert_eq!(sim.link_key(info.port), Some(key), "the real key is kept for later");

    sim.set_impostor(info.port, false);
    let (nonce, id, proof) = challenge(&c, &info).await;
    assert!(proof_is_valid(&key, &nonce, &id, proof.as_str().unwrap()));
    sim.shutdown().await;
}

#[tokio::test]
async fn requests_are_counted_per_route_including_errors() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let session = |password: &'static str| {
        c.post(url(&info, "/mssp/v1/session"))
            .json(&json!({"username": "admin", "password": password}))
            .send()
    };
    assert_eq!(sim.request_count_for(info.port, "POST", "/mssp/v1/session"), 0);
    assert_eq!(session("Admin@12345").await.unwrap().status(), 200);
    assert_eq!(session("wrong").await.unwrap().status(), 401);
    c.post(url(&info, "/mssp/v1/session")).body("{not json").send().await.unwrap();
    about(&c, &info, &format!("?challenge={}", b64(&[1; 16]))).await;
    about(&c, &info, "?challenge=short").await;
    c.get(url(&info, "/mssp/v1/session")).send().await.unwrap();
    c.get(url(&info, "/mssp/v1/nope")).send().await.unwrap();
    sim.set_fault(info.port, Fault::Error500).await.unwrap();
    assert_eq!(session("Admin@12345").await.unwrap().status(), 500);
    sim.set_fault(info.port, Fault::None).await.unwrap();

    let count = |m: &str, p: &str| sim.request_count_for(info.port, m, p);
    assert_eq!(count("POST", "/mssp/v1/session"), 4);
    assert_eq!(count("GET", "/mssp/v1/about"), 2, "query strings are not part of the key");
    assert_eq!(count("GET", "/mssp/v1/session"), 1);
    assert_eq!(count("GET", "/mssp/v1/nope"), 1);
    assert_eq!(count("DELETE", "/mssp/v1/link"), 0);
    assert_eq!(count("post", "/mssp/v1/session"), 0, "methods are matched as sent (uppercase)");
    assert_eq!(sim.request_count(info.port), 8);
    assert_eq!(sim.request_count_for(1, "POST", "/mssp/v1/session"), 0, "unknown port");

    // swap_identity does not reset counts: a test takes a count before it.
    let before = count("POST", "/mssp/v1/session");
    sim.swap_identity(info.port);
    about(&c, &info, "").await;
    assert_eq!(count("POST", "/mssp/v1/session"), before);
    sim.shutdown().await;
}

#[tokio::test]
async fn control_endpoint_swaps_identity_toggles_impostor_and_shows_counts() {
    let sim = Sim::new();
    let info = sim.add_instance(log360_sim::InstanceSpec::new("Acme")).await.unwrap();
    let addr = sim.serve_control("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let base = format!("http://{addr}");
    let c = client();
    let token = login(&c, &info).await;
    let key: [u8; 32] = rand::random();
    assert_eq!(link(&c, &info, &token, Uuid::new_v4(), Some(json!(b64(&key)))).await.status(), 200);
    let p = info.port;
    let post = |path: String, body: Value| c.post(format!("{base}{path}")).json(&body).send();

    let state: Value =
        c.get(format!("{base}/instances/{p}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["link_key"], b64(&key));
    assert_eq!(state["impostor"], false);
    assert_eq!(state["requests"]["POST /mssp/v1/session"], 1);
    assert_eq!(state["requests"]["POST /mssp/v1/link"], 1);

    let resp = post(format!("/instances/{p}/impostor"), json!({"impostor": true})).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let state: Value = resp.json().await.unwrap();
    assert_eq!(state["impostor"], true);
    let (nonce, id, proof) = challenge(&c, &info).await;
    assert!(!proof_is_valid(&key, &nonce, &id, proof.as_str().unwrap()));
    let (status, code, _) = error_of(
        post(format!("/instances/{p}/impostor"), json!({"impostor": "yes"})).await.unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));

    let resp = post(format!("/instances/{p}/swap-identity"), json!({})).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let state: Value = resp.json().await.unwrap();
    assert_ne!(state["instance_id"], info.instance_id.to_string());
    assert_eq!(state["instance_id"], challenge(&c, &info).await.1);
    assert_eq!(state["link_key"], Value::Null);
    assert_eq!(state["linked_mssp"], Value::Null);
    assert_eq!(state["impostor"], false, "the instance now there is a genuine one");
    sim.shutdown().await;
}
