//! The façade's finding operations: the table's query (search, quick filters, tag, sort)
//! and each technician's kept sort.

use super::Console;
use crate::auth::Permission as P;
use crate::customers::CustomerView;
use crate::error::Result;
use crate::import;
use crate::model::CustomerId;
use crate::query::{self, CustomerQuery, QueryResult, Sort};
use crate::store::prefs;
use std::borrow::Cow;
use std::collections::HashMap;

const SORT_KEY: &str = "customers.sort";

impl Console {
    /// The customers this session sees that `q` finds, in its order, with the counts each
    /// other filter would show and a summary.
    pub fn query_customers(&self, q: &CustomerQuery) -> Result<QueryResult> {
        Ok(self.query_customers_with_head(q, 0)?.0)
    }

    /// `query_customers`, with the views of its first `head` rows (at most
    /// `query::MAX_HEAD`): what a window needs to draw its first screen before it holds the
    /// whole list.
    pub fn query_customers_with_head(
        &self,
        q: &CustomerQuery,
        head: usize,
    ) -> Result<(QueryResult, Vec<CustomerView>)> {
        let actor = self.actor(P::View)?;
        let tags = self.tags.list()?;
        query::validate(q, &tags)?;
        let views = self.views(&actor)?;
        let found = query::run(&views, &tags, q);
        let wanted: HashMap<CustomerId, usize> = found
            .ids
            .iter()
            .take(head.min(query::MAX_HEAD))
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        let mut head: Vec<Option<CustomerView>> = (0..wanted.len()).map(|_| None).collect();
        for view in views {
            if let Some(&at) = wanted.get(&view.customer.id) {
                head[at] = Some(view);
            }
        }
        Ok((found, head.into_iter().flatten().collect()))
    }

    /// "Export": the customers `q` finds, in its order, as CSV in the import's columns (so
    /// the file can be edited and imported elsewhere) plus health and sync status. Never a
    /// credential: the admin username and password columns are left empty.
    pub fn export_customers_csv(&self, q: &CustomerQuery) -> Result<String> {
        let actor = self.actor(P::View)?;
        let tags = self.tags.list()?;
        query::validate(q, &tags)?;
        let views = self.views(&actor)?;
        let found = query::run(&views, &tags, q);
        let by_id: HashMap<_, _> = views.iter().map(|v| (v.customer.id, v)).collect();
        let tag_names: HashMap<_, _> = tags.iter().map(|t| (t.id, t.name.as_str())).collect();
        let mut header: Vec<Cow<'_, str>> =
            import::header().into_iter().map(Cow::Borrowed).collect();
        header.extend(["Health", "Last sync", "Status"].map(Cow::Borrowed));
        let rows = found.ids.iter().filter_map(|id| by_id.get(id)).map(|v| {
            let c = &v.customer;
            let names: Vec<&str> =
                v.tags.iter().filter_map(|t| tag_names.get(t).copied()).collect();
            let last_sync = v.sync.at.map(crate::codec::ts).unwrap_or_default();
            vec![
                Cow::Owned(c.name.clone()),
                Cow::Owned(c.email.clone()),
                Cow::Owned(c.endpoint.server.clone()),
                Cow::Owned(c.endpoint.port.to_string()),
                Cow::Borrowed(c.endpoint.connection.as_str()),
                Cow::Borrowed(""),
                Cow::Borrowed(""),
                Cow::Owned(names.join("; ")),
                Cow::Borrowed(if c.cleartext { "yes" } else { "" }),
                Cow::Borrowed(v.health.state.as_str()),
                Cow::Owned(last_sync),
                Cow::Borrowed(v.sync.label()),
            ]
        });
        Ok(crate::spreadsheet::to_csv(std::iter::once(header).chain(rows)))
    }

    /// The sort this technician last chose for Customer Management (by name at first).
    pub fn customer_sort(&self) -> Result<Sort> {
        let actor = self.actor(P::View)?;
        let kept = self.ctx.store.read(|c| prefs::get(c, actor.technician_id, SORT_KEY))?;
        // A preference written by another version that no longer reads falls back quietly.
        Ok(kept.and_then(|text| serde_json::from_str(&text).ok()).unwrap_or_default())
    }

    /// Keeps this technician's sort (a view preference, not audited).
    pub fn set_customer_sort(&self, sort: Sort) -> Result<()> {
        let actor = self.actor(P::View)?;
        let text =
            serde_json::to_string(&sort).map_err(|e| crate::Error::Internal(e.to_string()))?;
        self.ctx.store.write(|tx| prefs::put(tx, actor.technician_id, SORT_KEY, &text))
    }
}
