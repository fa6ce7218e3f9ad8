//! The technician service: the console's own users (Admin, Operator, Guest), their
//! passwords, and which customers each is delegated (by name, or by tag: "all customers
//! tagged emea"). Changes reach the customers' instances
//! through the sync service, which hears of them as [`ConsoleEvent::TechniciansChanged`].
//!
//! Must never store a password (Argon2id hashes only), never let an administrator take the
//! Admin role from or disable themselves, and never delegate a customer that does not exist.

use crate::auth::password;
use crate::context::{Context, blocking};
use crate::error::{Error, Result};
use crate::events::ConsoleEvent;
use crate::model::Role;
use crate::store::technicians::{self, NewTechnician, TechnicianRow};
use crate::store::{customers, tags};
use crate::validate::{self, TechnicianInput};
use secrecy::ExposeSecret;
use std::sync::Arc;

pub struct Technicians {
    ctx: Arc<Context>,
}

impl Technicians {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    pub fn list(&self) -> Result<Vec<TechnicianRow>> {
        self.ctx.store.read(technicians::list)
    }

    pub fn get(&self, id: i64) -> Result<TechnicianRow> {
        self.ctx.store.read(|c| technicians::get(c, id))
    }

    /// A technician's username for the audit, or the id when there is no such technician.
    pub fn name_or_id(&self, id: i64) -> String {
        self.get(id).map_or_else(|_| id.to_string(), |t| t.username)
    }

    /// Settings → Technicians → Add Technician.
    pub async fn add(&self, input: TechnicianInput) -> Result<TechnicianRow> {
        self.save(None, input).await
    }

    /// `me` is the administrator editing: they cannot take the Admin role from themselves.
    pub async fn update(&self, me: i64, id: i64, input: TechnicianInput) -> Result<TechnicianRow> {
        let existing = self.get(id)?;
        if existing.id == me && Role::from_input(&input.role) != Some(Role::Admin) {
            return Err(Error::field("role", "You cannot take the Admin role away from yourself."));
        }
        self.save(Some(id), input).await
    }

    async fn save(&self, id: Option<i64>, input: TechnicianInput) -> Result<TechnicianRow> {
        let valid = validate::validate_technician(&input, id.is_none())?;
        let existing = self.ctx.store.read(customers::list)?;
        if valid.customer_ids.iter().any(|c| !existing.iter().any(|e| e.id == *c)) {
            return Err(Error::field(
                "customerIds",
                "One of the chosen customers no longer exists.",
            ));
        }
        let known = self.ctx.store.read(tags::list)?;
        if valid.tag_ids.iter().any(|t| !known.iter().any(|k| k.id == *t)) {
            return Err(Error::field("tagIds", "One of the chosen tags no longer exists."));
        }
        let hash = match valid.password.clone() {
            Some(pw) => Some(blocking(move || password::hash_password(pw.expose_secret())).await?),
            None => None,
        };
        let now = self.ctx.now();
        let row = self.ctx.store.write(|tx| {
            let new = NewTechnician {
                username: &valid.username,
                email: &valid.email,
                password_hash: hash.as_deref().unwrap_or(""),
                role: valid.role,
                all_customers: valid.all_customers,
                customer_ids: &valid.customer_ids,
                tag_ids: &valid.tag_ids,
            };
            let id = match id {
                Some(id) => {
                    technicians::update(tx, id, &new, hash.as_deref())?;
                    id
                }
                None => technicians::insert(tx, &new, now)?,
            };
            technicians::get(tx, id)
        })?;
        self.ctx.emit(ConsoleEvent::TechniciansChanged);
        Ok(row)
    }

    /// Disables (or enables again) a technician: a disabled one cannot log in and is disabled
    /// on every customer at their next sync. `me` cannot disable themselves.
    pub fn set_enabled(&self, me: i64, id: i64, enabled: bool) -> Result<TechnicianRow> {
        if id == me && !enabled {
            return Err(Error::Forbidden("You cannot disable yourself.".into()));
        }
        let row = self.ctx.store.write(|tx| {
            technicians::set_enabled(tx, id, enabled)?;
            technicians::get(tx, id)
        })?;
        self.ctx.emit(ConsoleEvent::TechniciansChanged);
        Ok(row)
    }
}
