//! Transport for simulated instances: binding 127.0.0.1 ports, one accept loop
//! task per listening instance, HTTP/1.1 (optionally inside TLS) per connection,
//! and the fault modes and latency that sit in front of the protocol router.
//!
//! Owns sockets and what happens on them. It must never bind anything but
//! loopback, spawn threads (10,000 instances must stay a few tasks each), or
//! decide protocol semantics (that is `api` and `instance`).
//!
//! How faults reach the wire:
//! - `down`: the accept loop task is aborted, which drops (closes) the listener,
//!   and every open connection of the instance is dropped, so even pooled
//!   keep-alive connections stop working.
//! - `hang`: new sockets are accepted and then held without being read (no TLS
//!   handshake either); requests arriving on already-open connections are held
//!   before being answered. Both resume if the fault is lifted.
//! - `error500`: answered here, before routing, for every `/mssp/v1/` path.
//! - latency: slept here before answering every request.
//! - hostile `long_strings` / `markup`: the `message` of every error answer
//!   (from here or from the router) is re-sent hostile here; the other hostile
//!   values are made by `instance`, which owns the values they replace.
//!
//! Every request is counted (in total and per route) here, before any fault,
//! latency or routing, so tests can tell what reached the instance at all. An
//! HTTPS connection takes the instance's certificate when its handshake
//! starts, so a certificate change applies to new connections only.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower::ServiceExt;
use tracing::{debug, warn};

use crate::error::ApiError;
use crate::hostile::Texts;
use crate::instance::Instance;
use crate::model::Fault;

/// A client that connects but never finishes the handshake must not hold a
/// task forever.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause after a failed accept (typically EMFILE) so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Binds 127.0.0.1:`port` (0 = any free port). Tokio sets SO_REUSEADDR, so a
/// port brought down can be re-bound at once despite TIME_WAIT connections.
pub async fn bind(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await
}

/// Starts the accept loop of `inst` on `listener`. Aborting the returned task
/// closes the listener.
pub fn spawn_accept_loop(
    inst: Arc<Instance>,
    listener: TcpListener,
    router: Router,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _peer)) => {
                    tokio::spawn(serve_connection(inst.clone(), stream, router.clone()));
                }
                Err(e) => {
                    warn!(port = inst.port, error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            }
        }
    })
}

/// Waits while the instance hangs; returns the fault it left `hang` for
/// (`down` if the instance is gone).
async fn wait_not_hang(rx: &mut watch::Receiver<Fault>) -> Fault {
    match rx.wait_for(|f| *f != Fault::Hang).await {
        Ok(f) => *f,
        Err(_) => Fault::Down,
    }
}

/// Resolves once the instance goes down (or is gone).
async fn wait_down(rx: &mut watch::Receiver<Fault>) {
    let _ = rx.wait_for(|f| *f == Fault::Down).await;
}

async fn serve_connection(inst: Arc<Instance>, stream: TcpStream, router: Router) {
    let mut fault_rx = inst.fault.subscribe();
    if wait_not_hang(&mut fault_rx).await == Fault::Down {
        return;
    }
    // Small JSON exchanges: do not let Nagle add delay to measured latency.
    let _ = stream.set_nodelay(true);
    match inst.tls.as_ref().map(|t| t.acceptor()) {
        None => serve_io(inst, stream, router, fault_rx).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            let tls_stream = tokio::select! {
                r = handshake => match r {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        debug!(port = inst.port, error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                },
                () = wait_down(&mut fault_rx) => return,
            };
            serve_io(inst, tls_stream, router, fault_rx).await;
        }
    }
}

async fn serve_io<I>(
    inst: Arc<Instance>,
    io: I,
    router: Router,
    mut fault_rx: watch::Receiver<Fault>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let port = inst.port;
    let svc = hyper::service::service_fn(move |req| handle(inst.clone(), router.clone(), req));
    let conn =
        http1::Builder::new().timer(TokioTimer::new()).serve_connection(TokioIo::new(io), svc);
    tokio::select! {
        r = conn => {
            if let Err(e) = r {
                debug!(port, error = %e, "connection ended with an error");
            }
        }
        // Dropping the connection future closes the socket mid-whatever,
        // which is what a crashed or stopped server looks like.
        () = wait_down(&mut fault_rx) => {}
    }
}

async fn handle(
    inst: Arc<Instance>,
    router: Router,
    mut req: Request<Incoming>,
) -> Result<Response, Infallible> {
    inst.count_request(req.method().as_str(), req.uri().path());
    let mut rx = inst.fault.subscribe();
    wait_not_hang(&mut rx).await;
    let latency = inst.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let failing = (inst.current_fault() == Fault::Error500
        && req.uri().path().starts_with("/mssp/v1/"))
        || inst.path_fails(req.uri().path());
    if failing {
        let err = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "Simulated internal server error.",
        );
        return Ok(hostile_error(&inst, err.into_response()));
    }
    req.extensions_mut().insert(inst.clone());
    let response = router.oneshot(req).await?;
    Ok(hostile_error(&inst, response))
}

/// An error answer again with a hostile `message` when the instance's
/// hostile modes ask for one; any other answer unchanged. Status, code, extra
/// members and `Retry-After` stay as they were.
fn hostile_error(inst: &Instance, response: Response) -> Response {
    let texts = Texts::new(inst.hostile(), 1);
    if texts.is_plain() {
        return response;
    }
    match response.extensions().get::<ApiError>() {
        Some(err) => {
            let mut err = err.clone();
            err.message = texts.text(&err.message).into_owned();
            err.into_response()
        }
        None => response,
    }
}
