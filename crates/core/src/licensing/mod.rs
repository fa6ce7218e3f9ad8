//! License management: the MSSP's license file ([`file`]), its pool per resource, each
//! customer's allocation and usage, pushing allocations to instances
//! (`PUT /mssp/v1/license/allocation`), usage alerts, and the CSV report ([`report`]).
//! It hears of successful syncs as a [`SyncObserver`]: a pending allocation goes out then,
//! and usage is checked against the allocation.
//!
//! Rules it must never break: allocations of a resource never add up to more than the pool
//! (except where a smaller new license left them over, and then they may only shrink); no
//! count below the customer's usage; no license, no allocation; two editors of one
//! allocation cannot both win (versioned). The instance's refusal leaves the allocation as
//! the instance has it.

pub mod file;

pub use file::{label, parse_license};

use crate::auth::Actor;
use crate::context::Context;
use crate::error::{Error, FieldErrors, Result};
use crate::events::{ConsoleEvent, NoticeKind, Notification, SyncObserver};
use crate::gate;
use crate::model::{Customer, CustomerId};
use crate::store::audit::{AuditAction, Outcome, Target};
use crate::store::licensing::{self as store, Counts, LicenseRow, PushState, StateRow};
use crate::store::{customers, settings};
use futures_util::future::BoxFuture;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;
use time::OffsetDateTime;

/// Usage at or above this share of the allocation raises an alert, unless set otherwise.
pub const DEFAULT_ALERT_PERCENT: u8 = 90;
/// The license expiry warning starts this many days before.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The applied license as the page shows it, with its expiry judged on the console's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct LicenseStatus {
    pub row: LicenseRow,
    pub days_left: i64,
    pub expired: bool,
    /// Expires within [`EXPIRY_WARNING_DAYS`].
    pub expiring_soon: bool,
}

impl LicenseStatus {
    fn new(row: LicenseRow, now: OffsetDateTime) -> Self {
        let days_left = (row.expires_at - now).whole_days();
        let expired = row.expires_at <= now;
        Self {
            expiring_soon: !expired && days_left <= EXPIRY_WARNING_DAYS,
            expired,
            days_left,
            row,
        }
    }
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
    pub license: Option<LicenseStatus>,
    pub threshold: u8,
    pub pool: Vec<PoolLine>,
    pub customers: Vec<CustomerLine>,
}

/// The allocation and usage report, and the file name to save it under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub file_name: String,
    pub csv: String,
}

/// One resource in the Allocation Details box.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    pub resource: String,
    pub label: String,
    pub total: u64,
    /// Free in the pool plus what this customer already has.
    pub available: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AllocationDetails {
    pub customer: Customer,
    pub version: i64,
    pub allocation: Counts,
    pub usage: Option<(Counts, OffsetDateTime)>,
    pub state: Option<StateRow>,
    pub limits: Vec<Limit>,
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

/// The licensing service.
pub struct Licensing {
    ctx: Arc<Context>,
}

impl Licensing {
    pub(crate) fn new(ctx: Arc<Context>) -> Arc<Self> {
        Arc::new(Self { ctx })
    }

    /// The License Management page: the license, the pool per resource, and every customer
    /// `actor` reaches.
    pub fn overview(&self, actor: &Actor) -> Result<LicenseOverview> {
        let now = self.ctx.now();
        self.ctx.store.read(|c| {
            let license = store::license(c)?;
            let pool = match &license {
                Some(l) => pool(c, l)?,
                None => Vec::new(),
            };
            let (allocations, usage) = (store::all_allocations(c)?, store::all_usage(c)?);
            let (states, alerts) = (store::all_push_states(c)?, store::alerts(c)?);
            let customers = customers::list(c)?
                .into_iter()
                .filter(|cu| actor.reaches(cu.id))
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
                license: license.map(|row| LicenseStatus::new(row, now)),
                threshold: threshold(c)?,
                pool,
                customers,
            })
        })
    }

    /// Applies (or replaces) the MSSP license, audited. A smaller pool than what is allocated
    /// is accepted and shown as over-allocated; those resources can then only shrink.
    pub fn apply(&self, text: &str, actor: &Actor) -> Result<LicenseOverview> {
        let result = parse_license(text, self.ctx.now(), &actor.username)
            .and_then(|row| self.ctx.store.write(|tx| store::set_license(tx, &row)).map(|()| row));
        let target = result.as_ref().map_or("license", |l| l.license_id.as_str());
        let action = AuditAction::LicenseApply;
        (self.ctx.audit).result(&actor.username, action, target, &result, None);
        result?;
        self.ctx.emit(ConsoleEvent::LicenseChanged);
        self.overview(actor)
    }

    pub fn set_threshold(&self, percent: u8) -> Result<()> {
        if !(50..=100).contains(&percent) {
            return Err(Error::field("threshold", "Choose a threshold from 50 to 100 %."));
        }
        self.ctx
            .store
            .write(|tx| settings::set(tx, "license_alert_percent", &percent.to_string()))?;
        self.ctx.emit(ConsoleEvent::LicenseChanged);
        Ok(())
    }

    /// The Allocation Details box of one customer.
    pub fn details(&self, customer: Customer) -> Result<AllocationDetails> {
        let id = customer.id;
        self.ctx.store.read(|c| {
            let allocation = store::allocation(c, id)?;
            let limits = match store::license(c)? {
                Some(l) => pool(c, &l)?
                    .into_iter()
                    .map(|p| {
                        let mine = allocation.get(&p.resource).copied().unwrap_or(0);
                        Limit {
                            available: p.available + mine.min(p.total),
                            resource: p.resource,
                            label: p.label,
                            total: p.total,
                        }
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

    /// Edit License → Update: checks every rule against the pool and usage and saves the new
    /// allocation (refusing a stale `version`), audited; then pushes it to the instance and
    /// checks usage against it.
    pub async fn update_allocation(
        &self,
        customer: Customer,
        version: i64,
        wanted: BTreeMap<String, i64>,
        actor: &Actor,
    ) -> Result<AllocationDetails> {
        let saved = self.save_allocation(&customer, version, &wanted, &actor.username);
        let summary = saved.as_ref().ok().map(describe);
        let action = AuditAction::LicenseAllocate;
        let audit = &self.ctx.audit;
        let target = Target::customer(customer.id, &customer.name);
        audit.result(&actor.username, action, target, &saved, summary.as_deref());
        saved?;
        self.ctx.emit(ConsoleEvent::LicenseChanged);
        self.push(&customer, &actor.username).await;
        self.evaluate_alerts(&customer);
        self.details(customer)
    }

    fn save_allocation(
        &self,
        customer: &Customer,
        version: i64,
        wanted: &BTreeMap<String, i64>,
        changed_by: &str,
    ) -> Result<Counts> {
        let now = self.ctx.now();
        self.ctx.store.write(|tx| {
            let license = store::license(tx)?.ok_or(Error::NoLicense)?;
            let current_version = store::state(tx, customer.id)?.map(|s| s.version).unwrap_or(0);
            if current_version != version {
                return Err(Error::Conflict(
                    "Someone else changed this allocation meanwhile. The current numbers are shown; edit again.".into(),
                ));
            }
            let next = judge_allocation(tx, customer, &license, wanted)?;
            store::set_allocation(tx, customer.id, &next)?;
            let previous = store::state(tx, customer.id)?;
            store::put_state(tx, customer.id, &StateRow {
                version: current_version + 1,
                push_state: PushState::Pending,
                push_reason: Some("not pushed yet".into()),
                changed_by: changed_by.to_owned(),
                changed_at: now,
                applied: previous.and_then(|p| p.applied),
            })?;
            Ok(next)
        })
    }

    /// The allocation and usage table as CSV (for a spreadsheet), named for today.
    pub fn report(&self, actor: &Actor) -> Result<Report> {
        let overview = self.overview(actor)?;
        let header = ["Customer", "Resource", "Allocated", "In use"].map(Cow::Borrowed);
        let rows = overview.customers.iter().flat_map(|c| {
            overview.pool.iter().map(move |p| {
                let allocated = c.allocation.get(&p.resource).copied().unwrap_or(0);
                let used = c.usage.as_ref().and_then(|u| u.get(&p.resource));
                vec![
                    Cow::Borrowed(c.name.as_str()),
                    Cow::Borrowed(p.label.as_str()),
                    Cow::Owned(allocated.to_string()),
                    Cow::Owned(used.map(u64::to_string).unwrap_or_default()),
                ]
            })
        });
        let csv = crate::spreadsheet::to_csv(std::iter::once(header.to_vec()).chain(rows));
        let file_name = format!("license-allocation-{}.csv", self.ctx.now().date());
        Ok(Report { file_name, csv })
    }

    /// Pushes a customer's allocation to its instance and records the outcome: applied;
    /// pending (the instance could not be reached: pushed again after its next successful
    /// sync); or failed (the instance refused it: the allocation goes back to what the
    /// instance has).
    async fn push(&self, customer: &Customer, actor: &str) {
        let id = customer.id;
        let store = &self.ctx.store;
        let Ok(Some(state)) = store.read(|c| store::state(c, id)) else {
            return;
        };
        let Ok(wanted) = store.read(|c| store::allocation(c, id)) else {
            return;
        };
        let result = match gate::connect(&self.ctx, customer).await {
            Ok(mut conn) => {
                let pushed = conn.put_allocation(&wanted).await;
                gate::learn(&self.ctx, customer, conn.client(), pushed.as_ref().map(|_| ()));
                pushed
            }
            Err(e) => Err(e),
        };
        let next = pushed_state(&state, &wanted, &result, self.ctx.now());
        let written = store.write(|tx| {
            if let Some(back) = &next.rolled_back {
                store::set_allocation(tx, id, back)?;
            }
            store::put_state(tx, id, &next.state)
        });
        if let Err(e) = written {
            tracing::error!(error = %e, "could not record an allocation push");
        }
        let outcome = match next.state.push_state {
            PushState::Applied => Outcome::Success,
            _ => Outcome::Failure,
        };
        let reason = next.state.push_reason.as_deref();
        let audit = &self.ctx.audit;
        let target = Target::customer(customer.id, &customer.name);
        audit.record(actor, AuditAction::LicensePush, target, outcome, reason);
        self.ctx.emit(ConsoleEvent::LicenseChanged);
    }

    /// Raises an alert (and one notification) when usage reaches the threshold of the
    /// allocation; clears it when usage drops below, so the next crossing notifies again.
    fn evaluate_alerts(&self, customer: &Customer) {
        let id = customer.id;
        let newly = self.ctx.store.write(|tx| {
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
        match newly {
            Ok(newly) => {
                for (resource, used, allocated) in &newly {
                    let what = label(resource).to_lowercase();
                    self.ctx.emit(ConsoleEvent::Notify(Notification::about(
                        NoticeKind::UsageAlert,
                        vec![customer.id],
                        format!("{} is near its {what} allocation", customer.name),
                        format!(
                            "{} uses {used} of {allocated} {what} ({}%).",
                            customer.name,
                            used * 100 / (*allocated).max(1)
                        ),
                    )));
                }
                if !newly.is_empty() {
                    self.ctx.emit(ConsoleEvent::LicenseChanged);
                }
            }
            Err(e) => tracing::error!(error = %e, "could not evaluate usage alerts"),
        }
    }
}

impl SyncObserver for Licensing {
    /// After a successful sync: push a pending allocation, and check usage against
    /// allocation.
    fn synced<'a>(&'a self, customer: &'a Customer) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let state = self.ctx.store.read(|c| store::state(c, customer.id));
            if let Ok(Some(StateRow { push_state: PushState::Pending, .. })) = state {
                self.push(customer, "system").await;
            }
            self.evaluate_alerts(customer);
        })
    }
}

/// Checks each wanted count against the pool and the customer's usage; every problem is a
/// field error keyed by the resource.
fn judge_allocation(
    tx: &rusqlite::Connection,
    customer: &Customer,
    license: &LicenseRow,
    wanted: &BTreeMap<String, i64>,
) -> Result<Counts> {
    let current = store::allocation(tx, customer.id)?;
    let usage = store::usage(tx, customer.id)?.map(|(u, _)| u).unwrap_or_default();
    let lines = pool(tx, license)?;
    let mut errors = FieldErrors::new();
    let mut next = Counts::new();
    for (resource, &n) in wanted {
        let Some(line) = lines.iter().find(|l| &l.resource == resource) else {
            let msg = format!("{} is not in the MSSP license.", label(resource));
            errors.insert(resource.clone(), msg);
            continue;
        };
        let Ok(n) = u64::try_from(n) else {
            errors.insert(resource.clone(), "Counts are whole numbers from 0 up.".into());
            continue;
        };
        let mine = current.get(resource).copied().unwrap_or(0);
        if n == mine {
            // Unchanged (often 0: not allocated yet) is not re-judged, so an admin can
            // allocate one resource without having to allocate every other at once.
            next.insert(resource.clone(), n);
            continue;
        }
        let free_for_me = line.total.saturating_sub(line.allocated - mine);
        let used = usage.get(resource).copied().unwrap_or(0);
        let what = line.label.to_lowercase();
        let problem = if n > mine && line.over_by > 0 {
            Some(format!(
                "{} are over-allocated by {} since the new license; reduce allocations before adding.",
                line.label, line.over_by
            ))
        } else if n > mine && n > free_for_me {
            Some(format!("Only {free_for_me} {what} are free; you asked for {n}."))
        } else if n < used {
            Some(format!("{} uses {used} {what}; allocate at least {used}.", customer.name))
        } else {
            None
        };
        if let Some(problem) = problem {
            errors.insert(resource.clone(), problem);
        }
        next.insert(resource.clone(), n);
    }
    // A resource left out of the request keeps its allocation: dropping it to nothing would
    // skip the "not below usage" rule.
    for (resource, &n) in &current {
        next.entry(resource.clone()).or_insert(n);
    }
    if errors.is_empty() { Ok(next) } else { Err(Error::Validation(errors)) }
}

fn describe(c: &Counts) -> String {
    c.iter().map(|(r, n)| format!("{} {n}", label(r))).collect::<Vec<_>>().join(", ")
}

/// The allocation state after a push, and the allocation to roll back to when the instance
/// refused it.
struct Pushed {
    state: StateRow,
    rolled_back: Option<Counts>,
}

fn pushed_state(
    state: &StateRow,
    wanted: &Counts,
    result: &Result<()>,
    now: OffsetDateTime,
) -> Pushed {
    let (push_state, reason, applied, rolled_back) = match result {
        Ok(()) => (PushState::Applied, None, Some(wanted.clone()), None),
        Err(Error::BelowUsage { resource, usage }) => (
            PushState::Failed,
            Some(format!(
                "The instance refused: it uses {usage} {}. The allocation is back to what the instance has.",
                label(resource).to_lowercase()
            )),
            state.applied.clone(),
            Some(state.applied.clone().unwrap_or_default()),
        ),
        Err(e) => (
            PushState::Pending,
            Some(format!("will be pushed after the next successful sync ({e})")),
            state.applied.clone(),
            None,
        ),
    };
    let rolled = rolled_back.is_some();
    Pushed {
        state: StateRow {
            version: state.version + i64::from(rolled),
            push_state,
            push_reason: reason,
            applied,
            changed_at: if rolled { now } else { state.changed_at },
            changed_by: state.changed_by.clone(),
        },
        rolled_back,
    }
}
