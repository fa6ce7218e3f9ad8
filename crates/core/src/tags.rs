//! The tag service: tags (create, rename, recolour, delete) and which customers carry them.
//! Tagging can grant a technician delegated a tag access to a customer, so every change is
//! an administrator's (the façade checks) and each customer tagged or untagged is audited,
//! in the same transaction as the change.
//!
//! Must never tag a customer the actor cannot see, and never leave a bulk change half
//! written: all of a batch's rows and audit entries commit together.

use crate::audit::{AuditAction, Target};
use crate::auth::Actor;
use crate::context::Context;
use crate::error::{Error, Result};
use crate::events::ConsoleEvent;
use crate::model::{Customer, CustomerId, Tag, TagId};
use crate::store::tags;
use crate::validate::{self, TagInput};
use std::sync::Arc;

/// The most tags a console keeps: enough for any grouping, few enough to show as filters.
pub const MAX_TAGS: usize = 500;

pub struct Tags {
    ctx: Arc<Context>,
}

impl Tags {
    pub(crate) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    pub fn list(&self) -> Result<Vec<Tag>> {
        self.ctx.store.read(tags::list)
    }

    pub fn get(&self, id: TagId) -> Result<Tag> {
        self.ctx.store.read(|c| tags::get(c, id))
    }

    pub fn create(&self, input: &TagInput) -> Result<Tag> {
        let (name, colour) = validate::validate_tag(input)?;
        let now = self.ctx.now();
        let id = self.ctx.store.write(|tx| {
            if tags::name_holder(tx, &name, None)?.is_some() {
                return Err(Error::field("name", format!("A tag named “{name}” already exists.")));
            }
            if tags::list(tx)?.len() >= MAX_TAGS {
                return Err(Error::field(
                    "name",
                    format!("A console keeps at most {MAX_TAGS} tags."),
                ));
            }
            tags::insert(tx, &name, colour, now)
        })?;
        self.changed();
        self.get(id)
    }

    /// Renames or recolours a tag; its customers and delegations keep it.
    pub fn update(&self, id: TagId, input: &TagInput) -> Result<Tag> {
        let (name, colour) = validate::validate_tag(input)?;
        self.ctx.store.write(|tx| {
            if tags::name_holder(tx, &name, Some(id))?.is_some() {
                return Err(Error::field("name", format!("A tag named “{name}” already exists.")));
            }
            tags::update(tx, id, &name, colour)
        })?;
        self.changed();
        self.get(id)
    }

    /// Deletes a tag: it leaves every customer, and technicians delegated it no longer reach
    /// customers through it.
    pub fn delete(&self, id: TagId) -> Result<Tag> {
        let tag = self.get(id)?;
        self.ctx.store.write(|tx| tags::delete(tx, id))?;
        self.changed();
        Ok(tag)
    }

    /// Puts the tag on (or, `add` false, takes it off) these customers, auditing each one that
    /// changed in the same transaction. Returns the customers that changed.
    pub fn apply(
        &self,
        actor: &Actor,
        id: TagId,
        customers: &[Customer],
        add: bool,
    ) -> Result<Vec<CustomerId>> {
        if let Some(hidden) = customers.iter().find(|c| !actor.reaches(c.id)) {
            return Err(Error::NotFound(format!("Customer {}", hidden.id)));
        }
        let tag = self.get(id)?;
        let ids: Vec<CustomerId> = customers.iter().map(|c| c.id).collect();
        let action = if add { AuditAction::CustomerTag } else { AuditAction::CustomerUntag };
        let audit = &self.ctx.audit;
        let changed = self.ctx.store.write(|tx| {
            let changed = if add { tags::tag(tx, id, &ids)? } else { tags::untag(tx, id, &ids)? };
            for c in customers.iter().filter(|c| changed.contains(&c.id)) {
                let target = Target::customer(c.id, &c.name);
                audit.record_in(tx, &actor.username, action, target, Some(&tag.name))?;
            }
            Ok(changed)
        })?;
        if !changed.is_empty() {
            self.changed();
        }
        Ok(changed)
    }

    /// Tags and reach changed: the window reloads its list, sessions count reach again.
    fn changed(&self) {
        self.ctx.emit(ConsoleEvent::CustomersChanged);
    }
}
