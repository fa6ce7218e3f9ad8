//! The control endpoint: a loopback-only JSON API for demos and for people
//! poking at a running simulator with curl (list, add, inspect instances and
//! change their faults, latency, build, password, tokens, link holder, usage,
//! component status, `data` size, identity (swap, impostor) and certificate;
//! fetch the shared CA certificate).
//!
//! Owns only the HTTP mapping onto [`Sim`] methods. It must never listen on a
//! non-loopback address (checked in [`Sim::serve_control`]) and never keep its
//! own copy of instance state. It holds the simulator weakly so a running
//! control server does not keep a dropped simulator alive.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::{ApiError, parse_typed};
use crate::model::{CertChange, Fault, InstanceSpec};
use crate::{Sim, WeakSim};

/// The control route table.
pub fn router(sim: WeakSim) -> Router {
    Router::new()
        .route("/instances", get(list).post(create))
        .route("/instances/{port}", get(show))
        // Before the catch-all action route: matchit prefers the static segment.
        .route("/instances/{port}/certificate", get(show_certificate).post(change_certificate))
        .route("/instances/{port}/{action}", post(action))
        .route("/ca.pem", get(ca_pem))
        .fallback(|| async { ApiError::not_found("No such route.") })
        .with_state(sim)
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
