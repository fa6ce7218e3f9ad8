//! The façade's tag operations: the tags themselves, and tagging customers one at a time or
//! in bulk. All changes are an administrator's (tagging can grant a technician delegated a
//! tag access) and audited.

use super::Console;
use crate::audit::AuditAction as A;
use crate::auth::{Actor, Permission as P};
use crate::error::Result;
use crate::model::{Customer, CustomerId, Tag, TagId};
use crate::validate::TagInput;
use std::collections::{HashMap, HashSet};

impl Console {
    /// Every tag, with how many customers carry it (the counts include customers the
    /// session cannot see only for administrators, who see all).
    pub fn list_tags(&self) -> Result<Vec<Tag>> {
        let actor = self.actor(P::View)?;
        let mut tags = self.tags.list()?;
        if !matches!(actor.reach, crate::auth::Reach::All) {
            let views = self.views(&actor)?;
            for tag in &mut tags {
                tag.customers = views.iter().filter(|v| v.tags.contains(&tag.id)).count();
            }
        }
        Ok(tags)
    }

    pub fn create_tag(&self, input: TagInput) -> Result<Tag> {
        let target = input.name.trim().to_owned();
        self.sessions.audited_now(A::TagCreate, target, |_| self.tags.create(&input))
    }

    /// Renames or recolours a tag.
    pub fn update_tag(&self, id: TagId, input: TagInput) -> Result<Tag> {
        let target = self.tags.get(id).map_or_else(|_| id.to_string(), |t| t.name);
        self.sessions.audited_now(A::TagUpdate, target, |_| self.tags.update(id, &input))
    }

    pub fn delete_tag(&self, id: TagId) -> Result<Tag> {
        let target = self.tags.get(id).map_or_else(|_| id.to_string(), |t| t.name);
        self.sessions.audited_now(A::TagDelete, target, |_| self.tags.delete(id))
    }

    /// "Add tag" / "Remove tag" on the chosen customers (a row, the detail view, or a bulk
    /// selection). Returns the customers that changed; each is audited.
    pub fn tag_customers(
        &self,
        tag: TagId,
        ids: &[CustomerId],
        add: bool,
    ) -> Result<Vec<CustomerId>> {
        let actor = self.actor(P::ManageCustomers)?;
        let customers = self.visible_all(&actor, ids)?;
        self.tags.apply(&actor, tag, &customers, add)
    }

    /// Sets one customer's tags to exactly `tags` (the row's and detail view's editor).
    pub fn set_customer_tags(&self, id: CustomerId, tags: &[TagId]) -> Result<Vec<TagId>> {
        let (actor, customer) = self.on(P::ManageCustomers, id)?;
        let now = self.ctx.store.read(|c| crate::store::tags::of_customer(c, id))?;
        for &tag in tags.iter().filter(|t| !now.contains(t)) {
            self.tags.apply(&actor, tag, std::slice::from_ref(&customer), true)?;
        }
        for &tag in now.iter().filter(|t| !tags.contains(t)) {
            self.tags.apply(&actor, tag, std::slice::from_ref(&customer), false)?;
        }
        self.ctx.store.read(|c| crate::store::tags::of_customer(c, id))
    }

    /// The customers `ids` (duplicates once), each of which the actor must see (`not_found`
    /// otherwise); read in one go, however many.
    pub(super) fn visible_all(&self, actor: &Actor, ids: &[CustomerId]) -> Result<Vec<Customer>> {
        let mut all: HashMap<CustomerId, Customer> =
            self.customers.list()?.into_iter().map(|c| (c.id, c)).collect();
        let (mut chosen, mut seen) = (Vec::with_capacity(ids.len()), HashSet::new());
        for id in ids {
            if !actor.reaches(*id) {
                return Err(crate::Error::NotFound("The customer".into()));
            }
            match all.remove(id) {
                Some(customer) => {
                    seen.insert(*id);
                    chosen.push(customer);
                }
                None if seen.contains(id) => {}
                None => return Err(crate::Error::NotFound("The customer".into())),
            }
        }
        Ok(chosen)
    }
}
