//! A minimal web page standing for the customer's own Log360 console: the
//! one-time sign-in URL (`/console/sso?ticket=…`) that `POST
//! /mssp/v1/console-session` hands out, the page it leads to (`/console/`),
//! and a 401 page for anyone without a session. Each page shows the
//! instance's name on a colour derived from it, so a screenshot tells which
//! customer a window belongs to.
//!
//! Owns the HTML, the session cookie's attributes and reading the `Cookie`
//! header. It must never keep state of its own (tickets, sessions and the
//! record of which cookies each request carried are [`Instance`]'s), never
//! record or log a ticket, and never put an unescaped instance value into a
//! page.

use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::instance::{CONSOLE_COOKIE, ConsoleSession, Instance, TicketRefused};

type Inst = Extension<Arc<Instance>>;

/// The web console's routes; every `/console…` request is recorded with the
/// cookies it carried.
pub fn routes() -> Router {
    Router::new()
        .route("/console", get(home))
        .route("/console/", get(home))
        .route("/console/sso", get(sso))
        .route("/console/env/{report}", get(env_report))
        .route("/console/{*rest}", get(unknown))
}

/// Records the request and returns the session its cookie names, if any.
fn visit(inst: &Instance, uri: &Uri, headers: &HeaderMap) -> Option<ConsoleSession> {
    let cookies = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
    inst.console_visit(uri.path(), cookies)
}

#[derive(Deserialize)]
struct SsoQuery {
    ticket: Option<String>,
}

/// Uses the ticket once: a session cookie and a redirect to the console, or
/// the 401 page.
async fn sso(
    Extension(inst): Inst,
    uri: Uri,
    headers: HeaderMap,
    query: Result<Query<SsoQuery>, QueryRejection>,
) -> Response {
    visit(&inst, &uri, &headers);
    let Some(ticket) = query.ok().and_then(|Query(q)| q.ticket) else {
        let body = "This sign-in link has no ticket. Open the console again from MSSP Console.";
        return page(&inst, StatusCode::BAD_REQUEST, "Sign-in link incomplete", body);
    };
    match inst.console_sign_in(&ticket) {
        Ok(session) => {
            let mut cookie =
                format!("{CONSOLE_COOKIE}={session}; Path=/console; HttpOnly; SameSite=Strict");
            if inst.is_tls() {
                cookie.push_str("; Secure");
            }
            let mut response = StatusCode::SEE_OTHER.into_response();
            let h = response.headers_mut();
            h.insert(header::LOCATION, HeaderValue::from_static("/console/"));
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                h.insert(header::SET_COOKIE, v);
            }
            secure_headers(h);
            response
        }
        Err(refused) => {
            let why = match refused {
                TicketRefused::Unknown => "This sign-in link was already used or is not valid.",
                TicketRefused::Expired => "This sign-in link has expired.",
            };
            let body = format!("{why} Open the console again from MSSP Console.");
            page(&inst, StatusCode::UNAUTHORIZED, "Not signed in", &body)
        }
    }
}

async fn home(Extension(inst): Inst, uri: Uri, headers: HeaderMap) -> Response {
    match visit(&inst, &uri, &headers) {
        Some(session) => {
            let by = session
                .technician
                .map(|t| format!(" Opened by MSSP technician {}.", escape(&t)))
                .unwrap_or_default();
            let body =
                format!("Signed in as <b>{}</b> through MSSP Console.{by}", escape(&session.user));
            let nonce = hex_nonce();
            let script = ENV_SCRIPT.replace("NONCE", &nonce);
            let mut response = page_html(&inst, StatusCode::OK, "Dashboard", &body, &script);
            let csp = format!(
                "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; \
                 connect-src 'self'; frame-ancestors 'none'"
            );
            if let Ok(v) = HeaderValue::from_str(&csp) {
                response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
            }
            response
        }
        None => page(
            &inst,
            StatusCode::UNAUTHORIZED,
            "Not signed in",
            "Sign in to this Log360 console. From MSSP Console, use Open console.",
        ),
    }
}

/// Where the dashboard's script reports what it found (recorded like every visit).
async fn env_report(Extension(inst): Inst, uri: Uri, headers: HeaderMap) -> StatusCode {
    visit(&inst, &uri, &headers);
    StatusCode::NO_CONTENT
}

async fn unknown(Extension(inst): Inst, uri: Uri, headers: HeaderMap) -> Response {
    visit(&inst, &uri, &headers);
    page(&inst, StatusCode::NOT_FOUND, "Not found", "There is no such page.")
}

/// The dashboard's one script: it looks for an application's bridge in the page (what a
/// desktop app's web view may inject: Tauri's globals, a `window.ipc`, a WebKit message
/// handler), shows what it found, and reports it to `/console/env/no-bridge` or
/// `/console/env/bridge-<names>`, so a test can tell from the visits whether the customer's
/// page could reach the app that shows it.
const ENV_SCRIPT: &str = r#"<p id="bridge">Looking for an app bridge in this page…</p>
<script nonce="NONCE">
(function () {
  var found = ["__TAURI__", "__TAURI_INTERNALS__", "__TAURI_IPC__", "ipc"].filter(function (k) {
    return k in window;
  });
  if (window.webkit && window.webkit.messageHandlers && window.webkit.messageHandlers.ipc) {
    found.push("webkit-ipc");
  }
  document.getElementById("bridge").textContent = found.length
    ? "App bridge visible to this page: " + found.join(", ")
    : "No app bridge visible to this page.";
  fetch("/console/env/" + (found.length ? "bridge-" + found.join("+") : "no-bridge"));
})();
</script>"#;

fn hex_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A page whose body is plain text.
fn page(inst: &Instance, status: StatusCode, heading: &str, text: &str) -> Response {
    page_html(inst, status, heading, &escape(text), "")
}

/// A page whose body is already HTML (every instance value in it escaped), and `extra` HTML
/// (a script) after it.
fn page_html(
    inst: &Instance,
    status: StatusCode,
    heading: &str,
    body: &str,
    extra: &str,
) -> Response {
    let name = escape(&inst.name);
    let colour = colour_of(&inst.name);
    let heading = escape(heading);
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Log360 — {name}</title>
<style>
body {{ margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #1b1f24; }}
header {{ background: {colour}; color: #fff; padding: 20px 28px; }}
header h1 {{ margin: 0; font-size: 28px; }}
header p {{ margin: 4px 0 0; opacity: .9; }}
main {{ padding: 24px 28px; }}
main h2 {{ margin-top: 0; }}
.swatch {{ display: inline-block; width: 14px; height: 14px; background: {colour};
          vertical-align: middle; margin-right: 6px; }}
</style></head>
<body>
<header><h1>Log360 — {name}</h1><p>Simulated customer console on port {port}</p></header>
<main><h2>{heading}</h2><p>{body}</p>
<p><span class="swatch"></span>{name}</p>{extra}</main>
</body></html>
"#,
        port = inst.port,
    );
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    secure_headers(h);
    response
}

/// What every console answer carries: not cached, no script, not framed, and no
/// `Referer` (the sign-in URL holds a ticket).
fn secure_headers(h: &mut HeaderMap) {
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
}

/// A colour of its own per name (FNV-1a of the name picks the hue), dark
/// enough for white text.
pub fn colour_of(name: &str) -> String {
    let hash =
        name.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193));
    format!("hsl({}, 65%, 34%)", hash % 360)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_coloured_apart() {
        assert_eq!(escape(r#"<b>"A&B'</b>"#), "&lt;b&gt;&quot;A&amp;B&#39;&lt;/b&gt;");
        assert_eq!(colour_of("Acme Corp"), colour_of("Acme Corp"));
        assert_ne!(colour_of("Acme Corp"), colour_of("Globex"));
    }
}
