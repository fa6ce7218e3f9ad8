//! Telling "this computer is offline" from "every customer is down": when many customers
//! fail within one interval, the console checks its own connectivity (a route to the
//! network, name resolution of the failing customers' host names, and the probe address the
//! admin set) before blaming them. While it is offline, failed checks count as no checks at
//! all: customers keep their last known state, nothing is notified about them, and one
//! notice says the computer is offline.
//!
//! Must never call a customer down because this computer lost its network, and never
//! re-check its own connectivity more than once per [`SELF_CHECK_EVERY`].

use super::settings::MonitorSettings;
use crate::locks::lock;
use crate::model::CustomerId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// How long a verdict on this computer's connectivity is reused.
pub const SELF_CHECK_EVERY: Duration = Duration::from_secs(10);
/// Fewer failing customers than this never make the console doubt itself.
const MIN_FAILING: usize = 3;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Default)]
struct State {
    /// Each customer's last check outcome (true: answered) and when.
    recent: HashMap<CustomerId, (Instant, bool)>,
    /// Offline since when.
    since: Option<OffsetDateTime>,
    /// The last verdict on this computer's connectivity.
    verdict: Option<(Instant, Result<(), String>)>,
}

#[derive(Default)]
pub(crate) struct Offline {
    state: Mutex<State>,
}

impl Offline {
    pub(crate) fn record(&self, id: CustomerId, answered: bool) {
        lock(&self.state).recent.insert(id, (Instant::now(), answered));
    }

    pub(crate) fn forget(&self, id: CustomerId) {
        lock(&self.state).recent.remove(&id);
    }

    /// Whether enough customers failed within `window` to doubt this computer first.
    pub(crate) fn suspicious(
        &self,
        window: Duration,
        total: usize,
        settings: &MonitorSettings,
    ) -> bool {
        let state = lock(&self.state);
        if state.since.is_some() {
            return true;
        }
        let failing =
            state.recent.values().filter(|(at, ok)| !ok && at.elapsed() <= window).count();
        let total = total.max(1);
        failing >= MIN_FAILING.min(total)
            && failing * 100 >= total * usize::from(settings.offline_share_percent)
    }

    pub(crate) fn since(&self) -> Option<OffsetDateTime> {
        lock(&self.state).since
    }

    /// The verdict of the last self-check, if recent enough to reuse.
    pub(crate) fn cached(&self) -> Option<Result<(), String>> {
        let state = lock(&self.state);
        state
            .verdict
            .as_ref()
            .filter(|(at, _)| at.elapsed() < SELF_CHECK_EVERY)
            .map(|(_, v)| v.clone())
    }

    pub(crate) fn remember(&self, verdict: Result<(), String>) {
        lock(&self.state).verdict = Some((Instant::now(), verdict));
    }

    /// Marks this computer offline; true when it was not already.
    pub(crate) fn enter(&self, at: OffsetDateTime) -> bool {
        let mut state = lock(&self.state);
        let newly = state.since.is_none();
        state.since.get_or_insert(at);
        newly
    }

    /// Marks this computer online again; returns since when it was offline, if it was.
    pub(crate) fn leave(&self) -> Option<OffsetDateTime> {
        let mut state = lock(&self.state);
        // Checks that failed while offline say nothing about the customers.
        if state.since.is_some() {
            state.recent.retain(|_, (_, ok)| *ok);
        }
        state.since.take()
    }
}

/// Whether this computer reaches the network: a route out, the failing customers' host
/// names resolving (addresses need none), and the admin's probe address answering.
pub(crate) async fn connectivity(
    settings: &MonitorSettings,
    host_names: &[String],
) -> Result<(), String> {
    // Connecting a UDP socket sends nothing; it fails when there is no route at all.
    let routed = std::net::UdpSocket::bind("0.0.0.0:0").and_then(|s| s.connect("192.0.2.1:9"));
    if let Err(e) = routed {
        return Err(format!("no network route ({e})"));
    }
    if !host_names.is_empty() {
        let mut resolved = false;
        for name in host_names.iter().take(3) {
            let lookup = tokio::net::lookup_host((name.as_str(), 443));
            if matches!(tokio::time::timeout(CONNECT_TIMEOUT, lookup).await, Ok(Ok(_))) {
                resolved = true;
                break;
            }
        }
        if !resolved {
            return Err("customers' server names do not resolve".into());
        }
    }
    if let Some((host, port)) = settings.probe() {
        let connect = tokio::net::TcpStream::connect((host.as_str(), port));
        match tokio::time::timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("{host}:{port} does not answer ({e})")),
            Err(_) => return Err(format!("{host}:{port} does not answer (timed out)")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubt_needs_a_share_and_a_few_customers() {
        let offline = Offline::default();
        let settings = MonitorSettings::default();
        let window = Duration::from_secs(60);
        let ids: Vec<CustomerId> = (0..10).map(|_| CustomerId::new()).collect();
        for id in &ids[..4] {
            offline.record(*id, false);
        }
        assert!(!offline.suspicious(window, 10, &settings), "4 of 10 is under half");
        offline.record(ids[4], false);
        assert!(offline.suspicious(window, 10, &settings), "5 of 10 is half");
        // Among many customers, two failing are two customers' problems.
        let two = Offline::default();
        two.record(ids[0], false);
        two.record(ids[1], false);
        assert!(!two.suspicious(
            window,
            3,
            &MonitorSettings { offline_share_percent: 10, ..settings.clone() }
        ));
        assert!(offline.enter(OffsetDateTime::UNIX_EPOCH));
        assert!(!offline.enter(OffsetDateTime::UNIX_EPOCH), "entered once");
        assert!(offline.leave().is_some());
        assert!(!offline.suspicious(window, 10, &settings), "failures while offline forgotten");
    }
}
