//! The `customer_certificates` table: what the console last saw of each HTTPS customer's
//! certificate (fingerprint, expiry, whether the expiry was told), and a certificate that
//! replaced the trusted one, until an administrator reviews it.
//!
//! Must never decide trust; it remembers what was seen so each change and each coming expiry
//! is told once.

use crate::codec::{parse_ts, ts};
use crate::error::Result;
use crate::model::CustomerId;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRow {
    /// Fingerprint (hex) of the certificate last accepted.
    pub sha256: String,
    pub not_after: OffsetDateTime,
    pub expiry_notified: bool,
    /// Fingerprint (hex) of a certificate presented instead of the trusted one.
    pub changed_to: Option<String>,
    pub changed_at: Option<OffsetDateTime>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<CertificateRow> {
    Ok(CertificateRow {
        sha256: r.get(0)?,
        not_after: parse_ts(&r.get::<_, String>(1)?)?,
        expiry_notified: r.get(2)?,
        changed_to: r.get(3)?,
        changed_at: r.get::<_, Option<String>>(4)?.map(|s| parse_ts(&s)).transpose()?,
    })
}

const COLUMNS: &str = "sha256, not_after, expiry_notified, changed_to, changed_at";

pub fn get(conn: &Connection, id: CustomerId) -> Result<Option<CertificateRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM customer_certificates WHERE customer_id = ?1"),
            [id.to_string()],
            from_row,
        )
        .optional()?)
}

pub fn all(conn: &Connection) -> Result<HashMap<CustomerId, CertificateRow>> {
    let mut stmt =
        conn.prepare(&format!("SELECT customer_id, {COLUMNS} FROM customer_certificates"))?;
    let rows = stmt.query_map([], |r| {
        let id: String = r.get(0)?;
        let row = CertificateRow {
            sha256: r.get(1)?,
            not_after: parse_ts(&r.get::<_, String>(2)?)?,
            expiry_notified: r.get(3)?,
            changed_to: r.get(4)?,
            changed_at: r.get::<_, Option<String>>(5)?.map(|s| parse_ts(&s)).transpose()?,
        };
        Ok((id, row))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, row) = row?;
        if let Ok(id) = Uuid::parse_str(&id) {
            out.insert(CustomerId(id), row);
        }
    }
    Ok(out)
}

/// A handshake with a trusted certificate: remembers it and clears any change. A different
/// certificate than last time starts its own expiry warning afresh.
pub fn observe(
    conn: &Connection,
    id: CustomerId,
    sha256: &str,
    not_after: OffsetDateTime,
) -> Result<()> {
    conn.execute(
        "INSERT INTO customer_certificates (customer_id, sha256, not_after)
         SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)
         ON CONFLICT (customer_id) DO UPDATE SET
             expiry_notified = CASE WHEN sha256 = excluded.sha256 THEN expiry_notified ELSE 0 END,
             sha256 = excluded.sha256, not_after = excluded.not_after,
             changed_to = NULL, changed_at = NULL",
        params![id.to_string(), sha256, ts(not_after)],
    )?;
    Ok(())
}

/// A certificate other than the trusted one was presented. True when this is news (not the
/// same change seen before), so it is told once.
pub fn mark_changed(
    conn: &Connection,
    id: CustomerId,
    presented: &str,
    at: OffsetDateTime,
) -> Result<bool> {
    let before = get(conn, id)?;
    if before.as_ref().and_then(|r| r.changed_to.as_deref()) == Some(presented) {
        return Ok(false);
    }
    conn.execute(
        "INSERT INTO customer_certificates (customer_id, sha256, not_after, changed_to, changed_at)
         SELECT ?1, '', ?3, ?2, ?3 WHERE EXISTS (SELECT 1 FROM customers WHERE id = ?1)
         ON CONFLICT (customer_id) DO UPDATE SET changed_to = excluded.changed_to,
             changed_at = excluded.changed_at",
        params![id.to_string(), presented, ts(at)],
    )?;
    Ok(true)
}

pub fn set_expiry_notified(conn: &Connection, id: CustomerId) -> Result<()> {
    conn.execute(
        "UPDATE customer_certificates SET expiry_notified = 1 WHERE customer_id = ?1",
        [id.to_string()],
    )?;
    Ok(())
}

/// Forgets what was seen (the admin trusted another certificate or changed the server).
pub fn forget(conn: &Connection, id: CustomerId) -> Result<()> {
    conn.execute("DELETE FROM customer_certificates WHERE customer_id = ?1", [id.to_string()])?;
    Ok(())
}
