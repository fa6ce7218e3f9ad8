//! The web console over real HTTP(S): `POST /mssp/v1/console-session` hands out
//! one-time sign-in URLs on the address the client used; a URL signs in once,
//! within its lifetime, with a session cookie of the right attributes; the
//! console page shows who is signed in and which customer it is; every request
//! is recorded with the cookies it carried (so two windows that shared a
//! cookie store would show); hostile sign-in answers, faults and the control
//! endpoint.

mod common;

use common::{client, error_of, login, one, url};
use log360_sim::{
    CONSOLE_COOKIE, Fault, Hostile, InstanceInfo, InstanceSpec, MAX_CONSOLE_VISITS, Sim, TlsMode,
};
use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};
use std::time::Duration;

const CONSOLE_SESSION: &str = "/mssp/v1/console-session";

/// A client that shows redirects instead of following them, and keeps no cookies.
fn no_redirects() -> Client {
    Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

async fn sign_in_url(c: &Client, info: &InstanceInfo, body: Option<Value>) -> Value {
    let token = login(c, info).await;
    let mut req = c.post(url(info, CONSOLE_SESSION)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    resp.json().await.unwrap()
}

/// Follows a sign-in URL; returns the status, and the session cookie's
/// `Set-Cookie` when there was one.
async fn follow(c: &Client, sign_in: &str) -> (StatusCode, Option<String>, String) {
    let resp = c.get(sign_in).send().await.unwrap();
    let status = resp.status();
    let cookie = resp.headers().get(header::SET_COOKIE).map(|v| v.to_str().unwrap().to_owned());
    (status, cookie, resp.text().await.unwrap())
}

/// `NAME=value` of a `Set-Cookie`.
fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

async fn console_page(
    c: &Client,
    info: &InstanceInfo,
    cookie: Option<&str>,
) -> (StatusCode, String) {
    let mut req = c.get(url(info, "/console/"));
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let resp = req.send().await.unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn a_sign_in_url_is_on_the_address_used_and_signs_in_once() {
    let (sim, info) = one("Acme Corp").await;
    let c = no_redirects();

    // Authenticated as every other route.
    let resp = c.post(url(&info, CONSOLE_SESSION)).send().await.unwrap();
    assert_eq!(error_of(resp).await.1, "unauthorized");

    let answer = sign_in_url(&c, &info, Some(json!({"technician": "tess"}))).await;
    assert_eq!(answer["expires_in"], 60);
    let sign_in = answer["url"].as_str().unwrap().to_owned();
    let prefix = format!("http://127.0.0.1:{}/console/sso?ticket=", info.port);
    assert!(sign_in.starts_with(&prefix), "{sign_in}");
    assert!(sign_in.len() < 200);

    // Not signed in yet.
    let (status, page) = console_page(&c, &info, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("Not signed in"), "{page}");

    let resp = c.get(&sign_in).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[header::LOCATION], "/console/");
    assert_eq!(resp.headers()[header::REFERRER_POLICY], "no-referrer");
    let set_cookie = resp.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set_cookie.starts_with(&format!("{CONSOLE_COOKIE}=")), "{set_cookie}");
    for attribute in ["Path=/console", "HttpOnly", "SameSite=Strict"] {
        assert!(set_cookie.contains(attribute), "{set_cookie} lacks {attribute}");
    }
    assert!(!set_cookie.contains("Secure"), "no Secure over plain HTTP: {set_cookie}");

    let (status, page) = console_page(&c, &info, Some(pair(&set_cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Log360 — Acme Corp"), "{page}");
    assert!(page.contains("Signed in as <b>admin</b> through MSSP Console"), "{page}");
    assert!(page.contains("Opened by MSSP technician tess"), "{page}");

    // Its one script looks for an app bridge in the page and reports to /console/env/….
    let resp = c.get(url(&info, "/console/")).header(header::COOKIE, pair(&set_cookie));
    let resp = resp.send().await.unwrap();
    let csp = resp.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap().to_owned();
    assert!(resp.text().await.unwrap().contains(&format!("<script nonce=\"{nonce}\">")));
    let report = c.get(url(&info, "/console/env/no-bridge")).send().await.unwrap();
    assert_eq!(report.status(), StatusCode::NO_CONTENT);
    assert_eq!(sim.console_visits(info.port).last().unwrap().path, "/console/env/no-bridge");

    // Once only.
    let (status, cookie, page) = follow(&c, &sign_in).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(cookie, None);
    assert!(page.contains("already used"), "{page}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_sign_in_url_uses_the_host_the_client_named() {
    let (sim, info) = one("Acme").await;
    let c = no_redirects();
    let by_name = InstanceInfo { url: format!("http://localhost:{}", info.port), ..info.clone() };
    let answer = sign_in_url(&c, &by_name, None).await;
    let sign_in = answer["url"].as_str().unwrap();
    assert!(sign_in.starts_with(&format!("http://localhost:{}/console/sso?", info.port)));
    assert_eq!(follow(&c, sign_in).await.0, StatusCode::SEE_OTHER);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expired_or_unknown_ticket_signs_nobody_in() {
    let (sim, info) = one("Acme").await;
    let c = no_redirects();
    sim.set_console_ticket_ttl(info.port, Duration::ZERO);
    let answer = sign_in_url(&c, &info, None).await;
    assert_eq!(answer["expires_in"], 0);
    let (status, cookie, page) = follow(&c, answer["url"].as_str().unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(cookie, None);
    assert!(page.contains("expired"), "{page}");

    let guessed = format!("{}/console/sso?ticket={}", info.url, "0".repeat(64));
    assert_eq!(follow(&c, &guessed).await.0, StatusCode::UNAUTHORIZED);
    let bare = format!("{}/console/sso", info.url);
    assert_eq!(follow(&c, &bare).await.0, StatusCode::BAD_REQUEST);

    // Back to the default: a ticket outlives a short wait.
    sim.set_console_ticket_ttl(info.port, Duration::from_secs(60));
    let answer = sign_in_url(&c, &info, None).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(follow(&c, answer["url"].as_str().unwrap()).await.0, StatusCode::SEE_OTHER);
    sim.shutdown().await;
}

#[tokio::test]
async fn every_console_request_is_recorded_with_the_cookies_it_carried() {
    let sim = Sim::new();
    let acme = sim.add_instance(InstanceSpec::new("Acme")).await.unwrap();
    let globex = sim.add_instance(InstanceSpec::new("Globex")).await.unwrap();
    let c = no_redirects();

    let a = sign_in_url(&c, &acme, None).await;
    let (_, a_cookie, _) = follow(&c, a["url"].as_str().unwrap()).await;
    let a_cookie = a_cookie.unwrap();
    let g = sign_in_url(&c, &globex, None).await;
    let (_, g_cookie, _) = follow(&c, g["url"].as_str().unwrap()).await;
    let g_cookie = g_cookie.unwrap();
    assert_eq!(console_page(&c, &acme, Some(pair(&a_cookie))).await.0, StatusCode::OK);
    assert_eq!(console_page(&c, &globex, Some(pair(&g_cookie))).await.0, StatusCode::OK);

    // Two windows, one cookie each: every cookie each instance saw is its own.
    let visits = sim.console_visits(acme.port);
    assert_eq!(
        visits.iter().map(|v| (v.path.as_str(), v.signed_in)).collect::<Vec<_>>(),
        [("/console/sso", false), ("/console/", true)]
    );
    assert!(visits[0].cookies.is_empty());
    assert_eq!(visits[1].cookies.len(), 1);
    assert!(visits[1].cookies[0].issued_here);
    assert_eq!(visits[1].cookies[0].name, CONSOLE_COOKIE);
    let own = |port| {
        sim.console_visits(port)
            .into_iter()
            .flat_map(|v| v.cookies)
            .map(|c| (c.value, c.issued_here))
            .collect::<Vec<_>>()
    };
    let (seen_a, seen_g) = (own(acme.port), own(globex.port));
    assert!(seen_a.iter().chain(&seen_g).all(|(_, issued_here)| *issued_here));
    assert!(seen_a.iter().all(|a| !seen_g.iter().any(|g| g.0 == a.0)), "no cookie shared");
    // The query string (the ticket) is never recorded.
    assert!(!format!("{:?}", sim.console_visits(acme.port)).contains("ticket"));

    // A shared cookie store would send Acme's cookie to Globex (same host, other port):
    // Globex records a cookie it did not issue, and does not sign it in.
    let both = format!("{}; theme=dark", pair(&a_cookie));
    let (status, _) = console_page(&c, &globex, Some(&both)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let last = sim.console_visits(globex.port).pop().unwrap();
    assert!(!last.signed_in);
    assert_eq!(last.cookies.len(), 2);
    assert!(last.cookies.iter().all(|c| !c.issued_here), "{last:?}");

    // Unknown console pages are recorded too; the record is bounded.
    assert_eq!(c.get(url(&acme, "/console/x/y")).send().await.unwrap().status(), 404);
    assert_eq!(sim.console_visits(acme.port).last().unwrap().path, "/console/x/y");
    for _ in 0..MAX_CONSOLE_VISITS {
        c.get(url(&acme, "/console")).send().await.unwrap();
    }
    assert_eq!(sim.console_visits(acme.port).len(), MAX_CONSOLE_VISITS);
    sim.shutdown().await;
}

#[tokio::test]
async fn over_tls_the_cookie_is_secure() {
    let sim = Sim::new();
    let mut spec = InstanceSpec::new("Initech");
    spec.tls_mode = Some(TlsMode::SharedCa);
    let info = sim.add_instance(spec).await.unwrap();
    let ca = reqwest::Certificate::from_pem(sim.ca_pem().unwrap().as_bytes()).unwrap();
    let c = Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let answer = sign_in_url(&c, &info, None).await;
    let sign_in = answer["url"].as_str().unwrap();
    assert!(sign_in.starts_with(&format!("https://127.0.0.1:{}/console/sso?", info.port)));
    let (status, cookie, _) = follow(&c, sign_in).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(cookie.unwrap().ends_with("; Secure"));
    sim.shutdown().await;
}

#[tokio::test]
async fn hostile_sign_in_answers_and_faults() {
    let (sim, info) = one("Acme").await;
    let c = no_redirects();
    sim.set_hostile(info.port, Hostile { foreign_console_url: true, ..Hostile::default() });
    let answer = sign_in_url(&c, &info, None).await;
    let foreign = format!("http://{}:{}/console/sso?", Hostile::FOREIGN_CONSOLE_HOST, info.port);
    assert!(answer["url"].as_str().unwrap().starts_with(&foreign), "{answer}");

    let h = Hostile { long_strings: true, huge_token_lifetime: true, ..Hostile::default() };
    sim.set_hostile(info.port, h);
    let answer = sign_in_url(&c, &info, None).await;
    assert_eq!(answer["url"].as_str().unwrap().len(), Hostile::LONG_STRING_CHARS);
    assert_eq!(answer["expires_in"].as_u64(), Some(u64::MAX));
    // The ticket in it is real, and lives the real lifetime.
    let ticket = answer["url"].as_str().unwrap().split("&pad=").next().unwrap().to_owned();
    assert_eq!(follow(&c, &ticket).await.0, StatusCode::SEE_OTHER);
    sim.set_hostile(info.port, Hostile::default());

    // A body that is not an object, or a bad technician, is bad_request.
    let token = login(&c, &info).await;
    let resp = c
        .post(url(&info, CONSOLE_SESSION))
        .bearer_auth(&token)
        .json(&json!({"technician": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(resp).await.1, "bad_request");

    // error500 covers the protocol route, not the web console; swap_identity forgets sessions.
    let answer = sign_in_url(&c, &info, None).await;
    let (_, cookie, _) = follow(&c, answer["url"].as_str().unwrap()).await;
    let cookie = cookie.unwrap();
    sim.set_fault(info.port, Fault::Error500).await.unwrap();
    let resp = c.post(url(&info, CONSOLE_SESSION)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(error_of(resp).await.1, "internal_error");
    assert_eq!(console_page(&c, &info, Some(pair(&cookie))).await.0, StatusCode::OK);
    sim.set_fault(info.port, Fault::None).await.unwrap();
    sim.swap_identity(info.port);
    assert_eq!(console_page(&c, &info, Some(pair(&cookie))).await.0, StatusCode::UNAUTHORIZED);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_control_endpoint_shows_visits_and_sets_the_lifetime() {
    let (sim, info) = one("Acme").await;
    let addr = sim.serve_control("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let control = client();
    let p = info.port;
    let resp = control
        .post(format!("http://{addr}/instances/{p}/console-ticket-ttl"))
        .json(&json!({"seconds": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let state: Value = resp.json().await.unwrap();
    assert_eq!(state["console_ticket_ttl_s"], 30);

    let c = no_redirects();
    let answer = sign_in_url(&c, &info, None).await;
    assert_eq!(answer["expires_in"], 30);
    let (_, cookie, _) = follow(&c, answer["url"].as_str().unwrap()).await;
    console_page(&c, &info, Some(pair(&cookie.unwrap()))).await;

    let visits: Value = control
        .get(format!("http://{addr}/instances/{p}/console-visits"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(visits.as_array().unwrap().len(), 2, "{visits}");
    assert_eq!(visits[1]["path"], "/console/");
    assert_eq!(visits[1]["signed_in"], true);
    assert_eq!(visits[1]["cookies"][0]["name"], CONSOLE_COOKIE);
    assert_eq!(visits[1]["cookies"][0]["issued_here"], true);
    let resp = control.get(format!("http://{addr}/instances/1/console-visits")).send().await;
    assert_eq!(resp.unwrap().status(), StatusCode::NOT_FOUND);
    sim.shutdown().await;
}
