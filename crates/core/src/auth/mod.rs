//! The session service: the console's own first-run administrator, logging in and out, the
//! session of the person at the window with its idle lock, and [`Sessions::authorize`], which
//! turns the session into an [`Actor`] holding a [`Permission`].
//!
//! Must never store or log a password (Argon2id hashes only, see [`password`]), never reveal
//! whether a username exists (unknown users cost the same hash as wrong passwords), and never
//! count a background refresh as the person's activity.

pub mod password;
pub mod permission;
mod throttle;

pub use permission::{Actor, Permission, Reach};

use crate::audit::{AuditAction, Outcome, Target};
use crate::context::{Context, blocking};
use crate::error::{Error, Result};
use crate::events::ConsoleEvent;
use crate::locks::lock;
use crate::model::Role;
use crate::store::technicians::{self, NewTechnician, TechnicianRow};
use crate::validate;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};
use zeroize::Zeroizing;

tokio::task_local! {
    /// The technician an operation runs for when it comes over the local channel
    /// (`mssp-admin` beside the running console): not the window's session.
    static ACTING_AS: i64;
}

/// Runs `work` as the technician `technician_id` (already authenticated), whatever the
/// window's session is.
pub async fn acting_as<F: std::future::Future>(technician_id: i64, work: F) -> F::Output {
    ACTING_AS.scope(technician_id, work).await
}

/// The console locks itself after this long without activity.
pub const IDLE_LOCK: Duration = Duration::minutes(15);

/// Who is at the window, and when they last did something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub technician_id: i64,
    pub username: String,
    pub role: Role,
    pub last_activity: OffsetDateTime,
}

impl Session {
    pub fn is_idle(&self, now: OffsetDateTime) -> bool {
        now - self.last_activity >= IDLE_LOCK
    }
}

pub struct Sessions {
    ctx: Arc<Context>,
    current: Mutex<Option<Session>>,
    /// The observer's role and reach, read once per session and technician change: every
    /// health event of a sweep asks for it.
    observed: Arc<Mutex<Option<Actor>>>,
}

impl Sessions {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        let observed: Arc<Mutex<Option<Actor>>> = Arc::default();
        let stale = observed.clone();
        ctx.events.on(move |event| {
            // A technician's reach changes with their delegation, and with the tags on
            // customers (delegation by tag).
            if matches!(event, ConsoleEvent::TechniciansChanged | ConsoleEvent::CustomersChanged) {
                lock(&stale).take();
            }
        });
        Self { ctx, current: Mutex::new(None), observed }
    }

    /// True until the first administrator has been created.
    pub fn needs_setup(&self) -> Result<bool> {
        Ok(self.ctx.store.read(technicians::count)? == 0)
    }

    /// The first run's "Create administrator"; logs the new administrator in.
    pub async fn create_admin(
        &self,
        username: &str,
        password: &str,
        confirm: &str,
    ) -> Result<Session> {
        let username = validate::validate_new_admin(username, password, confirm)?;
        if !self.needs_setup()? {
            return Err(Error::AlreadySetUp);
        }
        let password = Zeroizing::new(password.to_owned());
        let hash = blocking(move || password::hash_password(&password)).await?;
        let now = self.ctx.now();
        let id = self.ctx.store.write(|tx| {
            // Checked again inside the transaction: two first-run windows cannot both win.
            if technicians::count(tx)? > 0 {
                return Err(Error::AlreadySetUp);
            }
            let new = NewTechnician {
                username: &username,
                email: "",
                password_hash: &hash,
                role: Role::Admin,
                all_customers: true,
                customer_ids: &[],
                tag_ids: &[],
            };
            technicians::insert(tx, &new, now)
        })?;
        let audit = &self.ctx.audit;
        audit.record(&username, AuditAction::AdminCreate, &username, Outcome::Success, None);
        Ok(self.start(id, username, Role::Admin))
    }

    /// "Log in to Log360 MSSP".
    pub async fn login(&self, username: &str, password: &str) -> Result<Session> {
        let row = self.authenticate(username, password, None).await?;
        Ok(self.start(row.id, row.username, row.role))
    }

    /// Checks a technician's username and password (with the backoff after failures, and
    /// audited, `via` saying from where when not the window) without starting the window's
    /// session: for `mssp-admin` talking to the running console.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
        via: Option<&str>,
    ) -> Result<TechnicianRow> {
        if self.needs_setup()? {
            return Err(Error::SetupRequired);
        }
        let now = self.ctx.now();
        let audit = &self.ctx.audit;
        let typed = crate::sanitize::clean(username, 128);
        let failed = |why: &str| {
            let why = match via {
                Some(via) => format!("{why} ({via})"),
                None => why.to_owned(),
            };
            audit.record(&typed, AuditAction::Login, typed.as_str(), Outcome::Failure, Some(&why));
        };
        if let Err(e) = self.ctx.store.read(|c| throttle::check(c, username, now)) {
            failed("throttled after failed logins");
            return Err(e);
        }
        let row = self.ctx.store.read(|c| technicians::by_username(c, username))?;
        let ok = self.verify(password, row.as_ref()).await?;
        let counted = if ok {
            self.ctx.store.write(|tx| throttle::succeeded(tx, username))
        } else {
            self.ctx.store.write(|tx| throttle::failed(tx, username, now))
        };
        if let Err(e) = counted {
            tracing::error!(error = %e, "could not count a login attempt");
        }
        match row {
            Some(row) if ok && !row.enabled => {
                failed("technician disabled");
                Err(Error::AuthFailed(
                    "This technician is disabled. Ask an administrator to enable it.".into(),
                ))
            }
            Some(row) if ok => {
                let name = &row.username;
                audit.record(name, AuditAction::Login, name, Outcome::Success, via);
                Ok(row)
            }
            _ => {
                failed("wrong username or password");
                Err(Error::AuthFailed("The username or password is incorrect.".into()))
            }
        }
    }

    /// Argon2 verification off the async threads; an unknown user is verified against a
    /// dummy hash so that "no such user" takes as long as "wrong password".
    async fn verify(&self, password: &str, row: Option<&TechnicianRow>) -> Result<bool> {
        let hash = row
            .map(|r| r.password_hash.clone())
            .unwrap_or_else(|| password::dummy_hash().to_owned());
        let password = Zeroizing::new(password.to_owned());
        blocking(move || Ok(password::verify_password(&password, &hash))).await
    }

    fn start(&self, technician_id: i64, username: String, role: Role) -> Session {
        let session = Session { technician_id, username, role, last_activity: self.ctx.now() };
        *lock(&self.current) = Some(session.clone());
        lock(&self.observed).take();
        session
    }

    /// Tells the window that the administrator was created by someone else (`mssp-admin`).
    pub fn announce_set_up_elsewhere(&self) {
        self.ctx.emit(ConsoleEvent::SetUpElsewhere);
    }

    pub fn logout(&self) {
        lock(&self.current).take();
        lock(&self.observed).take();
    }

    /// The current session without counting as activity (for the first screen).
    pub fn current(&self) -> Option<Session> {
        let now = self.ctx.now();
        lock(&self.current).clone().filter(|s| !s.is_idle(now))
    }

    /// The session of the person acting now, counting this as activity; `locked` when there
    /// is none or it idled out.
    pub fn touch(&self) -> Result<Session> {
        self.live(true)
    }

    /// The live session; `touch` counts this as the person's activity. Only the person's
    /// own input and the operations they start count: the window's background refreshes
    /// (reads) must not keep an unattended console unlocked.
    fn live(&self, touch: bool) -> Result<Session> {
        let now = self.ctx.now();
        let mut slot = lock(&self.current);
        match slot.as_mut() {
            Some(s) if !s.is_idle(now) => {
                if touch {
                    s.last_activity = now;
                }
                Ok(s.clone())
            }
            Some(_) => {
                *slot = None;
                drop(slot);
                self.ctx.emit(ConsoleEvent::SessionLocked);
                Err(Error::Locked)
            }
            None => Err(Error::Locked),
        }
    }

    /// Locks the console if the session has idled out; the shell calls this on a timer so
    /// the window locks even when nobody clicks.
    pub fn enforce_idle_lock(&self) {
        let now = self.ctx.now();
        let mut slot = lock(&self.current);
        if slot.as_ref().is_some_and(|s| s.is_idle(now)) {
            *slot = None;
            drop(slot);
            self.ctx.emit(ConsoleEvent::SessionLocked);
        }
    }

    /// The person acting now, if they hold `permission`: enforced here, not only by hidden
    /// buttons. The stored role and delegation count, not the ones at login: a demoted
    /// technician loses their rights at once, a disabled one is logged out.
    pub fn authorize(&self, permission: Permission) -> Result<Actor> {
        let technician_id = match ACTING_AS.try_with(|id| *id) {
            Ok(id) => id,
            Err(_) => self.live(permission.is_activity())?.technician_id,
        };
        self.authorize_technician(technician_id, permission)
    }

    fn authorize_technician(&self, technician_id: i64, permission: Permission) -> Result<Actor> {
        let me = self
            .ctx
            .store
            .read(|c| technicians::get(c, technician_id))
            .map_err(|_| Error::Locked)?;
        if !me.enabled {
            if ACTING_AS.try_with(|_| ()).is_err() {
                self.logout();
            }
            return Err(Error::Locked);
        }
        if me.role < permission.role() {
            return Err(Error::Forbidden(permission.denied().to_owned()));
        }
        Ok(actor_of(me))
    }

    /// The one way an operation is carried out for a person: checks the permission its
    /// action needs, runs `op` as that actor, and audits how it ended against `target` (with
    /// `reason` when the person gave one). A refused permission is not audited: nothing ran.
    pub async fn audited<T>(
        &self,
        action: AuditAction,
        target: impl Into<Target>,
        reason: Option<&str>,
        op: impl AsyncFnOnce(&Actor) -> Result<T>,
    ) -> Result<T> {
        let actor = self.authorize(action.into())?;
        let result = op(&actor).await;
        self.ctx.audit.result(&actor.username, action, target, &result, reason);
        result
    }

    /// [`Sessions::audited`] for an operation that does not wait.
    pub fn audited_now<T>(
        &self,
        action: AuditAction,
        target: impl Into<Target>,
        op: impl FnOnce(&Actor) -> Result<T>,
    ) -> Result<T> {
        let actor = self.authorize(action.into())?;
        let result = op(&actor);
        self.ctx.audit.result(&actor.username, action, target, &result, None);
        result
    }

    /// Who is at the window now, without counting as their activity: `None` while the console
    /// is locked. For deciding what background notices may show.
    pub fn observer(&self) -> Option<Actor> {
        let session = self.current()?;
        let mut cached = lock(&self.observed);
        if let Some(actor) = cached.as_ref().filter(|a| a.technician_id == session.technician_id) {
            return Some(actor.clone());
        }
        let me = self.ctx.store.read(|c| technicians::get(c, session.technician_id)).ok()?;
        let actor = me.enabled.then(|| actor_of(me))?;
        *cached = Some(actor.clone());
        Some(actor)
    }

    /// "Confirm Password": the actor's own password, asked again before a delete.
    pub async fn confirm_password(&self, actor: &Actor, password: &str) -> Result<()> {
        let row = self
            .ctx
            .store
            .read(|c| technicians::by_username(c, &actor.username))?
            .ok_or(Error::Locked)?;
        if self.verify(password, Some(&row)).await? { Ok(()) } else { Err(Error::WrongPassword) }
    }
}

/// The actor a technician row makes: its reach counted now, tags resolved to the customers
/// that carry them now.
fn actor_of(me: TechnicianRow) -> Actor {
    let reach = if me.role == Role::Admin || me.all_customers {
        Reach::All
    } else {
        Reach::Only(me.reached().collect())
    };
    Actor { technician_id: me.id, username: me.username, role: me.role, reach }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_after_fifteen_minutes() {
        let t0 = time::macros::datetime!(2026-11-25 09:00 UTC);
        let s = Session {
            technician_id: 1,
            username: "admin".into(),
            role: Role::Admin,
            last_activity: t0,
        };
        assert!(!s.is_idle(t0 + Duration::minutes(14)));
        assert!(s.is_idle(t0 + Duration::minutes(15)));
    }
}
