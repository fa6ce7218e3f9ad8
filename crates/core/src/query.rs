//! Finding customers: the search box, the quick filters, the tag filter and the sort of
//! Customer Management, as one pure function over the customers a session may see. The
//! window, `mssp-admin list`, the export and "select all N matching" all ask this one
//! function, so a filter means the same everywhere.
//!
//! Runs in memory over the views the façade builds in bulk (one read of the customers, their
//! tags and certificates; health and sync state are the services' own, already in memory):
//! at 10,000 customers that is a few milliseconds, less than a round trip to SQLite with the
//! same joins, and health changes need no write before they can be filtered on.
//!
//! Must never read anything itself (it gets the views) and never count a customer twice.

use crate::customers::CustomerView;
use crate::error::{Error, FieldErrors, Result};
use crate::model::{CustomerId, HealthState, SyncState, Tag, TagId};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Longest search text considered (a person types a few words).
pub const MAX_TEXT_CHARS: usize = 200;
/// The most rows whose views one answer carries with it (a tall screen of rows and more).
pub const MAX_HEAD: usize = 200;

/// The quick filters above the table.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    ts_rs::TS,
)]
#[serde(rename_all = "camelCase")]
pub enum QuickFilter {
    #[default]
    All,
    /// The health monitor counts it down.
    Down,
    /// Up but degraded (some component not running), or its certificate expires soon.
    Warning,
    /// It presents another certificate than the trusted one, awaiting review.
    CertificateChanged,
    /// Its last sync failed.
    SyncFailed,
    NeverSynced,
    /// Its credentials go over HTTP, as the admin chose.
    Unencrypted,
}

impl QuickFilter {
    pub const ALL: [QuickFilter; 7] = [
        QuickFilter::All,
        QuickFilter::Down,
        QuickFilter::Warning,
        QuickFilter::CertificateChanged,
        QuickFilter::SyncFailed,
        QuickFilter::NeverSynced,
        QuickFilter::Unencrypted,
    ];

    /// The label a person reads (the summary uses it too).
    pub fn label(self) -> &'static str {
        match self {
            QuickFilter::All => "All",
            QuickFilter::Down => "Down",
            QuickFilter::Warning => "Warning",
            QuickFilter::CertificateChanged => "Certificate changed",
            QuickFilter::SyncFailed => "Sync failed",
            QuickFilter::NeverSynced => "Never synced",
            QuickFilter::Unencrypted => "Unencrypted",
        }
    }

    /// As typed on the command line: `down`, `sync-failed`, `certificate-changed`, …
    pub fn from_input(s: &str) -> Option<Self> {
        let wanted: String =
            s.trim().chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
        Self::ALL.into_iter().find(|f| {
            f.label().chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase()
                == wanted
        })
    }

    pub fn matches(self, v: &CustomerView) -> bool {
        match self {
            QuickFilter::All => true,
            QuickFilter::Down => v.health.state == HealthState::Down,
            QuickFilter::Warning => {
                (v.health.state == HealthState::Up && v.health.reason.is_some())
                    || v.certificate.as_ref().is_some_and(|c| c.expiring_soon)
            }
            QuickFilter::CertificateChanged => {
                v.certificate.as_ref().is_some_and(|c| c.row.changed_to.is_some())
            }
            QuickFilter::SyncFailed => v.sync.state == SyncState::Failed,
            QuickFilter::NeverSynced => v.sync.state == SyncState::Never,
            QuickFilter::Unencrypted => v.customer.cleartext,
        }
    }
}

/// The sortable columns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub enum SortKey {
    #[default]
    Name,
    /// Down first, then not checked yet, then up.
    Health,
    /// Server, then port.
    Server,
    /// Least recently synced first (never synced before all).
    LastSync,
    /// Failed first, then never synced, in progress, successful.
    Status,
}

/// A column and its direction; kept per technician.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Sort {
    pub key: SortKey,
    #[serde(default)]
    pub descending: bool,
}

/// What the table is asked to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomerQuery {
    /// Words that must each appear in the name, mail, server (with port) or a tag's name,
    /// ignoring case.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub quick: QuickFilter,
    /// Only customers carrying this tag.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub tag: Option<TagId>,
    #[serde(default)]
    pub sort: Sort,
}

/// The customers a query finds, in order, and what each filter would find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryResult {
    pub ids: Vec<CustomerId>,
    /// Every customer the session sees.
    pub total: usize,
    /// Per quick filter: how many rows choosing it would show (with the same text and tag).
    pub counts: BTreeMap<QuickFilter, usize>,
    /// Per tag: how many rows choosing it would show (with the same text and quick filter).
    pub tag_counts: BTreeMap<TagId, usize>,
    /// "37 of 2,140 customers: Down, tag emea, matching “acme”".
    pub summary: String,
}

/// Checks a query as typed: the text bounded, the tag one that exists.
pub fn validate(query: &CustomerQuery, tags: &[Tag]) -> Result<()> {
    let mut errors = FieldErrors::new();
    if query.text.chars().count() > MAX_TEXT_CHARS {
        errors.insert("text", format!("Search for at most {MAX_TEXT_CHARS} characters."));
    }
    if let Some(tag) = query.tag
        && !tags.iter().any(|t| t.id == tag)
    {
        errors.insert("tag", "That tag no longer exists.".into());
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::Validation(errors)) }
}

/// Runs `query` over `views` (the customers a session sees).
pub fn run(views: &[CustomerView], tags: &[Tag], query: &CustomerQuery) -> QueryResult {
    let words = words(&query.text);
    let tag_names: BTreeMap<TagId, String> =
        tags.iter().map(|t| (t.id, fold(&t.name).into_owned())).collect();
    let texts: Vec<bool> = views.iter().map(|v| matches_text(v, &words, &tag_names)).collect();
    let has_tag = |v: &CustomerView| query.tag.is_none_or(|t| v.tags.contains(&t));

    let mut counts: BTreeMap<QuickFilter, usize> =
        QuickFilter::ALL.iter().map(|&f| (f, 0)).collect();
    let mut tag_counts: BTreeMap<TagId, usize> = tags.iter().map(|t| (t.id, 0)).collect();
    let mut found: Vec<&CustomerView> = Vec::new();
    for (v, &text_ok) in views.iter().zip(&texts) {
        if !text_ok {
            continue;
        }
        if has_tag(v) {
            for f in QuickFilter::ALL {
                if f.matches(v) {
                    *counts.entry(f).or_default() += 1;
                }
            }
        }
        if query.quick.matches(v) {
            for t in &v.tags {
                if let Some(n) = tag_counts.get_mut(t) {
                    *n += 1;
                }
            }
            if has_tag(v) {
                found.push(v);
            }
        }
    }
    // Each name folded once, not once per comparison.
    let mut keyed: Vec<(String, &CustomerView)> =
        found.into_iter().map(|v| (crate::model::name_key(&v.customer.name), v)).collect();
    keyed.sort_by(|(ka, a), (kb, b)| compare(a, ka, b, kb, query.sort));
    let summary = summary(keyed.len(), views.len(), query, tags);
    QueryResult {
        ids: keyed.iter().map(|(_, v)| v.customer.id).collect(),
        total: views.len(),
        counts,
        tag_counts,
        summary,
    }
}

/// Lower-cased, NFC: what the search compares. ASCII (already NFC) takes the cheap path:
/// every customer's fields are folded at every keystroke.
fn fold(s: &str) -> Cow<'_, str> {
    use unicode_normalization::UnicodeNormalization;
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Cow::Owned(s.to_ascii_lowercase());
        }
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.nfc().collect::<String>().to_lowercase())
}

fn words(text: &str) -> Vec<String> {
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    fold(&text).split_whitespace().map(str::to_owned).collect()
}

fn matches_text(v: &CustomerView, words: &[String], tag_names: &BTreeMap<TagId, String>) -> bool {
    if words.is_empty() {
        return true;
    }
    let c = &v.customer;
    // Each word must appear within one field (words hold no white space, so none can span
    // two); the server is searched with its port, as the table shows it.
    let server = format!("{}:{}", fold(&c.endpoint.server), c.endpoint.port);
    let fields = [fold(&c.name), fold(&c.email), Cow::Owned(server)];
    let tags: Vec<&str> =
        v.tags.iter().filter_map(|t| tag_names.get(t)).map(String::as_str).collect();
    words.iter().all(|w| {
        fields.iter().any(|f| f.contains(w.as_str())) || tags.iter().any(|t| t.contains(w.as_str()))
    })
}

/// `name_a` and `name_b`: the customers' folded names (`name_key`).
fn compare(a: &CustomerView, name_a: &str, b: &CustomerView, name_b: &str, sort: Sort) -> Ordering {
    let by_name = || natural_cmp(name_a, name_b);
    let primary = match sort.key {
        SortKey::Name => Ordering::Equal,
        SortKey::Health => health_rank(a).cmp(&health_rank(b)),
        SortKey::Server => {
            // As if lower-cased, without a string per comparison.
            let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<Vec<_>>();
            let (sa, sb) = (&a.customer.endpoint.server, &b.customer.endpoint.server);
            let by_server = if sa.is_ascii() && sb.is_ascii() {
                sa.bytes()
                    .map(|c| c.to_ascii_lowercase())
                    .cmp(sb.bytes().map(|c| c.to_ascii_lowercase()))
            } else {
                lower(sa).cmp(&lower(sb))
            };
            by_server.then(a.customer.endpoint.port.cmp(&b.customer.endpoint.port))
        }
        SortKey::LastSync => a.sync.at.cmp(&b.sync.at),
        SortKey::Status => status_rank(a).cmp(&status_rank(b)),
    };
    let ordering = primary.then_with(by_name);
    if sort.descending { ordering.reverse() } else { ordering }
}

/// Names as people read them: a run of digits compares by its value, so "Customer 2" comes
/// before "Customer 10" (and "Customer 998" before "Customer 1000").
fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let (from_i, from_j) = (i, j);
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            let zeros = |d: &[u8]| d.iter().take_while(|&&c| c == b'0').count();
            let (x, y) = (&a[from_i..i], &b[from_j..j]);
            let (x, y) = (&x[zeros(x)..], &y[zeros(y)..]);
            let by_value = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
            if by_value != Ordering::Equal {
                return by_value;
            }
        } else if a[i] != b[j] {
            // Bytes of UTF-8 compare in code point order.
            return a[i].cmp(&b[j]);
        } else {
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

fn health_rank(v: &CustomerView) -> u8 {
    match v.health.state {
        HealthState::Down => 0,
        HealthState::Up if v.health.reason.is_some() => 1,
        HealthState::Unknown => 2,
        HealthState::Up => 3,
    }
}

fn status_rank(v: &CustomerView) -> u8 {
    match v.sync.state {
        SyncState::Failed => 0,
        SyncState::Never => 1,
        SyncState::Running => 2,
        SyncState::Success => 3,
    }
}

/// "37 of 2,140 customers: Down, tag emea, matching “acme”"; "2,140 customers" unfiltered.
fn summary(found: usize, total: usize, query: &CustomerQuery, tags: &[Tag]) -> String {
    let mut parts = Vec::new();
    if query.quick != QuickFilter::All {
        parts.push(query.quick.label().to_owned());
    }
    if let Some(tag) = query.tag.and_then(|id| tags.iter().find(|t| t.id == id)) {
        parts.push(format!("tag {}", tag.name));
    }
    let text = query.text.trim();
    if !text.is_empty() {
        let shown: String = text.chars().take(40).collect();
        parts.push(format!("matching “{shown}”"));
    }
    let noun = if total == 1 { "customer" } else { "customers" };
    if parts.is_empty() {
        format!("{} {noun}", grouped(total))
    } else {
        format!("{} of {} {noun}: {}", grouped(found), grouped(total), parts.join(", "))
    }
}

/// 2140 → "2,140".
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::CertificateStatus;
    use crate::model::{ConnectionType, Customer, Endpoint, Health, SyncStatus, TagColour};
    use crate::store::certificates::CertificateRow;
    use time::OffsetDateTime;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

    fn view(name: &str, server: &str, port: u16) -> CustomerView {
        CustomerView {
            customer: Customer {
                id: CustomerId::new(),
                name: name.into(),
                email: format!("soc@{}.example.com", name.to_lowercase().replace(' ', "")),
                endpoint: Endpoint {
                    connection: ConnectionType::Https,
                    server: server.into(),
                    port,
                },
                instance_id: uuid::Uuid::new_v4(),
                build: 7100,
                pin: None,
                cleartext: false,
                created_at: NOW,
                updated_at: NOW,
            },
            health: Health::unknown(),
            sync: SyncStatus::never(),
            certificate: None,
            tags: vec![],
            quiet: None,
        }
    }

    fn tag(id: i64, name: &str) -> Tag {
        Tag { id: TagId(id), name: name.into(), colour: TagColour::Blue, customers: 0 }
    }

    fn names(views: &[CustomerView], r: &QueryResult) -> Vec<String> {
        r.ids
            .iter()
            .map(|id| views.iter().find(|v| v.customer.id == *id).unwrap().customer.name.clone())
            .collect()
    }

    fn fixture() -> (Vec<CustomerView>, Vec<Tag>) {
        let tags = vec![tag(1, "EMEA"), tag(2, "tier-1")];
        let mut acme = view("Acme Corp", "acme.example.com", 8443);
        acme.health.state = HealthState::Down;
        acme.tags = vec![TagId(1)];
        acme.sync =
            SyncStatus { state: SyncState::Failed, at: Some(NOW), reason: Some("x".into()) };
        let mut globex = view("Globex", "10.0.0.7", 8400);
        globex.health.state = HealthState::Up;
        globex.health.reason = Some("Log collector is not running".into());
        globex.tags = vec![TagId(1), TagId(2)];
        globex.sync = SyncStatus { state: SyncState::Success, at: Some(NOW), reason: None };
        let mut initech = view("Initech", "initech.example.net", 8443);
        initech.health.state = HealthState::Up;
        initech.customer.cleartext = true;
        initech.sync = SyncStatus {
            state: SyncState::Success,
            at: Some(datetime!(2026-11-30 12:00 UTC)),
            reason: None,
        };
        let mut umbrella = view("Umbrella Health", "umbrella.example.org", 443);
        umbrella.health.state = HealthState::Up;
        umbrella.certificate = Some(CertificateStatus {
            row: CertificateRow {
                sha256: "aa".into(),
                not_after: datetime!(2026-12-10 00:00 UTC),
                expiry_notified: false,
                changed_to: Some("bb".into()),
                changed_at: Some(NOW),
            },
            expiring_soon: true,
        });
        (vec![acme, globex, initech, umbrella], tags)
    }

    #[test]
    fn every_word_must_match_name_mail_server_or_tag_ignoring_case() {
        let (views, tags) = fixture();
        let q = |text: &str| CustomerQuery { text: text.into(), ..Default::default() };
        assert_eq!(names(&views, &run(&views, &tags, &q("ACME"))), ["Acme Corp"]);
        assert_eq!(names(&views, &run(&views, &tags, &q("emea"))), ["Acme Corp", "Globex"]);
        assert_eq!(names(&views, &run(&views, &tags, &q("emea tier"))), ["Globex"]);
        assert_eq!(names(&views, &run(&views, &tags, &q("10.0.0"))), ["Globex"]);
        assert_eq!(names(&views, &run(&views, &tags, &q(":8443"))), ["Acme Corp", "Initech"]);
        assert_eq!(names(&views, &run(&views, &tags, &q(":443"))), ["Umbrella Health"]);
        assert_eq!(names(&views, &run(&views, &tags, &q("soc@initech"))), ["Initech"]);
        assert!(run(&views, &tags, &q("nothing like it")).ids.is_empty());
        assert_eq!(run(&views, &tags, &q("   ")).ids.len(), 4, "blank text filters nothing");
    }

    #[test]
    fn quick_filters_and_their_counts() {
        let (views, tags) = fixture();
        let q = |quick| CustomerQuery { quick, ..Default::default() };
        assert_eq!(names(&views, &run(&views, &tags, &q(QuickFilter::Down))), ["Acme Corp"]);
        assert_eq!(
            names(&views, &run(&views, &tags, &q(QuickFilter::Warning))),
            ["Globex", "Umbrella Health"],
            "degraded, or the certificate expiring"
        );
        assert_eq!(
            names(&views, &run(&views, &tags, &q(QuickFilter::CertificateChanged))),
            ["Umbrella Health"]
        );
        assert_eq!(names(&views, &run(&views, &tags, &q(QuickFilter::SyncFailed))), ["Acme Corp"]);
        assert_eq!(
            names(&views, &run(&views, &tags, &q(QuickFilter::NeverSynced))),
            ["Umbrella Health"]
        );
        assert_eq!(names(&views, &run(&views, &tags, &q(QuickFilter::Unencrypted))), ["Initech"]);

        // Each count is what choosing that filter would show with the same text and tag.
        let r = run(&views, &tags, &CustomerQuery { tag: Some(TagId(1)), ..Default::default() });
        assert_eq!(r.counts[&QuickFilter::All], 2);
        assert_eq!(r.counts[&QuickFilter::Down], 1);
        assert_eq!(r.counts[&QuickFilter::Unencrypted], 0);
        let r = run(&views, &tags, &q(QuickFilter::Down));
        assert_eq!(r.tag_counts[&TagId(1)], 1, "EMEA among the down ones");
        assert_eq!(r.tag_counts[&TagId(2)], 0);
        assert_eq!(r.summary, "1 of 4 customers: Down");
    }

    #[test]
    fn sorts_keep_ties_by_name_and_reverse_whole() {
        let (views, tags) = fixture();
        let sorted = |key, descending| {
            let q = CustomerQuery { sort: Sort { key, descending }, ..Default::default() };
            names(&views, &run(&views, &tags, &q))
        };
        assert_eq!(
            sorted(SortKey::Name, false),
            ["Acme Corp", "Globex", "Initech", "Umbrella Health"]
        );
        assert_eq!(
            sorted(SortKey::Name, true),
            ["Umbrella Health", "Initech", "Globex", "Acme Corp"]
        );
        assert_eq!(
            sorted(SortKey::Health, false),
            ["Acme Corp", "Globex", "Initech", "Umbrella Health"],
            "down, degraded, then up by name"
        );
        assert_eq!(
            sorted(SortKey::Server, false),
            ["Globex", "Acme Corp", "Initech", "Umbrella Health"]
        );
        assert_eq!(
            sorted(SortKey::LastSync, false),
            ["Umbrella Health", "Initech", "Acme Corp", "Globex"],
            "never synced first, then the oldest"
        );
        assert_eq!(
            sorted(SortKey::Status, false),
            ["Acme Corp", "Umbrella Health", "Globex", "Initech"]
        );
    }

    #[test]
    fn the_summary_says_what_is_shown() {
        let (views, tags) = fixture();
        assert_eq!(run(&views, &tags, &CustomerQuery::default()).summary, "4 customers");
        let q = CustomerQuery {
            text: "acme".into(),
            quick: QuickFilter::Down,
            tag: Some(TagId(1)),
            ..Default::default()
        };
        assert_eq!(
            run(&views, &tags, &q).summary,
            "1 of 4 customers: Down, tag EMEA, matching “acme”"
        );
        assert_eq!(grouped(2140), "2,140");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000_000), "1,000,000");
    }

    #[test]
    fn names_sort_as_people_read_them() {
        let (_, tags) = fixture();
        let views: Vec<CustomerView> =
            ["Customer 10", "customer 9", "Customer 1000", "Customer 998", "Customer 02", "Acme"]
                .iter()
                .enumerate()
                .map(|(i, n)| view(n, &format!("h{i}.example.com"), 443))
                .collect();
        let q = CustomerQuery::default();
        assert_eq!(
            names(&views, &run(&views, &tags, &q)),
            ["Acme", "Customer 02", "customer 9", "Customer 10", "Customer 998", "Customer 1000"]
        );
        let q = CustomerQuery { sort: Sort { key: SortKey::Name, descending: true }, ..q };
        assert_eq!(names(&views, &run(&views, &tags, &q))[0], "Customer 1000");
        assert_eq!(natural_cmp("a1b", "a01b"), Ordering::Equal);
        assert_eq!(natural_cmp("a", "a1"), Ordering::Less);
        assert_eq!(natural_cmp("é2", "é10"), Ordering::Less);
    }

    #[test]
    fn a_query_is_checked_and_filters_read_as_typed() {
        let (_, tags) = fixture();
        let long = CustomerQuery { text: "x".repeat(201), ..Default::default() };
        assert!(validate(&long, &tags).unwrap_err().fields().unwrap().contains_key("text"));
        let gone = CustomerQuery { tag: Some(TagId(99)), ..Default::default() };
        assert!(validate(&gone, &tags).unwrap_err().fields().unwrap().contains_key("tag"));
        assert_eq!(QuickFilter::from_input("sync-failed"), Some(QuickFilter::SyncFailed));
        assert_eq!(
            QuickFilter::from_input("Certificate changed"),
            Some(QuickFilter::CertificateChanged)
        );
        assert_eq!(QuickFilter::from_input("down"), Some(QuickFilter::Down));
        assert_eq!(QuickFilter::from_input("sideways"), None);
    }
}
