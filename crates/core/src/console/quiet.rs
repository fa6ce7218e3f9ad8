//! The façade's quiet times: maintenance windows (administrators plan them) and mutes (on-call
//! operators silence what they are handling), and the tray's model of who is down.

use super::Console;
use crate::audit::{AuditAction as A, Target};
use crate::auth::{Permission as P, Reach};
use crate::error::{Error, Result};
use crate::model::{CustomerId, HealthState, MaintenanceWindow, Mute, QuietScope, Schedule};
use crate::store::{quiet as store, tags};
use time::OffsetDateTime;

/// A maintenance window as an administrator plans it.
#[derive(Debug, Clone)]
pub struct MaintenanceInput {
    pub scope: QuietScope,
    pub schedule: Schedule,
    pub note: String,
}

/// How long a mute lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MuteFor {
    Hours(u32),
    UntilUnmuted,
}

/// The tray's menu, as the core decides it: the first down customers (the session may see),
/// how many more, and whether notifications are muted. Built here so tests can check it
/// where no tray host exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    /// Up to [`TRAY_DOWN_SHOWN`], by name; empty while the console is locked (no names).
    pub down: Vec<(CustomerId, String)>,
    /// Down customers not listed ("and N more"), or all of them while locked.
    pub more: usize,
    /// Every desktop notification is muted until then (`Some(None)`: until unmuted).
    pub muted_until: Option<Option<OffsetDateTime>>,
    pub offline_since: Option<OffsetDateTime>,
    pub locked: bool,
}

pub const TRAY_DOWN_SHOWN: usize = 10;
/// Longest mute a person can set (a week), beyond "until I unmute".
const MUTE_MAX_HOURS: u32 = 24 * 7;

impl Console {
    /// The maintenance windows this session may see (its customers' and every tag's).
    pub fn maintenance_windows(&self) -> Result<Vec<MaintenanceWindow>> {
        let actor = self.actor(P::View)?;
        let all = self.ctx.store.read(store::windows)?;
        Ok(all
            .into_iter()
            .filter(|w| match w.scope {
                QuietScope::Customer(id) => actor.reaches(id),
                _ => true,
            })
            .collect())
    }

    /// Plans (`id` None) or changes a maintenance window (administrators, audited).
    pub fn save_maintenance(
        &self,
        id: Option<i64>,
        input: MaintenanceInput,
    ) -> Result<MaintenanceWindow> {
        let target = self.quiet_target(input.scope);
        self.sessions.audited_now(A::MaintenanceSave, target, |actor| {
            crate::quiet::validate(&input.schedule)?;
            self.check_scope(input.scope, false)?;
            let note: String = input.note.trim().chars().take(200).collect();
            let window = MaintenanceWindow {
                id: 0,
                scope: input.scope,
                schedule: input.schedule.clone(),
                note,
                created_by: actor.username.clone(),
                created_at: self.ctx.now(),
            };
            let id = self.ctx.store.write(|tx| store::save_window(tx, id, &window))?;
            self.quiet_changed();
            Ok(MaintenanceWindow { id, ..window })
        })
    }

    pub fn delete_maintenance(&self, id: i64) -> Result<()> {
        let window = self.ctx.store.read(store::windows)?.into_iter().find(|w| w.id == id);
        let target = window
            .map_or_else(|| Target::from(format!("window {id}")), |w| self.quiet_target(w.scope));
        self.sessions.audited_now(A::MaintenanceDelete, target, |_| {
            self.ctx.store.write(|tx| store::delete_window(tx, id))?;
            self.quiet_changed();
            Ok(())
        })
    }

    /// The mutes in force.
    pub fn mutes(&self) -> Result<Vec<Mute>> {
        let actor = self.actor(P::View)?;
        let now = self.ctx.now();
        let all = self.ctx.store.read(store::mutes)?;
        Ok(all
            .into_iter()
            .filter(|m| m.until.is_none_or(|u| u > now))
            .filter(|m| match m.scope {
                QuietScope::Customer(id) => actor.reaches(id),
                _ => true,
            })
            .collect())
    }

    /// "Mute for 1 h / 4 h / 8 h / until I unmute": a customer (operators may, for those
    /// delegated to them), a tag (administrators), or every desktop notification of this
    /// computer (`QuietScope::All`). Audited.
    pub fn mute(&self, scope: QuietScope, duration: MuteFor) -> Result<Option<OffsetDateTime>> {
        let target = self.quiet_target(scope);
        self.sessions.audited_now(A::Mute, target, |actor| {
            self.check_scope(scope, true)?;
            let until = match duration {
                MuteFor::Hours(h) if (1..=MUTE_MAX_HOURS).contains(&h) => {
                    Some(self.ctx.now() + time::Duration::hours(h.into()))
                }
                MuteFor::Hours(_) => {
                    return Err(Error::field(
                        "hours",
                        format!("Mute for 1 to {MUTE_MAX_HOURS} hours."),
                    ));
                }
                MuteFor::UntilUnmuted => None,
            };
            let now = self.ctx.now();
            self.ctx.store.write(|tx| {
                store::prune_mutes(tx, now)?;
                store::mute(tx, scope, until, &actor.username, now)
            })?;
            self.quiet_changed();
            Ok(until)
        })
    }

    /// Mutes many customers at once (the bulk bar), each audited.
    pub fn mute_customers(&self, ids: &[CustomerId], duration: MuteFor) -> Result<usize> {
        let actor = self.actor(P::CheckAndSync)?;
        let chosen = self.visible_all(&actor, ids)?;
        for c in &chosen {
            self.mute(QuietScope::Customer(c.id), duration)?;
        }
        Ok(chosen.len())
    }

    pub fn unmute(&self, scope: QuietScope) -> Result<()> {
        let target = self.quiet_target(scope);
        self.sessions.audited_now(A::Unmute, target, |_| {
            self.check_scope(scope, true)?;
            self.ctx.store.write(|tx| store::unmute(tx, scope))?;
            self.quiet_changed();
            Ok(())
        })
    }

    /// The tray's menu for the person at the window now.
    pub fn tray_model(&self) -> TrayModel {
        let now = self.ctx.now();
        let muted_until = self.ctx.quiet.all_muted(now);
        let offline_since = self.monitor.offline_since();
        let observer = self.sessions.observer();
        let list = self.customers.list().unwrap_or_default();
        let mut down: Vec<(CustomerId, String)> = list
            .into_iter()
            .filter(|c| observer.as_ref().is_none_or(|a| a.reaches(c.id)))
            .filter(|c| self.monitor.health(c.id).state == HealthState::Down)
            .map(|c| (c.id, c.name))
            .collect();
        let locked = observer.is_none();
        if locked {
            return TrayModel {
                more: down.len(),
                down: Vec::new(),
                muted_until,
                offline_since,
                locked,
            };
        }
        down.sort_by_key(|(_, name)| crate::model::name_key(name));
        let more = down.len().saturating_sub(TRAY_DOWN_SHOWN);
        down.truncate(TRAY_DOWN_SHOWN);
        TrayModel { down, more, muted_until, offline_since, locked }
    }

    /// Who may set quiet for `scope`: a customer the actor sees; a tag or the whole console
    /// for administrators, except that anyone at the window may mute its own notifications.
    fn check_scope(&self, scope: QuietScope, muting: bool) -> Result<()> {
        let actor = self.actor(P::CheckAndSync)?;
        match scope {
            QuietScope::Customer(id) => self.customers.visible(&actor, id).map(drop),
            QuietScope::Tag(tag) => {
                if !matches!(actor.reach, Reach::All) || actor.role < crate::model::Role::Admin {
                    return Err(Error::Forbidden("Only administrators quiet a whole tag.".into()));
                }
                self.ctx.store.read(|c| tags::get(c, tag)).map(drop)
            }
            QuietScope::All if muting => Ok(()),
            QuietScope::All => Err(Error::field("scope", "Choose a customer or a tag.")),
        }
    }

    fn quiet_target(&self, scope: QuietScope) -> Target {
        match scope {
            QuietScope::Customer(id) => {
                Target::customer(id, self.customers.name_or(id, || id.to_string()))
            }
            QuietScope::Tag(tag) => {
                let name = self.ctx.store.read(|c| tags::get(c, tag)).map(|t| t.name);
                Target::from(format!("tag {}", name.unwrap_or_else(|_| tag.to_string())))
            }
            QuietScope::All => Target::from("all desktop notifications"),
        }
    }

    fn quiet_changed(&self) {
        if let Err(e) = self.ctx.quiet.reload() {
            tracing::error!(error = %e, "could not read maintenance windows and mutes again");
        }
        self.ctx.emit(crate::events::ConsoleEvent::QuietChanged);
    }
}
