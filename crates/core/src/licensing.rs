//! License management: the MSSP's license file (validated), its pool per resource, each
//! customer's allocation and usage, pushing allocations to instances
//! (`PUT /mssp/v1/license/allocation`), usage alerts, and the CSV report.
//!
//! Rules it must never break: allocations of a resource never add up to more than the pool
//! (except where a smaller new license left them over, and then they may only shrink); no
//! count below the customer's usage; only administrators allocate; no license, no
//! allocation; two editors of one allocation cannot both win (versioned). The instance's
//! refusal leaves the allocation as the instance has it.

use crate::client::Connection;
use crate::console::{Console, ConsoleEvent, blocking};
use crate::error::{Error, FieldErrors, Result};
use crate::model::{Customer, CustomerId};
use crate::store::audit::Outcome;
use crate::store::licensing::{self as store, Counts, LicenseRow, PushState, StateRow};
use crate::store::{customers, settings};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// Usage at or above this share of the allocation raises an alert, unless set otherwise.
pub const DEFAULT_ALERT_PERCENT: u8 = 90;
/// The license expiry warning starts this many days before.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// "windows_devices" → "Windows devices".
pub fn label(resource: &str) -> String {
    let words = resource.replace(['_', '-'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => resource.to_owned(),
    }
}

/// The resources object of a license file: counts as given (negative ones are reported, not
/// silently clamped) and duplicate names refused (a JSON object keeps only the last one).
struct Resources(BTreeMap<String, i64>);

impl<'de> Deserialize<'de> for Resources {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Resources;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of resource names to whole numbers")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Resources, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = map.next_entry::<String, i64>()? {
                    if out.insert(k.clone(), v).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "resource \u{201c}{k}\u{201d} is listed twice"
                        )));
                    }
                }
                Ok(Resources(out))
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Deserialize)]
struct LicenseFile {
    license_id: String,
    licensee: String,
    edition: String,
    #[serde(with = "time::serde::rfc3339")]
    expires_at: OffsetDateTime,
    resources: Resources,
}

fn license_error(message: impl Into<String>) -> Error {
    Error::field("license", message)
}

/// Reads and checks a license file: well-formed, not expired, counts whole and not negative,
/// no resource twice.
pub fn parse_license(text: &str, now: OffsetDateTime, applied_by: &str) -> Result<LicenseRow> {
    let file: LicenseFile = serde_json::from_str(text.trim())
        .map_err(|e| license_error(format!("The license file is not valid: {e}.")))?;
    let mut problems = Vec::new();
    if file.license_id.trim().is_empty() {
        problems.push("it has no license_id".to_owned());
    }
    if file.licensee.trim().is_empty() {
        problems.push("it names no licensee".to_owned());
    }
    if file.expires_at <= now {
        problems.push(format!("it expired on {}", file.expires_at.date()));
    }
    if file.resources.0.is_empty() {
        problems.push("it grants no resources".to_owned());
    }
    let mut resources = Counts::new();
    for (name, n) in file.resources.0 {
        if name.trim().is_empty() {
            problems.push("a resource has no name".to_owned());
        } else if n < 0 {
            problems.push(format!("{} has a negative count ({n})", label(&name)));
        } else {
            resources.insert(name, n as u64);
        }
    }
    if !problems.is_empty() {
        return Err(license_error(format!(
            "The license cannot be applied: {}.",
            problems.join("; ")
        )));
    }
    Ok(LicenseRow {
        license_id: file.license_id.trim().to_owned(),
        licensee: file.licensee.trim().to_owned(),
        edition: file.edition.trim().to_owned(),
        expires_at: file.expires_at,
        resources,
        applied_at: now,
        applied_by: applied_by.to_owned(),
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoolLine {
    pub resource: String,
    pub label: String,
    pub total: u64,
    pub allocated: u64,
    pub in_use: u64,
    pub available: u64,
    /// How far allocations exceed a smaller new pool.
    pub over_by: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomerLine {
    pub id: CustomerId,
    pub name: String,
    pub allocation: Counts,
    pub usage: Option<Counts>,
    pub push_state: Option<PushState>,
    pub alerts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LicenseOverview {
    pub license: Option<LicenseRow>,
    pub threshold: u8,
    pub pool: Vec<PoolLine>,
    pub customers: Vec<CustomerLine>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AllocationDetails {
    pub customer: Customer,
    pub version: i64,
    pub allocation: Counts,
    pub usage: Option<(Counts, OffsetDateTime)>,
    pub state: Option<StateRow>,
    /// Per pool resource: (resource, total, available to this customer).
    pub limits: Vec<(String, u64, u64)>,
    pub alerts: Vec<String>,
}

fn pool(conn: &rusqlite::Connection, license: &LicenseRow) -> Result<Vec<PoolLine>> {
    let allocations = store::all_allocations(conn)?;
    let usage = store::all_usage(conn)?;
    Ok(license
        .resources
        .iter()
        .map(|(r, &total)| {
            let allocated: u64 = allocations.values().filter_map(|c| c.get(r)).sum();
            let in_use: u64 = usage.values().filter_map(|c| c.get(r)).sum();
            PoolLine {
                resource: r.clone(),
                label: label(r),
                total,
                allocated,
                in_use,
                available: total.saturating_sub(allocated),
                over_by: allocated.saturating_sub(total),
            }
        })
        .collect())
}

fn threshold(conn: &rusqlite::Connection) -> Result<u8> {
    Ok(settings::get(conn, "license_alert_percent")?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_ALERT_PERCENT))
}

impl Console {
    /// The License Management page: the license, the pool per resource, every customer.
    pub fn license_overview(&self) -> Result<LicenseOverview> {
        let session = self.require_session()?;
        let visible = self.visible(&session)?;
        self.store().read(|c| {
            let license = store::license(c)?;
            let pool = match &license {
                Some(l) => pool(c, l)?,
                None => Vec::new(),
            };
            let allocations = store::all_allocations(c)?;
            let usage = store::all_usage(c)?;
            let states = store::all_push_states(c)?;
            let alerts = store::alerts(c)?;
            let customers = customers::list(c)?
                .into_iter()
                .filter(|cu| visible(cu.id))
                .map(|cu| CustomerLine {
                    allocation: allocations.get(&cu.id).cloned().unwrap_or_default(),
                    usage: usage.get(&cu.id).cloned(),
                    push_state: states.get(&cu.id).copied(),
                    alerts: alerts
                        .iter()
                        .filter(|(id, _)| *id == cu.id)
                        .map(|(_, r)| r.clone())
                        .collect(),
                    id: cu.id,
                    name: cu.name,
                })
                .collect();
            Ok(LicenseOverview {
                license,
                threshold: threshold(c)?,
                pool,
                customers,
            })
        })
    }

    /// Applies (or replaces) the MSSP license. A smaller pool than what is allocated is
    /// accepted and shown as over-allocated; those resources can then only shrink.
    pub fn apply_license(&self, text: &str) -> Result<LicenseOverview> {
        let session = self.require_role(
            crate::store::technicians::Role::Admin,
            "Only administrators apply the license.",
        )?;
        let result = parse_license(text, self.now(), &session.username).and_then(|row| {
            self.store()
                .write(|tx| store::set_license(tx, &row))
                .map(|()| row)
        });
        let target = result
            .as_ref()
            .map(|l| l.license_id.clone())
            .unwrap_or_else(|_| "license".into());
        self.record_result(&session.username, "license.apply", &target, &result, None);
        result?;
        self.emit(ConsoleEvent::LicenseChanged);
        self.license_overview()
    }

    pub fn set_license_alert_threshold(&self, percent: u8) -> Result<LicenseOverview> {
        let session = self.require_role(
            crate::store::technicians::Role::Admin,
            "Only administrators change the threshold.",
        )?;
        if !(50..=100).contains(&percent) {
            return Err(Error::field(
                "threshold",
                "Choose a threshold from 50 to 100 %.",
            ));
        }
        self.store()
            .write(|tx| settings::set(tx, "license_alert_percent", &percent.to_string()))?;
        self.record(
            &session.username,
            "license.threshold",
            &format!("{percent} %"),
            Outcome::Success,
            None,
        );
        self.emit(ConsoleEvent::LicenseChanged);
        self.license_overview()
    }

    /// The Allocation Details box of one customer.
    pub fn allocation_details(&self, id: CustomerId) -> Result<AllocationDetails> {
        let session = self.require_session()?;
        let customer = self.visible_customer(&session, id)?;
        self.store().read(|c| {
            let allocation = store::allocation(c, id)?;
            let limits = match store::license(c)? {
                Some(l) => pool(c, &l)?
                    .into_iter()
                    .map(|p| {
                        let mine = allocation.get(&p.resource).copied().unwrap_or(0);
                        (p.resource, p.total, p.available + mine.min(p.total))
                    })
                    .collect(),
                None => Vec::new(),
            };
            let state = store::state(c, id)?;
            Ok(AllocationDetails {
                version: state.as_ref().map(|s| s.version).unwrap_or(0),
                usage: store::usage(c, id)?,
                alerts: store::alerts(c)?
                    .into_iter()
                    .filter(|(cid, _)| *cid == id)
                    .map(|(_, r)| r)
                    .collect(),
                allocation,
                state,
                limits,
                customer,
            })
        })
    }

    /// Edit License → Update: checks every rule against the pool and usage, saves the new
    /// allocation (refusing a stale `version`), then pushes it to the instance.
    pub async fn update_allocation(
        &self,
        id: CustomerId,
        version: i64,
        wanted: BTreeMap<String, i64>,
    ) -> Result<AllocationDetails> {
        let session = self.require_role(
            crate::store::technicians::Role::Admin,
            "Only administrators allocate licenses.",
        )?;
        let customer = self.visible_customer(&session, id)?;
        let now = self.now();
        let saved = self.store().write(|tx| {
            let license = store::license(tx)?.ok_or(Error::NoLicense)?;
            let current_version = store::state(tx, id)?.map(|s| s.version).unwrap_or(0);
            if current_version != version {
                return Err(Error::Conflict(
                    "Someone else changed this allocation meanwhile. The current numbers are shown; edit again.".into(),
                ));
            }
            let current = store::allocation(tx, id)?;
            let usage = store::usage(tx, id)?.map(|(u, _)| u).unwrap_or_default();
            let lines = pool(tx, &license)?;
            let mut errors = FieldErrors::new();
            let mut next = Counts::new();
            for (resource, &n) in &wanted {
                let Some(line) = lines.iter().find(|l| &l.resource == resource) else {
                    errors.insert(leak(resource), format!("{} is not in the MSSP license.", label(resource)));
                    continue;
                };
                if n < 0 {
                    errors.insert(leak(resource), "Counts are whole numbers from 0 up.".into());
                    continue;
                }
                let n = n as u64;
                let mine = current.get(resource).copied().unwrap_or(0);
                if n == mine {
                    // Unchanged (often 0: not allocated yet) is not re-judged, so an admin can
                    // allocate one resource without having to allocate every other at once.
                    next.insert(resource.clone(), n);
                    continue;
                }
                let free_for_me = line.total.saturating_sub(line.allocated - mine);
                let used = usage.get(resource).copied().unwrap_or(0);
                if n > mine && line.over_by > 0 {
                    errors.insert(leak(resource), format!(
                        "{} are over-allocated by {} since the new license; reduce allocations before adding.",
                        line.label, line.over_by
                    ));
                } else if n > mine && n > free_for_me {
                    errors.insert(leak(resource), format!(
                        "Only {free_for_me} {} are free; you asked for {n}.",
                        line.label.to_lowercase()
                    ));
                } else if n < used {
                    errors.insert(leak(resource), format!(
                        "{} uses {used} {}; allocate at least {used}.",
                        customer.name,
                        line.label.to_lowercase()
                    ));
                }
                next.insert(resource.clone(), n);
            }
            if !errors.is_empty() {
                return Err(Error::Validation(errors));
            }
            store::set_allocation(tx, id, &next)?;
            let previous = store::state(tx, id)?;
            store::put_state(tx, id, &StateRow {
                version: current_version + 1,
                push_state: PushState::Pending,
                push_reason: Some("not pushed yet".into()),
                changed_by: session.username.clone(),
                changed_at: now,
                applied: previous.and_then(|p| p.applied),
            })?;
            Ok(next)
        });
        let summary = match &saved {
            Ok(next) => Some(describe(next)),
            Err(_) => None,
        };
        self.record_result(
            &session.username,
            "license.allocate",
            &customer.name,
            &saved,
            summary.as_deref(),
        );
        saved?;
        self.emit(ConsoleEvent::LicenseChanged);
        push_allocation(self, &customer, &session.username).await;
        evaluate_alerts(self, &customer);
        self.allocation_details(id)
    }

    /// The allocation and usage table as CSV (for a spreadsheet).
    pub fn license_csv(&self) -> Result<String> {
        let overview = self.license_overview()?;
        let mut out = String::from("Customer,Resource,Allocated,In use\r\n");
        for c in &overview.customers {
            for p in &overview.pool {
                let allocated = c.allocation.get(&p.resource).copied().unwrap_or(0);
                let used = c
                    .usage
                    .as_ref()
                    .and_then(|u| u.get(&p.resource))
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                out.push_str(&format!(
                    "{},{},{allocated},{used}\r\n",
                    csv_field(&c.name),
                    csv_field(&p.label)
                ));
            }
        }
        Ok(out)
    }
}

fn describe(c: &Counts) -> String {
    c.iter()
        .map(|(r, n)| format!("{} {n}", label(r)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Field keys are `&'static str` (one error type for every form); resource names come from
/// the license, so each distinct name is interned once rather than leaked per error.
fn leak(s: &str) -> &'static str {
    static NAMES: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<&'static str>>> =
        std::sync::OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    match names.get(s) {
        Some(name) => name,
        None => {
            let name: &'static str = Box::leak(s.to_owned().into_boxed_str());
            names.insert(name);
            name
        }
    }
}

/// Quotes a CSV field, and defuses leading characters spreadsheets would run as formulas.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with('\'') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// Pushes a customer's allocation to its instance and records the outcome: applied; pending
/// (the instance could not be reached: pushed again after its next successful sync); or
/// failed (the instance refused it: the allocation goes back to what the instance has).
pub(crate) async fn push_allocation(console: &Console, customer: &Customer, actor: &str) {
    let id = customer.id;
    let Ok(Some(state)) = console.store().read(|c| store::state(c, id)) else {
        return;
    };
    let Ok(wanted) = console.store().read(|c| store::allocation(c, id)) else {
        return;
    };
    let vault = console.vault().clone();
    let result = match blocking(move || vault.get(id)).await {
        Ok(Some(creds)) => {
            let mut conn = Connection::new(
                console.probe_client().clone(),
                customer.endpoint.clone(),
                creds,
            );
            conn.put_allocation(&wanted).await
        }
        Ok(None) => Err(Error::AuthFailed(
            "no admin credentials are stored for this customer".into(),
        )),
        Err(e) => Err(e),
    };
    let (push_state, reason, applied, allocation) = match &result {
        Ok(()) => (PushState::Applied, None, Some(wanted.clone()), None),
        Err(Error::BelowUsage { resource, usage }) => {
            let instance_has = state.applied.clone().unwrap_or_default();
            (
                PushState::Failed,
                Some(format!(
                    "The instance refused: it uses {usage} {}. The allocation is back to what the instance has.",
                    label(resource).to_lowercase()
                )),
                state.applied.clone(),
                Some(instance_has),
            )
        }
        Err(e) => (
            PushState::Pending,
            Some(format!(
                "will be pushed after the next successful sync ({e})"
            )),
            state.applied.clone(),
            None,
        ),
    };
    let now = console.now();
    let written = console.store().write(|tx| {
        if let Some(back) = &allocation {
            store::set_allocation(tx, id, back)?;
        }
        store::put_state(
            tx,
            id,
            &StateRow {
                version: state.version + i64::from(allocation.is_some()),
                push_state,
                push_reason: reason.clone(),
                applied,
                changed_at: if allocation.is_some() {
                    now
                } else {
                    state.changed_at
                },
                changed_by: state.changed_by.clone(),
            },
        )
    });
    if let Err(e) = written {
        tracing::error!(error = %e, "could not record an allocation push");
    }
    let outcome = if push_state == PushState::Applied {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    console.record(
        actor,
        "license.push",
        &customer.name,
        outcome,
        reason.as_deref(),
    );
    console.emit(ConsoleEvent::LicenseChanged);
}

/// After a successful sync: push a pending allocation, and check usage against allocation.
pub(crate) async fn after_sync(console: &Console, customer: &Customer) {
    let pending = matches!(
        console.store().read(|c| store::state(c, customer.id)),
        Ok(Some(StateRow {
            push_state: PushState::Pending,
            ..
        }))
    );
    if pending {
        push_allocation(console, customer, "system").await;
    }
    evaluate_alerts(console, customer);
}

/// Raises an alert (and one notification) when usage reaches the threshold of the
/// allocation; clears it when usage drops below, so the next crossing notifies again.
pub(crate) fn evaluate_alerts(console: &Console, customer: &Customer) {
    let id = customer.id;
    let result = console.store().write(|tx| {
        let percent = u64::from(threshold(tx)?);
        let allocation = store::allocation(tx, id)?;
        let usage = store::usage(tx, id)?.map(|(u, _)| u).unwrap_or_default();
        let raised = store::alerts(tx)?;
        let mut newly = Vec::new();
        let mut resources: Vec<&String> = allocation.keys().collect();
        resources.extend(raised.iter().filter(|(c, _)| *c == id).map(|(_, r)| r));
        resources.sort();
        resources.dedup();
        for resource in resources {
            let allocated = allocation.get(resource).copied().unwrap_or(0);
            let used = usage.get(resource).copied().unwrap_or(0);
            let over = allocated > 0 && used * 100 >= allocated * percent;
            let was = raised.contains(&(id, resource.clone()));
            if over != was {
                store::set_alert(tx, id, resource, over)?;
            }
            if over && !was {
                newly.push((resource.clone(), used, allocated));
            }
        }
        Ok(newly)
    });
    match result {
        Ok(newly) => {
            for (resource, used, allocated) in &newly {
                console.emit(ConsoleEvent::Notify(crate::monitor::Notification {
                    title: format!(
                        "{} is near its {} allocation",
                        customer.name,
                        label(resource).to_lowercase()
                    ),
                    body: format!(
                        "{} uses {used} of {allocated} {} ({}%).",
                        customer.name,
                        label(resource).to_lowercase(),
                        used * 100 / (*allocated).max(1)
                    ),
                }));
            }
            if !newly.is_empty() {
                console.emit(ConsoleEvent::LicenseChanged);
            }
        }
        Err(e) => tracing::error!(error = %e, "could not evaluate usage alerts"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-25 10:00 UTC);

    fn file(resources: &str, expires: &str) -> String {
        format!(
            r#"{{"license_id": "L-1", "licensee": "Contoso MSSP", "edition": "Professional", "expires_at": "{expires}", "resources": {resources}}}"#
        )
    }

    fn problem(text: &str) -> String {
        parse_license(text, NOW, "admin")
            .unwrap_err()
            .fields()
            .unwrap()["license"]
            .clone()
    }

    #[test]
    fn a_good_license_is_read_with_any_resource_names() {
        let l = parse_license(
            &file(
                r#"{"windows_devices": 100, "edr_agents": 5}"#,
                "2027-12-31T00:00:00Z",
            ),
            NOW,
            "admin",
        )
        .unwrap();
        assert_eq!(l.resources["windows_devices"], 100);
        assert_eq!(l.resources["edr_agents"], 5);
        assert_eq!(label("edr_agents"), "Edr agents");
        assert_eq!(label("windows_devices"), "Windows devices");
    }

    #[test]
    fn bad_licenses_say_what_is_wrong() {
        assert!(problem("not json").contains("not valid"));
        assert!(
            problem(&file(r#"{"a": 1}"#, "2026-01-01T00:00:00Z")).contains("expired on 2026-01-01")
        );
        assert!(
            problem(&file(r#"{"windows_devices": -5}"#, "2027-01-01T00:00:00Z"))
                .contains("Windows devices has a negative count (-5)")
        );
        assert!(
            problem(&file(r#"{"a": 1, "a": 2}"#, "2027-01-01T00:00:00Z")).contains("listed twice")
        );
        assert!(problem(&file(r#"{"a": 1.5}"#, "2027-01-01T00:00:00Z")).contains("not valid"));
        assert!(problem(&file("{}", "2027-01-01T00:00:00Z")).contains("grants no resources"));
    }

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Acme"), "Acme");
        assert_eq!(csv_field("Acme, Inc"), "\"Acme, Inc\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
