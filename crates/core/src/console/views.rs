//! How the façade shows customers: each customer with what the monitor, the sync and the
//! certificate records know of it, composed here so no service has to import another.
//!
//! Must never read the store once per customer for a list: lists read in bulk.

use super::Console;
use crate::auth::Actor;
use crate::customers::{CertificateStatus, CustomerView};
use crate::error::Result;
use crate::model::Customer;
use crate::store::{certificates, tags};

impl Console {
    pub(super) fn view(&self, customer: Customer) -> CustomerView {
        let id = customer.id;
        let (health, sync) = (self.monitor.health(id), self.sync.status(id));
        let now = self.ctx.now();
        let certificate = self.customers.certificate(id).unwrap_or_default();
        let certificate = certificate.map(|row| CertificateStatus::judge(row, now));
        let tags = self.ctx.store.read(|c| tags::of_customer(c, id)).unwrap_or_default();
        let quiet = self.ctx.quiet.of(id, now);
        CustomerView { customer, health, sync, certificate, tags, quiet }
    }

    /// The customers `actor` may see, as the table shows them.
    pub(super) fn views(&self, actor: &Actor) -> Result<Vec<CustomerView>> {
        let (mut certs, now) = (self.ctx.store.read(certificates::all)?, self.ctx.now());
        let mut tagged = self.ctx.store.read(tags::by_customer)?;
        // The kept list, copied only for the customers this session reaches.
        let listed = self.customers.listed()?;
        let list = listed.iter().filter(|c| actor.reaches(c.id)).cloned();
        Ok(list
            .map(|customer| {
                let id = customer.id;
                let (health, sync) = (self.monitor.health(id), self.sync.status(id));
                let certificate = certs.remove(&id).map(|row| CertificateStatus::judge(row, now));
                let tags = tagged.remove(&id).unwrap_or_default();
                let quiet = self.ctx.quiet.of(id, now);
                CustomerView { customer, health, sync, certificate, tags, quiet }
            })
            .collect())
    }
}
