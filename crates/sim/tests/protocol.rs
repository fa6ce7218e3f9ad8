//! Protocol v1 behaviour over real HTTP on loopback: about, sessions and
//! lockout, token checks, link/unlink, health, data, technicians, allocation,
//! error shape for unknown routes and malformed bodies.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{client, error_of, login, one, url};
use log360_sim::{InstanceSpec, Sim};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn about_reports_product_version_build_and_id() {
    let sim = Sim::new();
    let a = sim.add_instance(InstanceSpec::new("A")).await.unwrap();
    let mut spec = InstanceSpec::new("B");
    spec.build = 7200;
    let b = sim.add_instance(spec).await.unwrap();
    let c = client();

    let body: Value = c.get(url(&a, "/mssp/v1/about")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["product"], "Log360");
    assert_eq!(body["version"], "7.1.0");
    assert_eq!(body["build"], 7100);
    assert_eq!(body["instance_id"], a.instance_id.to_string());

    let body: Value = c.get(url(&b, "/mssp/v1/about")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["version"], "7.2.0");
    assert_eq!(body["build"], 7200);
    assert_ne!(a.instance_id, b.instance_id);

    sim.set_build(a.port, 7300);
    let body: Value = c.get(url(&a, "/mssp/v1/about")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["version"], "7.3.0");
    assert_eq!(sim.instances()[0].build, 7300);
    sim.shutdown().await;
}

#[tokio::test]
async fn login_ok_bad_and_malformed() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let resp = c
        .post(url(&info, "/mssp/v1/session"))
        .json(&json!({"username": "admin", "password": "Admin@12345"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.unwrap();
    assert!(body["token"].as_str().is_some_and(|t| t.len() >= 32));
    assert_eq!(body["expires_in"], 3600);

    let resp = c
        .post(url(&info, "/mssp/v1/session"))
        .json(&json!({"username": "admin", "password": "wrong"}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "bad_credentials"));

    for body in ["{not json", "", r#"{"username": "admin"}"#] {
        let resp = c
            .post(url(&info, "/mssp/v1/session"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"), "{body}");
    }

    sim.set_password(info.port, "N3w-Password!");
    let resp = c
        .post(url(&info, "/mssp/v1/session"))
        .json(&json!({"username": "admin", "password": "Admin@12345"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let updated = sim.instances()[0].clone();
    assert_eq!(updated.password, "N3w-Password!");
    login(&c, &updated).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn lockout_after_five_bad_logins_with_retry_after() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let attempt = |password: &'static str| {
        c.post(url(&info, "/mssp/v1/session"))
            .json(&json!({"username": "admin", "password": password}))
            .send()
    };
    for i in 0..5 {
        let (status, code, _) = error_of(attempt("wrong").await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "bad_credentials"),
            "attempt {i}"
        );
    }
    // Locked now, even with the right password.
    let resp = attempt("Admin@12345").await.unwrap();
    let retry_after: u64 = resp
        .headers()
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let (status, code, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (StatusCode::TOO_MANY_REQUESTS, "locked_out"));
    sim.shutdown().await;
}

#[tokio::test]
async fn good_login_resets_the_bad_login_counter() {
    let (sim, info) = one("Acme").await;
    let c = client();
    for _ in 0..2 {
        for _ in 0..4 {
            let resp = c
                .post(url(&info, "/mssp/v1/session"))
                .json(&json!({"username": "admin", "password": "wrong"}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        }
        login(&c, &info).await;
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn authenticated_routes_need_a_valid_unexpired_token() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let routes: [(reqwest::Method, &str); 6] = [
        (reqwest::Method::POST, "/mssp/v1/link"),
        (reqwest::Method::DELETE, "/mssp/v1/link"),
        (reqwest::Method::GET, "/mssp/v1/health"),
        (reqwest::Method::GET, "/mssp/v1/data"),
        (reqwest::Method::PUT, "/mssp/v1/technicians"),
        (reqwest::Method::PUT, "/mssp/v1/license/allocation"),
    ];
    for (method, path) in &routes {
        let resp = c.request(method.clone(), url(&info, path)).send().await.unwrap();
        let (status, code, _) = error_of(resp).await;
        assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "unauthorized"), "{path}");
        let resp = c
            .request(method.clone(), url(&info, path))
            .bearer_auth("not-a-token")
            .send()
            .await
            .unwrap();
        let (_, code, _) = error_of(resp).await;
        assert_eq!(code, "unauthorized", "{path}");
    }

    let token = login(&c, &info).await;
    let health = || c.get(url(&info, "/mssp/v1/health")).bearer_auth(&token).send();
    assert_eq!(health().await.unwrap().status(), StatusCode::OK);
    sim.expire_tokens(info.port);
    let (status, code, _) = error_of(health().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNAUTHORIZED, "token_expired"));
    for (method, path) in &routes {
        let resp =
            c.request(method.clone(), url(&info, path)).bearer_auth(&token).send().await.unwrap();
        let (_, code, _) = error_of(resp).await;
        assert_eq!(code, "token_expired", "{path}");
    }

    // A zero TTL yields tokens that are expired on first use.
    sim.set_token_ttl(info.port, Duration::ZERO);
    let resp = c
        .post(url(&info, "/mssp/v1/session"))
        .json(&json!({"username": "admin", "password": "Admin@12345"}))
        .send()
        .await
        .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["expires_in"], 0);
    let short = body["token"].as_str().unwrap();
    let resp = c.get(url(&info, "/mssp/v1/data")).bearer_auth(short).send().await.unwrap();
    let (_, code, _) = error_of(resp).await;
    assert_eq!(code, "token_expired");
    sim.shutdown().await;
}

#[tokio::test]
async fn link_is_idempotent_and_guards_owner_and_build() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let mine = Uuid::new_v4();
    let link = |id: Uuid, name: &'static str, build: u32| {
        c.post(url(&info, "/mssp/v1/link"))
            .bearer_auth(&token)
            .json(&json!({"mssp_id": id, "mssp_name": name, "build": build}))
            .send()
    };

    let resp = link(mine, "My MSSP", 7100).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"linked": true}));
    assert_eq!(sim.linked_mssp(info.port), Some(mine));

    let resp = link(mine, "Renamed MSSP", 7100).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let state = sim.instance_state(info.port).unwrap();
    assert_eq!(state["linked_mssp_name"], "Renamed MSSP");

    let (status, code, _) = error_of(link(Uuid::new_v4(), "Other", 7100).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::CONFLICT, "linked_to_other_mssp"));
    assert_eq!(sim.linked_mssp(info.port), Some(mine));

    let (status, code, err) = error_of(link(mine, "My MSSP", 7200).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::PRECONDITION_FAILED, "build_mismatch"));
    let message = err["message"].as_str().unwrap();
    assert!(message.contains("7200") && message.contains("7100"), "{message}");

    // A test can make another MSSP the holder.
    sim.set_linked_mssp(info.port, Some(Uuid::new_v4()));
    let (_, code, _) = error_of(link(mine, "My MSSP", 7100).await.unwrap()).await;
    assert_eq!(code, "linked_to_other_mssp");

    let resp = c
        .post(url(&info, "/mssp/v1/link"))
        .bearer_auth(&token)
        .json(&json!({"mssp_id": "not-a-uuid", "mssp_name": "x", "build": 7100}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_of(resp).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    sim.shutdown().await;
}

#[tokio::test]
async fn unlink_disables_central_technicians() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let mine = Uuid::new_v4();
    let resp = c
        .post(url(&info, "/mssp/v1/link"))
        .bearer_auth(&token)
        .json(&json!({"mssp_id": mine, "mssp_name": "My MSSP", "build": 7100}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = c
        .put(url(&info, "/mssp/v1/technicians"))
        .bearer_auth(&token)
        .json(&json!({"technicians": [{"id": "t1", "name": "Tess", "email": "tess@mssp.example", "role": "operator"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let unlink = |id: Option<String>| {
        let mut req = c.delete(url(&info, "/mssp/v1/link")).bearer_auth(&token);
        if let Some(id) = id {
            req = req.header("X-MSSP-Id", id);
        }
        req.send()
    };
    for bad in [None, Some("nope".to_owned())] {
        let (status, code, _) = error_of(unlink(bad).await.unwrap()).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    }
    let (status, code, _) = error_of(unlink(Some(Uuid::new_v4().to_string())).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_linked"));
    assert_eq!(sim.linked_mssp(info.port), Some(mine));

    let resp = unlink(Some(mine.to_string())).await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(sim.linked_mssp(info.port), None);
    let techs = sim.technicians(info.port);
    let t1 = techs.iter().find(|t| t["id"] == "t1").unwrap();
    assert_eq!(t1["enabled"], false);
    assert_eq!(t1["auth"], "central");
    let local = techs.iter().find(|t| t["id"] == "local-admin").unwrap();
    assert_eq!(local["enabled"], true);

    let (status, code, _) = error_of(unlink(Some(mine.to_string())).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_linked"));
    sim.shutdown().await;
}

#[tokio::test]
async fn health_up_then_degraded() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let health = || async {
        let resp = c.get(url(&info, "/mssp/v1/health")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json::<Value>().await.unwrap()
    };
    let h = health().await;
    assert_eq!(h["status"], "up");
    assert!(h["uptime_s"].is_u64());
    let comps = h["components"].as_array().unwrap();
    let ids: Vec<&str> = comps.iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["eventlog", "adaudit", "cloudsecurity", "ueba"]);
    for comp in comps {
        assert_eq!(comp["status"], "running");
        assert_eq!(comp["version"], "7.1.0");
        assert!(comp["name"].is_string());
    }

    assert!(sim.set_component_status(info.port, "ueba", "stopped"));
    assert!(!sim.set_component_status(info.port, "ueba", "sleeping"));
    assert!(!sim.set_component_status(info.port, "nope", "stopped"));
    let h = health().await;
    assert_eq!(h["status"], "degraded");
    assert_eq!(h["components"][3]["status"], "stopped");
    sim.shutdown().await;
}

#[tokio::test]
async fn data_has_the_documented_shape() {
    let (sim, info) = one("Acme Corp").await;
    let c = client();
    let token = login(&c, &info).await;
    let get = || async {
        let resp = c.get(url(&info, "/mssp/v1/data")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json::<Value>().await.unwrap()
    };
    let d = get().await;
    let collected = d["collected_at"].as_str().unwrap();
    time::OffsetDateTime::parse(collected, &time::format_description::well_known::Rfc3339)
        .expect("collected_at is RFC 3339");
    let comps = d["components"].as_array().unwrap();
    assert_eq!(comps.len(), 4);
    for comp in comps {
        for key in ["id", "name", "status", "version"] {
            assert!(comp[key].is_string(), "{key} in {comp}");
        }
        let integ = &comp["integration"];
        assert!(integ["enabled"].is_boolean());
        assert!(integ["host"].is_string());
        assert!(integ["port"].is_u64());
        assert!(integ["last_heartbeat"].is_string());
    }
    let rp = &d["reverse_proxy"];
    assert!(rp["enabled"].is_boolean());
    assert!(["context", "port", "both"].contains(&rp["mode"].as_str().unwrap()));
    assert!(rp["host"].is_string() && rp["port"].is_u64());
    let techs = d["technicians"].as_array().unwrap();
    assert_eq!(techs.len(), 1);
    assert_eq!(techs[0]["id"], "local-admin");
    assert_eq!(techs[0]["name"], "admin");
    assert_eq!(techs[0]["role"], "admin");
    assert_eq!(techs[0]["auth"], "local");
    assert_eq!(techs[0]["enabled"], true);
    assert!(techs[0]["email"].is_string());
    let lic = &d["license"];
    assert_eq!(lic["edition"], "Professional");
    time::OffsetDateTime::parse(
        lic["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("expires_at is RFC 3339");
    assert_eq!(lic["usage"]["windows_devices"], 12);
    assert_eq!(lic["allocated"], json!({}));

    // Padding for benchmarks: ~100 extra components make a ~20 KB body.
    sim.set_extra_components(info.port, 100);
    let resp = c.get(url(&info, "/mssp/v1/data")).bearer_auth(&token).send().await.unwrap();
    let bytes = resp.bytes().await.unwrap();
    assert!((15_000..40_000).contains(&bytes.len()), "data body is {} bytes", bytes.len());
    let d: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(d["components"].as_array().unwrap().len(), 104);
    sim.shutdown().await;
}

#[tokio::test]
async fn technicians_put_adds_updates_disables_and_validates() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let put = |body: Value| {
        c.put(url(&info, "/mssp/v1/technicians")).bearer_auth(&token).json(&body).send()
    };
    let resp = put(json!({"technicians": [
        {"id": "t1", "name": "Tess", "email": "tess@mssp.example", "role": "operator"},
        {"id": "t2", "name": "Gus", "email": "gus@mssp.example", "role": "guest"},
    ]}))
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"applied": 2}));
    assert_eq!(sim.technicians(info.port).len(), 3);

    let resp = put(json!({"technicians": [
        {"id": "t2", "name": "Gus G.", "email": "gus@mssp.example", "role": "admin"},
    ]}))
    .await
    .unwrap();
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"applied": 1}));
    let techs = sim.technicians(info.port);
    let by_id = |id: &str| techs.iter().find(|t| t["id"] == id).unwrap().clone();
    assert_eq!(by_id("t1")["enabled"], false);
    assert_eq!(by_id("t2")["enabled"], true);
    assert_eq!(by_id("t2")["role"], "admin");
    assert_eq!(by_id("t2")["name"], "Gus G.");
    assert_eq!(by_id("t2")["auth"], "central");

    let (status, code, _) = error_of(
        put(json!({"technicians": [{"id": "t3", "name": "X", "email": "x@y", "role": "superuser"}]}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_technician"));
    assert!(sim.technicians(info.port).iter().all(|t| t["id"] != "t3"), "nothing applied");

    let (status, code, _) = error_of(put(json!({"people": []})).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"));
    sim.shutdown().await;
}

#[tokio::test]
async fn allocation_put_and_below_usage() {
    let (sim, info) = one("Acme").await;
    let c = client();
    let token = login(&c, &info).await;
    let put = |body: Value| {
        c.put(url(&info, "/mssp/v1/license/allocation")).bearer_auth(&token).json(&body).send()
    };
    let resp =
        put(json!({"allocation": {"windows_devices": 20, "syslog_devices": 30}})).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"applied": true}));
    let expected: BTreeMap<String, u64> =
        [("windows_devices".to_owned(), 20), ("syslog_devices".to_owned(), 30)].into();
    assert_eq!(sim.allocation(info.port), expected);

    let (status, code, err) =
        error_of(put(json!({"allocation": {"workstations": 39}})).await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "below_usage"));
    assert_eq!(err["resource"], "workstations");
    assert_eq!(err["usage"], 40);
    assert_eq!(sim.allocation(info.port), expected, "rejected allocation not applied");

    for bad in [
        json!({"allocation": {"workstations": -1}}),
        json!({"allocation": {"workstations": 41.5}}),
        json!({"allocation": 3}),
    ] {
        let (status, code, _) = error_of(put(bad.clone()).await.unwrap()).await;
        assert_eq!((status, code.as_str()), (StatusCode::BAD_REQUEST, "bad_request"), "{bad}");
    }

    sim.set_usage(info.port, [("workstations".to_owned(), 5)].into());
    let resp = put(json!({"allocation": {"workstations": 5}})).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(sim.allocation(info.port), [("workstations".to_owned(), 5)].into());
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_use_the_error_shape_and_requests_are_counted() {
    let (sim, info) = one("Acme").await;
    let c = client();
    assert_eq!(sim.request_count(info.port), 0);
    let (status, code, _) =
        error_of(c.get(url(&info, "/mssp/v1/nope")).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let (status, code, _) = error_of(c.get(url(&info, "/")).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    let (status, code, _) =
        error_of(c.get(url(&info, "/mssp/v1/session")).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    assert_eq!(sim.request_count(info.port), 3);
    sim.shutdown().await;
}
