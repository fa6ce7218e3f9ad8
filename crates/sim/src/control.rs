//! The control endpoint: a loopback-only JSON API for demos and for people
//! poking at a running simulator with curl (list, add, inspect instances and
//! change their faults, latency, build, password, tokens, link holder, usage,
//! component status, `data` size, hostile answers, identity (swap, impostor),
//! certificate and console sign-in lifetime; read which cookies their web
//! console received; fetch the shared CA certificate).
//!
//! Owns only the HTTP mapping onto [`Sim`] methods and the guard in front of
//! it. It must never listen on a non-loopback address (checked in
//! [`Sim::serve_control`]), never keep its own copy of instance state, and
//! never let a web page drive it: any page in a browser on the machine can
//! send requests to loopback, so [`guard`] refuses every request whose `Host`
//! is not this endpoint's own loopback address and port (a DNS-rebinding page
//! names its own host), whose `Origin` is another origin, or that changes
//! something without `Content-Type: application/json` (which no cross-origin
//! page can send without a CORS preflight, and this endpoint grants none). It
//! holds the simulator weakly so a running control server does not keep a
//! dropped simulator alive.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{ApiError, parse_typed};
use crate::model::{CertChange, Fault, Hostile, InstanceSpec};
use crate::{Sim, WeakSim};

/// Host names by which the endpoint may be addressed: it only ever listens on
/// loopback, and a page that rebinds its own name to 127.0.0.1 still sends
/// that name.
const LOOPBACK_HOSTS: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// The control route table, behind [`guard`]; `port` is the port the endpoint
/// is bound to.
pub fn router(sim: WeakSim, port: u16) -> Router {
    Router::new()
        .route("/instances", get(list).post(create))
        .route("/instances/{port}", get(show))
        // Before the catch-all action route: matchit prefers the static segment.
        .route("/instances/{port}/certificate", get(show_certificate).post(change_certificate))
        .route("/instances/{port}/console-visits", get(console_visits))
        .route("/instances/{port}/{action}", post(action))
        .route("/ca.pem", get(ca_pem))
        .fallback(|| async { ApiError::not_found("No such route.") })
        .with_state(sim)
        // `layer` also covers the fallback, so even a 404 is not an answer a
        // foreign page can read.
        .layer(middleware::from_fn_with_state(port, guard))
}

/// True when `authority` (a `Host` value, or an origin without its scheme) is
/// one of [`LOOPBACK_HOSTS`] with `port`; without a port only when `port` is
/// HTTP's default, as clients then leave it out.
fn is_own_authority(authority: &str, port: u16) -> bool {
    let authority = authority.trim();
    LOOPBACK_HOSTS.iter().any(|host| {
        authority.eq_ignore_ascii_case(&format!("{host}:{port}"))
            || (port == 80 && authority.eq_ignore_ascii_case(host))
    })
}

/// True for `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
}

/// Refuses what a web page could send, before any route runs (so a refused
/// request changes nothing):
/// - a `Host` that is not this endpoint's loopback address and port
///   (`403 forbidden_host`; a missing one too, and so is an absolute-form
///   request target naming another host);
/// - an `Origin` that is not `http://` plus such an address (`403
///   forbidden_origin`; `null` too);
/// - any method but GET and HEAD without `Content-Type: application/json`,
///   body or not (`415 unsupported_media_type`).
async fn guard(State(port): State<u16>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    // An absolute-form target (`POST http://name/...`) names the host too.
    let target = request.uri().authority().map(|a| a.as_str());
    if !host.is_some_and(|h| is_own_authority(h, port))
        || target.is_some_and(|t| !is_own_authority(t, port))
    {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_host",
            format!("The Host header must be 127.0.0.1:{port}, localhost:{port} or [::1]:{port}."),
        )
        .into_response();
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let own = origin.to_str().ok().is_some_and(|o| {
            o.get(..7).is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
                && is_own_authority(&o[7..], port)
        });
        if !own {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden_origin",
                "Requests from web pages are refused: the Origin must be this endpoint itself.",
            )
            .into_response();
        }
    }
    let reads = request.method() == Method::GET || request.method() == Method::HEAD;
    if !reads && !is_json(headers) {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send Content-Type: application/json (also when there is no body).",
        )
        .into_response();
    }
    next.run(request).await
}

fn sim(weak: &WeakSim) -> Result<Sim, ApiError> {
    weak.upgrade().ok_or_else(|| {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "shut_down", "The simulator has shut down.")
    })
}

fn json_ok(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

fn parse_port(raw: &str, sim: &Sim) -> Result<u16, ApiError> {
    raw.parse::<u16>()
        .ok()
        .filter(|p| sim.has_instance(*p))
        .ok_or_else(|| ApiError::not_found(format!("No instance on port {raw}.")))
}

async fn list(State(weak): State<WeakSim>) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    Ok(json_ok(StatusCode::OK, Value::Array(sim.summaries())))
}

async fn create(State(weak): State<WeakSim>, body: Bytes) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    // An empty body means "all defaults", convenient from curl.
    let spec: InstanceSpec =
        if body.is_empty() { InstanceSpec::default() } else { parse_typed(&body)? };
    let info = sim.add_instance(spec).await.map_err(|e| {
        // A spec the simulator cannot honour (e.g. contradictory certificate
        // options) is the caller's mistake; anything else is about the port.
        if e.kind() == std::io::ErrorKind::InvalidInput {
            ApiError::bad_request(format!("Could not create the instance: {e}"))
        } else {
            ApiError::new(
                StatusCode::CONFLICT,
                "bind_failed",
                format!("Could not create the instance: {e}"),
            )
        }
    })?;
    Ok(json_ok(StatusCode::CREATED, json!(info)))
}

async fn show(State(weak): State<WeakSim>, Path(port): Path<String>) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    let port = parse_port(&port, &sim)?;
    let state = sim
        .instance_state(port)
        .ok_or_else(|| ApiError::not_found(format!("No instance on port {port}.")))?;
    Ok(json_ok(StatusCode::OK, state))
}

#[derive(Deserialize)]
struct FaultBody {
    fault: Fault,
}
#[derive(Deserialize)]
struct LatencyBody {
    ms: u64,
}
#[derive(Deserialize)]
struct BuildBody {
    build: u32,
}
#[derive(Deserialize)]
struct PasswordBody {
    password: String,
}
#[derive(Deserialize)]
struct TtlBody {
    seconds: u64,
}
#[derive(Deserialize)]
struct LinkedBody {
    mssp_id: Option<Uuid>,
}
#[derive(Deserialize)]
struct UsageBody {
    usage: BTreeMap<String, u64>,
}
#[derive(Deserialize)]
struct ComponentBody {
    id: String,
    status: String,
}
#[derive(Deserialize)]
struct ExtraBody {
    count: usize,
}
#[derive(Deserialize)]
struct ImpostorBody {
    impostor: bool,
}

/// Upper bound for synthetic components, so a typo cannot make every `data`
/// answer hundreds of megabytes.
const MAX_EXTRA_COMPONENTS: usize = 100_000;

#[derive(serde::Deserialize)]
struct FailingPathBody {
    path: Option<String>,
}

async fn action(
    State(weak): State<WeakSim>,
    Path((port, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    let port = parse_port(&port, &sim)?;
    match action.as_str() {
        "fault" => {
            let b: FaultBody = parse_typed(&body)?;
            sim.set_fault(port, b.fault).await.map_err(|e| {
                ApiError::new(
                    StatusCode::CONFLICT,
                    "bind_failed",
                    format!("Could not change the fault: {e}"),
                )
            })?;
        }
        "latency" => {
            sim.set_latency(port, Duration::from_millis(parse_typed::<LatencyBody>(&body)?.ms))
        }
        "build" => sim.set_build(port, parse_typed::<BuildBody>(&body)?.build),
        "password" => sim.set_password(port, &parse_typed::<PasswordBody>(&body)?.password),
        "token-ttl" => {
            sim.set_token_ttl(port, Duration::from_secs(parse_typed::<TtlBody>(&body)?.seconds))
        }
        "console-ticket-ttl" => sim.set_console_ticket_ttl(
            port,
            Duration::from_secs(parse_typed::<TtlBody>(&body)?.seconds),
        ),
        "expire-tokens" => sim.expire_tokens(port),
        "linked-mssp" => sim.set_linked_mssp(port, parse_typed::<LinkedBody>(&body)?.mssp_id),
        "usage" => sim.set_usage(port, parse_typed::<UsageBody>(&body)?.usage),
        "component" => {
            let b: ComponentBody = parse_typed(&body)?;
            if !sim.set_component_status(port, &b.id, &b.status) {
                return Err(ApiError::bad_request(
                    "Unknown component id, or status is not running|stopped|error.",
                ));
            }
        }
        "failing-path" => {
            let b: FailingPathBody = parse_typed(&body)?;
            sim.set_failing_path(port, b.path.as_deref());
        }
        "swap-identity" => {
            sim.swap_identity(port);
        }
        "impostor" => sim.set_impostor(port, parse_typed::<ImpostorBody>(&body)?.impostor),
        "hostile" => sim.set_hostile(port, parse_typed::<Hostile>(&body)?),
        "extra-components" => {
            let n = parse_typed::<ExtraBody>(&body)?.count;
            if n > MAX_EXTRA_COMPONENTS {
                return Err(ApiError::bad_request(format!(
                    "count must be at most {MAX_EXTRA_COMPONENTS}"
                )));
            }
            sim.set_extra_components(port, n);
        }
        other => return Err(ApiError::not_found(format!("No action {other:?}."))),
    }
    let state = sim
        .instance_state(port)
        .ok_or_else(|| ApiError::not_found(format!("No instance on port {port}.")))?;
    Ok(json_ok(StatusCode::OK, state))
}

/// What the instance's web console received, with the cookies each request
/// carried (see [`Sim::console_visits`]).
async fn console_visits(
    State(weak): State<WeakSim>,
    Path(port): Path<String>,
) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    let port = parse_port(&port, &sim)?;
    Ok(json_ok(StatusCode::OK, json!(sim.console_visits(port))))
}

async fn show_certificate(
    State(weak): State<WeakSim>,
    Path(port): Path<String>,
) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    let port = parse_port(&port, &sim)?;
    let info = sim.certificate(port).ok_or_else(|| {
        ApiError::not_found(format!("The instance on port {port} serves plain HTTP."))
    })?;
    Ok(json_ok(StatusCode::OK, json!(info)))
}

/// Answers the full state, like the other actions; the new certificate is at
/// `GET /instances/{port}/certificate`.
async fn change_certificate(
    State(weak): State<WeakSim>,
    Path(port): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    let port = parse_port(&port, &sim)?;
    // An empty body means "a new certificate, all defaults", as for create.
    let change: CertChange =
        if body.is_empty() { CertChange::default() } else { parse_typed(&body)? };
    sim.set_certificate(port, change).map_err(|e| match e.kind() {
        std::io::ErrorKind::Unsupported => ApiError::new(
            StatusCode::CONFLICT,
            "unsupported",
            format!("Could not change the certificate: {e}"),
        ),
        std::io::ErrorKind::NotFound => ApiError::not_found(e.to_string()),
        std::io::ErrorKind::InvalidInput => {
            ApiError::bad_request(format!("Could not change the certificate: {e}"))
        }
        _ => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            format!("Could not change the certificate: {e}"),
        ),
    })?;
    let state = sim
        .instance_state(port)
        .ok_or_else(|| ApiError::not_found(format!("No instance on port {port}.")))?;
    Ok(json_ok(StatusCode::OK, state))
}

async fn ca_pem(State(weak): State<WeakSim>) -> Result<Response, ApiError> {
    let sim = sim(&weak)?;
    let pem = sim
        .ca_pem()
        .ok_or_else(|| ApiError::not_found("No HTTPS instance exists, so there is no CA."))?;
    Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_authority_is_a_loopback_name_with_the_bound_port() {
        for ok in
            ["127.0.0.1:7171", "localhost:7171", "LocalHost:7171", "[::1]:7171", " [::1]:7171"]
        {
            assert!(is_own_authority(ok, 7171), "{ok}");
        }
        for bad in [
            "127.0.0.1",
            "127.0.0.1:7172",
            "127.0.0.1:07171",
            "evil.example:7171",
            "localhost.:7171",
            "127.0.0.2:7171",
            "[::1]",
            "",
        ] {
            assert!(!is_own_authority(bad, 7171), "{bad}");
        }
        assert!(is_own_authority("localhost", 80));
        assert!(is_own_authority("localhost:80", 80));
    }

    #[test]
    fn json_content_type_allows_parameters_only() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, v.parse().unwrap());
            is_json(&h)
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        for bad in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
            "application/json-seq",
            "text/plain; application/json",
        ] {
            assert!(!with(bad), "{bad}");
        }
        assert!(!is_json(&HeaderMap::new()));
    }
}
