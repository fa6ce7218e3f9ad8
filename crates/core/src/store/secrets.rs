//! The `customer_secrets` table: each customer's sealed secrets (see `vault`), one row per
//! customer, written in the same transaction as the customer's row.
//!
//! Must never hold a secret in the clear: only what `Vault::seal` produced.

use crate::error::Result;
use crate::model::CustomerId;
use crate::vault::Sealed;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

pub fn put(conn: &Connection, id: CustomerId, sealed: &Sealed) -> Result<()> {
    conn.execute(
        "INSERT INTO customer_secrets (customer_id, sealed) VALUES (?1, ?2)
         ON CONFLICT (customer_id) DO UPDATE SET sealed = excluded.sealed",
        params![id.to_string(), sealed.0],
    )?;
    Ok(())
}

pub fn get(conn: &Connection, id: CustomerId) -> Result<Option<Sealed>> {
    Ok(conn
        .query_row(
            "SELECT sealed FROM customer_secrets WHERE customer_id = ?1",
            [id.to_string()],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()?
        .map(Sealed))
}

/// Customers without sealed secrets: integrated before the envelope vault, their
/// credentials still in per-customer keychain entries until migrated.
pub fn customers_without(conn: &Connection) -> Result<Vec<CustomerId>> {
    let mut stmt = conn.prepare(
        "SELECT id FROM customers WHERE id NOT IN (SELECT customer_id FROM customer_secrets)",
    )?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(ids
        .filter_map(|id| id.ok().and_then(|id| Uuid::parse_str(&id).ok()).map(CustomerId))
        .collect())
}

/// Every customer that has sealed secrets.
pub fn customers_with(conn: &Connection) -> Result<Vec<CustomerId>> {
    let mut stmt = conn.prepare("SELECT customer_id FROM customer_secrets")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(ids
        .filter_map(|id| id.ok().and_then(|id| Uuid::parse_str(&id).ok()).map(CustomerId))
        .collect())
}
