//! Protocol v1 over HTTP: the route table (all of it, in [`router`]), request
//! decoding and validation, and bearer-token checks.
//!
//! Owns the mapping from HTTP to [`Instance`] operations. It must never keep
//! state of its own, apply faults or latency (that is `server`, which runs in
//! front of this router), or answer with anything but the protocol's JSON error
//! shape. One router serves every instance; the instance a request is for
//! arrives as a request extension put there by `server`. The HTML pages of the
//! customer's web console (`/console…`) are `web_console`'s, merged in here.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{ApiError, parse_json, parse_typed};
use crate::identity;
use crate::instance::{Instance, MAX_TECHNICIAN_CHARS, ROLES, TechnicianInput};
use crate::web_console;

/// Header naming the MSSP that asks to unlink.
pub const MSSP_ID_HEADER: &str = "x-mssp-id";

type Inst = Extension<Arc<Instance>>;

/// The whole protocol v1 surface. Every route but `about` and `session`
/// requires a bearer token.
pub fn router() -> Router {
    Router::new()
        .route("/mssp/v1/about", get(about))
        .route("/mssp/v1/session", post(session))
        .route("/mssp/v1/link", post(link).delete(unlink))
        .route("/mssp/v1/health", get(health))
        .route("/mssp/v1/data", get(data))
        .route("/mssp/v1/technicians", put(technicians))
        .route("/mssp/v1/license/allocation", put(allocation))
        .route("/mssp/v1/console-session", post(console_session))
        .merge(web_console::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ApiError {
    ApiError::not_found("No such route.")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This route does not accept that method.",
    )
}

fn respond(result: Result<Value, ApiError>) -> Response {
    match result {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The token of an `Authorization: Bearer <token>` header; `None` when the
/// header is missing or uses another scheme (both answer `unauthorized`).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// `?challenge=<nonce>` asks for a proof of identity; other parameters are
/// ignored. A malformed query string, a repeated or malformed challenge is
/// `bad_request` (with the protocol's error shape, not axum's plain text).
async fn about(
    Extension(inst): Inst,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Response {
    respond((|| {
        let Query(params) =
            query.map_err(|_| ApiError::bad_request("The query string is malformed."))?;
        let mut challenges = params.iter().filter(|(k, _)| k == "challenge").map(|(_, v)| v);
        let challenge = challenges.next();
        if challenges.next().is_some() {
            return Err(ApiError::bad_request("Give at most one challenge."));
        }
        let nonce = challenge.map(|c| identity::decode_nonce(c)).transpose();
        let nonce = nonce.map_err(ApiError::bad_request)?;
        Ok(inst.about(nonce.as_deref()))
    })())
}

#[derive(Deserialize)]
struct LoginBody {
    username: String,
    password: String,
}

async fn session(Extension(inst): Inst, body: Bytes) -> Response {
    respond(parse_typed::<LoginBody>(&body).and_then(|b| inst.login(&b.username, &b.password)))
}

#[derive(Deserialize)]
struct LinkBody {
    mssp_id: Uuid,
    mssp_name: String,
    build: u32,
    /// Absent or `null` from a legacy client.
    link_key: Option<String>,
}

async fn link(Extension(inst): Inst, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        inst.authorize(bearer(&headers))?;
        let b: LinkBody = parse_typed(&body)?;
        // A malformed key is a malformed body: refused before ownership or
        // build are even looked at, and nothing is stored.
        let key = b.link_key.as_deref().map(identity::decode_link_key).transpose();
        let key = key.map_err(ApiError::bad_request)?;
        inst.link(b.mssp_id, &b.mssp_name, b.build, key)
    })())
}

async fn unlink(Extension(inst): Inst, headers: HeaderMap) -> Response {
    let result = (|| {
        inst.authorize(bearer(&headers))?;
        let raw = headers
            .get(MSSP_ID_HEADER)
            .ok_or_else(|| ApiError::bad_request("The X-MSSP-Id header is required."))?;
        let mssp_id = raw
            .to_str()
            .ok()
            .and_then(|s| Uuid::parse_str(s.trim()).ok())
            .ok_or_else(|| ApiError::bad_request("The X-MSSP-Id header must be a UUID."))?;
        inst.unlink(mssp_id)
    })();
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => e.into_response(),
    }
}

async fn health(Extension(inst): Inst, headers: HeaderMap) -> Response {
    respond(inst.authorize(bearer(&headers)).map(|()| inst.health()))
}

async fn data(Extension(inst): Inst, headers: HeaderMap) -> Response {
    respond(inst.authorize(bearer(&headers)).map(|()| inst.data()))
}

/// The origin a client addressed this instance by (its scheme and the `Host`
/// it sent), so a sign-in URL works under whatever name the console uses; a
/// missing or malformed `Host` gives `127.0.0.1` and the instance's port.
fn addressed_origin(inst: &Instance, headers: &HeaderMap) -> String {
    let scheme = if inst.is_tls() { "https" } else { "http" };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .and_then(|h| h.parse::<axum::http::uri::Authority>().ok())
        .filter(|a| !a.as_str().contains('@'))
        .map_or_else(|| format!("127.0.0.1:{}", inst.port), |a| a.as_str().to_owned());
    format!("{scheme}://{host}")
}

/// The body is optional: none, or `{"technician": "<name>"}` naming the MSSP
/// technician for the instance's own records.
fn parse_console_session(body: &[u8]) -> Result<Option<String>, ApiError> {
    if body.is_empty() {
        return Ok(None);
    }
    let value = parse_json(body)?;
    let obj =
        value.as_object().ok_or_else(|| ApiError::bad_request("Body must be a JSON object."))?;
    match obj.get("technician") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(t))
            if !t.trim().is_empty() && t.chars().count() <= MAX_TECHNICIAN_CHARS =>
        {
            Ok(Some(t.clone()))
        }
        Some(_) => Err(ApiError::bad_request(format!(
            "\"technician\" must be a string of 1 to {MAX_TECHNICIAN_CHARS} characters"
        ))),
    }
}

async fn console_session(Extension(inst): Inst, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        inst.authorize(bearer(&headers))?;
        let technician = parse_console_session(&body)?;
        Ok(inst.console_session(&addressed_origin(&inst, &headers), technician))
    })())
}

fn invalid_technician(index: usize, why: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_technician",
        format!("technicians[{index}]: {why}"),
    )
}

/// A body that is not `{"technicians": [...]}` is `bad_request`; an entry that
/// is not a valid technician is `invalid_technician`, and nothing is applied.
fn parse_technicians(body: &[u8]) -> Result<Vec<TechnicianInput>, ApiError> {
    let value = parse_json(body)?;
    let list = value
        .get("technicians")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("Body must be {\"technicians\": [...]}."))?;
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let field = |name: &str| -> Result<String, ApiError> {
            item.get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| invalid_technician(i, &format!("\"{name}\" must be a string")))
        };
        let (id, name, email, role) =
            (field("id")?, field("name")?, field("email")?, field("role")?);
        if id.trim().is_empty() {
            return Err(invalid_technician(i, "\"id\" must not be empty"));
        }
        if !ROLES.contains(&role.as_str()) {
            return Err(invalid_technician(
                i,
                &format!("role {role:?} is not one of admin, operator, guest"),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(invalid_technician(i, &format!("duplicate id {id:?}")));
        }
        out.push(TechnicianInput { id, name, email, role });
    }
    Ok(out)
}

async fn technicians(Extension(inst): Inst, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        inst.authorize(bearer(&headers))?;
        inst.put_technicians(parse_technicians(&body)?)
    })())
}

/// Counts must be non-negative integers; anything else is `bad_request`
/// (it is malformed input, not a business-rule violation like `below_usage`).
fn parse_allocation(body: &[u8]) -> Result<BTreeMap<String, u64>, ApiError> {
    let value = parse_json(body)?;
    let map = value
        .get("allocation")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::bad_request("Body must be {\"allocation\": {...}}."))?;
    map.iter()
        .map(|(resource, n)| {
            n.as_u64().map(|n| (resource.clone(), n)).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "allocation.{resource} must be a non-negative integer"
                ))
            })
        })
        .collect()
}

async fn allocation(Extension(inst): Inst, headers: HeaderMap, body: Bytes) -> Response {
    respond((|| {
        inst.authorize(bearer(&headers))?;
        inst.put_allocation(parse_allocation(&body)?)
    })())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_parsing() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn allocation_rejects_negative_and_fractional() {
        assert!(parse_allocation(br#"{"allocation":{"a":1}}"#).is_ok());
        for bad in [
            &br#"{"allocation":{"a":-1}}"#[..],
            br#"{"allocation":{"a":1.5}}"#,
            br#"{"allocation":{"a":"1"}}"#,
            br#"{"allocation":[]}"#,
            b"not json",
        ] {
            assert_eq!(parse_allocation(bad).unwrap_err().code, "bad_request");
        }
    }

    #[test]
    fn console_session_body_is_optional_and_bounded() {
        assert_eq!(parse_console_session(b"").unwrap(), None);
        assert_eq!(parse_console_session(b"{}").unwrap(), None);
        assert_eq!(parse_console_session(br#"{"technician":null}"#).unwrap(), None);
        assert_eq!(
            parse_console_session(br#"{"technician":"tess"}"#).unwrap().as_deref(),
            Some("tess")
        );
        let long = format!(r#"{{"technician":"{}"}}"#, "t".repeat(MAX_TECHNICIAN_CHARS + 1));
        for bad in [&br#"{"technician":5}"#[..], br#"{"technician":" "}"#, b"[]", long.as_bytes()] {
            assert_eq!(parse_console_session(bad).unwrap_err().code, "bad_request");
        }
    }

    #[test]
    fn technicians_validation() {
        let ok = br#"{"technicians":[{"id":"t1","name":"T","email":"t@x","role":"guest"}]}"#;
        assert_eq!(parse_technicians(ok).unwrap().len(), 1);
        let bad_role = br#"{"technicians":[{"id":"t1","name":"T","email":"t@x","role":"root"}]}"#;
        assert_eq!(parse_technicians(bad_role).unwrap_err().code, "invalid_technician");
        let dup = br#"{"technicians":[{"id":"t","name":"T","email":"","role":"guest"},{"id":"t","name":"T","email":"","role":"guest"}]}"#;
        assert_eq!(parse_technicians(dup).unwrap_err().code, "invalid_technician");
        assert_eq!(parse_technicians(br#"{"technicians":5}"#).unwrap_err().code, "bad_request");
    }
}
