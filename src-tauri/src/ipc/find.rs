//! Finding customers in Customer Management: the query behind the search box, the quick
//! filters, the tag filter and the sort (answered with the ids in order and the counts each
//! filter would show), each technician's kept sort, and the export of what is found.

use super::ConsoleState;
use super::customers::Customer;
use super::license::{Export, save_download};
use crate::error::IpcResult;
use mssp_core::query::{CustomerQuery, QuickFilter, Sort};
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// How many rows each quick filter would show.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuickCounts {
    pub all: usize,
    pub down: usize,
    pub warning: usize,
    pub certificate_changed: usize,
    pub sync_failed: usize,
    pub never_synced: usize,
    pub unencrypted: usize,
}

/// What a query finds: the ids to show, in order.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueryAnswer {
    pub ids: Vec<String>,
    /// The first rows' customers, as many as asked for: the first screen can be drawn before
    /// the window holds the whole list.
    pub head: Vec<Customer>,
    /// Every customer this session sees.
    pub total: usize,
    pub counts: QuickCounts,
    /// By tag id: how many rows choosing that tag would show.
    #[ts(type = "Record<string, number>")]
    pub tag_counts: BTreeMap<i64, usize>,
    /// "37 of 2,140 customers: Down, tag emea".
    pub summary: String,
    /// The order the ids are in (the technician's kept sort when that was asked for).
    pub sort: Sort,
}

/// The table's rows for a search, quick filter, tag and sort, with the customers of the
/// first `head` rows (at most 200; none when not asked). `kept_sort`: sorted as this
/// technician last chose instead of `query.sort` (opening the page takes one round trip).
#[tauri::command(async)]
pub fn query_customers(
    console: ConsoleState<'_>,
    mut query: CustomerQuery,
    head: Option<u32>,
    kept_sort: Option<bool>,
) -> IpcResult<QueryAnswer> {
    if kept_sort == Some(true) {
        query.sort = console.customer_sort()?;
    }
    let want = head.map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let (found, head) = console.query_customers_with_head(&query, want)?;
    let n = |f| found.counts.get(&f).copied().unwrap_or(0);
    Ok(QueryAnswer {
        ids: found.ids.iter().map(|id| id.to_string()).collect(),
        head: head.into_iter().map(Customer::from).collect(),
        total: found.total,
        counts: QuickCounts {
            all: n(QuickFilter::All),
            down: n(QuickFilter::Down),
            warning: n(QuickFilter::Warning),
            certificate_changed: n(QuickFilter::CertificateChanged),
            sync_failed: n(QuickFilter::SyncFailed),
            never_synced: n(QuickFilter::NeverSynced),
            unencrypted: n(QuickFilter::Unencrypted),
        },
        tag_counts: found.tag_counts.iter().map(|(t, n)| (t.0, *n)).collect(),
        summary: found.summary,
        sort: query.sort,
    })
}

/// The sort this technician last chose.
#[tauri::command(async)]
pub fn get_customer_sort(console: ConsoleState<'_>) -> IpcResult<Sort> {
    Ok(console.customer_sort()?)
}

#[tauri::command(async)]
pub fn set_customer_sort(console: ConsoleState<'_>, sort: Sort) -> IpcResult<()> {
    Ok(console.set_customer_sort(sort)?)
}

/// "Export": what the query finds, as CSV in the Downloads folder (no credentials).
#[tauri::command(async)]
pub fn export_customers<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    console: ConsoleState<'_>,
    query: CustomerQuery,
) -> IpcResult<Export> {
    let csv = console.export_customers_csv(&query)?;
    let day = time::OffsetDateTime::now_utc().date();
    Ok(save_download(&app, &format!("mssp-customers-{day}.csv"), csv.as_bytes())?)
}
