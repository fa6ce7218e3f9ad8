//! Helpers shared by the integration tests: a plain HTTP client that ignores
//! proxy settings (tests talk to 127.0.0.1 only), login, and error decoding.

#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use log360_sim::{InstanceInfo, InstanceSpec, Sim};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

pub fn client() -> Client {
    Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().expect("client")
}

/// A simulator with one default instance.
pub async fn one(name: &str) -> (Sim, InstanceInfo) {
    let sim = Sim::new();
    let info = sim.add_instance(InstanceSpec::new(name)).await.expect("add instance");
    (sim, info)
}

pub fn url(info: &InstanceInfo, path: &str) -> String {
    format!("{}{}", info.url, path)
}

pub async fn login(c: &Client, info: &InstanceInfo) -> String {
    let resp = c
        .post(url(info, "/mssp/v1/session"))
        .json(&json!({"username": info.username, "password": info.password}))
        .send()
        .await
        .expect("login request");
    assert_eq!(resp.status(), StatusCode::OK);
    let body: Value = resp.json().await.expect("login json");
    body["token"].as_str().expect("token").to_owned()
}

/// Status and `error.code` of an error answer (asserting the error shape).
pub async fn error_of(resp: Response) -> (StatusCode, String, Value) {
    let status = resp.status();
    let body: Value = resp.json().await.expect("error body is JSON");
    let err = body.get("error").expect("error member").clone();
    assert!(err["message"].is_string(), "error.message missing: {body}");
    let code = err["code"].as_str().expect("error.code").to_owned();
    (status, code, err)
}
