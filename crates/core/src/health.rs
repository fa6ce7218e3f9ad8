//! Customer health: one sweep checks every customer's `GET /mssp/v1/health` with bounded
//! concurrency, reusing each customer's logged-in connection, and records Up/Down with the
//! reason and latency on the board the window reads.
//!
//! Must never block on one slow instance (each check is bounded by the client's timeouts and
//! runs beside the others) and never keep credentials anywhere but inside a connection.

use crate::client::{Connection, InstanceStatus};
use crate::console::{Console, ConsoleEvent, blocking};
use crate::error::{Error, Result};
use crate::model::{Customer, CustomerId, Health, HealthState};
use crate::store::customers;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Checks in flight at once. Bounds sockets (and so file descriptors) whatever the number of
/// customers.
pub const SWEEP_CONCURRENCY: usize = 64;

type SharedConnection = Arc<tokio::sync::Mutex<Connection>>;

/// The last health seen per customer, and the connections that produced it.
#[derive(Default)]
pub(crate) struct Board {
    health: Mutex<HashMap<CustomerId, Health>>,
    connections: Mutex<HashMap<CustomerId, SharedConnection>>,
}

impl Board {
    pub(crate) fn get(&self, id: CustomerId) -> Health {
        lock(&self.health)
            .get(&id)
            .cloned()
            .unwrap_or_else(Health::unknown)
    }

    fn set(&self, id: CustomerId, health: Health) {
        lock(&self.health).insert(id, health);
    }

    /// A customer's connection details or credentials changed: log in afresh next time.
    pub(crate) fn forget_connection(&self, id: CustomerId) {
        lock(&self.connections).remove(&id);
    }

    pub(crate) fn remove(&self, id: CustomerId) {
        lock(&self.health).remove(&id);
        self.forget_connection(id);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) async fn sweep(console: &Console) -> Result<()> {
    let customers = console.store().read(customers::list)?;
    futures_util::stream::iter(customers)
        .map(|c| check_one(console, c))
        .buffer_unordered(SWEEP_CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    Ok(())
}

async fn check_one(console: &Console, customer: Customer) {
    let started = Instant::now();
    let result = match connection_for(console, &customer).await {
        Ok(conn) => conn.lock().await.health().await,
        Err(e) => Err(e),
    };
    let latency_ms = Some(started.elapsed().as_millis() as u64);
    let checked_at = Some(console.now());
    let health = match result {
        Ok(report) => {
            let stopped: Vec<_> = report
                .components
                .iter()
                .filter(|c| c.status != "running")
                .map(|c| format!("{} is {}", c.name, c.status))
                .collect();
            Health {
                state: HealthState::Up,
                checked_at,
                latency_ms,
                reason: (report.status == InstanceStatus::Degraded || !stopped.is_empty())
                    .then(|| stopped.join(", ")),
            }
        }
        Err(Error::KeychainUnavailable(why)) => Health {
            state: HealthState::Unknown,
            checked_at,
            latency_ms: None,
            reason: Some(format!("credentials unavailable: {why}")),
        },
        Err(e) => {
            // A failed check may mean stale credentials or a half-open socket: start over.
            console.health.forget_connection(customer.id);
            Health {
                state: HealthState::Down,
                checked_at,
                latency_ms,
                reason: Some(down_reason(&e)),
            }
        }
    };
    console.health.set(customer.id, health.clone());
    console.emit(ConsoleEvent::HealthUpdated {
        customer_id: customer.id,
        health,
    });
}

/// Short reasons for the tooltip: refused, timed out, TLS error, HTTP status, bad credentials.
fn down_reason(e: &Error) -> String {
    match e {
        Error::Unreachable { detail, .. } => detail.clone(),
        Error::Timeout { seconds, .. } => format!("timed out after {seconds} s"),
        Error::Tls { detail, .. } => format!("TLS error: {detail}"),
        Error::InstanceError { status, .. } => format!("HTTP {status}"),
        Error::AuthFailed(_) => "bad credentials".into(),
        Error::LockedOut { .. } => "admin account locked out".into(),
        other => other.to_string(),
    }
}

async fn connection_for(console: &Console, customer: &Customer) -> Result<SharedConnection> {
    if let Some(conn) = lock(&console.health.connections).get(&customer.id) {
        return Ok(conn.clone());
    }
    let vault = console.vault().clone();
    let id = customer.id;
    let creds = blocking(move || vault.get(id)).await?.ok_or_else(|| {
        Error::AuthFailed("no admin credentials are stored for this customer".into())
    })?;
    let conn = Arc::new(tokio::sync::Mutex::new(Connection::new(
        console.client().clone(),
        customer.endpoint.clone(),
        creds,
    )));
    lock(&console.health.connections).insert(customer.id, conn.clone());
    Ok(conn)
}
