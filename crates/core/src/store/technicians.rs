//! The `technicians` table and their delegations: the console's own users (Admin, Operator,
//! Guest), which customers each may reach, and the stable id pushed to customer instances.
//! Holds Argon2id hashes only; must never hold a password.

use crate::codec::{parse_ts, ts};
use crate::error::{Error, Result};
use crate::model::{CustomerId, Role, TagId};
use crate::store::tags;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechnicianRow {
    pub id: i64,
    /// Pushed to customer instances as the central technician's id.
    pub uid: String,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub enabled: bool,
    pub all_customers: bool,
    /// The delegated customers when not `all_customers`.
    pub customer_ids: Vec<CustomerId>,
    /// The delegated tags when not `all_customers`: every customer carrying one is reached.
    pub tag_ids: Vec<TagId>,
    /// The customers carrying a delegated tag, as the store holds them now.
    pub tagged_customer_ids: Vec<CustomerId>,
    pub created_at: OffsetDateTime,
}

impl TechnicianRow {
    pub fn reaches(&self, customer: CustomerId) -> bool {
        self.role == Role::Admin
            || self.all_customers
            || self.customer_ids.contains(&customer)
            || self.tagged_customer_ids.contains(&customer)
    }

    /// The customers reached when not all: delegated by name or through a tag.
    pub fn reached(&self) -> impl Iterator<Item = CustomerId> + '_ {
        self.customer_ids.iter().chain(&self.tagged_customer_ids).copied()
    }
}

/// A technician as saved (the hash already computed).
#[derive(Debug, Clone)]
pub struct NewTechnician<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub all_customers: bool,
    pub customer_ids: &'a [CustomerId],
    pub tag_ids: &'a [TagId],
}

const COLUMNS: &str =
    "id, uid, username, email, password_hash, role, enabled, all_customers, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<TechnicianRow> {
    Ok(TechnicianRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        username: r.get(2)?,
        email: r.get(3)?,
        password_hash: r.get(4)?,
        role: r.get(5)?,
        enabled: r.get(6)?,
        all_customers: r.get(7)?,
        customer_ids: Vec::new(),
        tag_ids: Vec::new(),
        tagged_customer_ids: Vec::new(),
        created_at: parse_ts(&r.get::<_, String>(8)?)?,
    })
}

fn with_delegations(conn: &Connection, mut t: TechnicianRow) -> Result<TechnicianRow> {
    let mut stmt = conn.prepare_cached(
        "SELECT customer_id FROM technician_customers WHERE technician_id = ?1 ORDER BY customer_id",
    )?;
    t.customer_ids = stmt
        .query_map([t.id], |r| r.get::<_, String>(0))?
        .filter_map(|id| id.ok().and_then(|id| Uuid::parse_str(&id).ok()).map(CustomerId))
        .collect();
    t.tag_ids = tags::of_technician(conn, t.id)?;
    if !t.tag_ids.is_empty() {
        t.tagged_customer_ids = tags::customers_via_tags(conn, t.id)?;
    }
    Ok(t)
}

pub fn count(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row("SELECT count(*) FROM technicians", [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

pub fn list(conn: &Connection) -> Result<Vec<TechnicianRow>> {
    let mut stmt =
        conn.prepare(&format!("SELECT {COLUMNS} FROM technicians ORDER BY username_key"))?;
    let rows = stmt.query_map([], from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(|t| with_delegations(conn, t)).collect()
}

pub fn get(conn: &Connection, id: i64) -> Result<TechnicianRow> {
    let row = conn
        .query_row(&format!("SELECT {COLUMNS} FROM technicians WHERE id = ?1"), [id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound("The technician".into()))?;
    with_delegations(conn, row)
}

pub fn by_username(conn: &Connection, username: &str) -> Result<Option<TechnicianRow>> {
    let row = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM technicians WHERE username_key = ?1"),
            [username.trim().to_lowercase()],
            from_row,
        )
        .optional()?;
    row.map(|t| with_delegations(conn, t)).transpose()
}

/// The enabled technicians that reach this customer: its central technicians.
pub fn delegated_to(conn: &Connection, customer: CustomerId) -> Result<Vec<TechnicianRow>> {
    Ok(list(conn)?.into_iter().filter(|t| t.enabled && t.reaches(customer)).collect())
}

pub fn insert(conn: &Connection, t: &NewTechnician<'_>, at: OffsetDateTime) -> Result<i64> {
    conn.execute(
        "INSERT INTO technicians (uid, username, username_key, email, password_hash, role, enabled, all_customers, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8)",
        params![
            format!("mssp-{}", Uuid::new_v4().simple()),
            t.username,
            t.username.trim().to_lowercase(),
            t.email,
            t.password_hash,
            t.role,
            t.all_customers,
            ts(at)
        ],
    )
    .map_err(taken)?;
    let id = conn.last_insert_rowid();
    set_delegations(conn, id, t.customer_ids, t.tag_ids)?;
    Ok(id)
}

/// Updates a technician; `password_hash: None` keeps the current password.
pub fn update(
    conn: &Connection,
    id: i64,
    t: &NewTechnician<'_>,
    password_hash: Option<&str>,
) -> Result<()> {
    let changed = conn
        .execute(
            "UPDATE technicians SET username = ?2, username_key = ?3, email = ?4, role = ?5,
                 all_customers = ?6, password_hash = coalesce(?7, password_hash)
             WHERE id = ?1",
            params![
                id,
                t.username,
                t.username.trim().to_lowercase(),
                t.email,
                t.role,
                t.all_customers,
                password_hash
            ],
        )
        .map_err(taken)?;
    if changed == 0 {
        return Err(Error::NotFound("The technician".into()));
    }
    set_delegations(conn, id, t.customer_ids, t.tag_ids)
}

pub fn set_enabled(conn: &Connection, id: i64, enabled: bool) -> Result<()> {
    let changed =
        conn.execute("UPDATE technicians SET enabled = ?2 WHERE id = ?1", params![id, enabled])?;
    if changed == 0 {
        return Err(Error::NotFound("The technician".into()));
    }
    Ok(())
}

fn set_delegations(
    conn: &Connection,
    id: i64,
    customers: &[CustomerId],
    tag_ids: &[TagId],
) -> Result<()> {
    conn.execute("DELETE FROM technician_tags WHERE technician_id = ?1", [id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO technician_tags (technician_id, tag_id) VALUES (?1, ?2)",
    )?;
    for t in tag_ids {
        stmt.execute(params![id, t.0]).map_err(|e| gone(e, "tagIds", "tags"))?;
    }
    conn.execute("DELETE FROM technician_customers WHERE technician_id = ?1", [id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO technician_customers (technician_id, customer_id) VALUES (?1, ?2)",
    )?;
    for c in customers {
        stmt.execute(params![id, c.to_string()])
            .map_err(|e| gone(e, "customerIds", "customers"))?;
    }
    Ok(())
}

/// A delegation naming a customer or tag deleted meanwhile, said on its field.
fn gone(e: rusqlite::Error, field: &'static str, what: &str) -> Error {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Error::field(field, format!("One of the chosen {what} no longer exists."))
        }
        other => Error::from(other),
    }
}

fn taken(e: rusqlite::Error) -> Error {
    if e.to_string().contains("UNIQUE constraint failed: technicians.username_key") {
        Error::field("username", "This username is taken.")
    } else {
        Error::from(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use time::macros::datetime;

    fn new<'a>(
        name: &'a str,
        role: Role,
        all: bool,
        customers: &'a [CustomerId],
    ) -> NewTechnician<'a> {
        NewTechnician {
            username: name,
            email: "t@mssp.example",
            password_hash: "$argon2id$fake",
            role,
            all_customers: all,
            customer_ids: customers,
            tag_ids: &[],
        }
    }

    #[test]
    fn delegations_decide_who_reaches_a_customer() {
        let store = Store::open_in_memory().unwrap();
        let (a, b) = (CustomerId::new(), CustomerId::new());
        for id in [a, b] {
            store
                .write(|tx| {
                    tx.execute(
                        "INSERT INTO customers (id, name, name_key, email, server, port, connection_type, instance_id, build, created_at, updated_at)
                         VALUES (?1, ?1, ?1, 'e', 's', 1, 'HTTP', ?1, 7100, 't', 't')",
                        [id.to_string()],
                    )?;
                    Ok(())
                })
                .unwrap();
        }
        let t0 = datetime!(2026-11-25 10:00 UTC);
        let (all, only_a, guest) = store
            .write(|tx| {
                Ok((
                    insert(tx, &new("all", Role::Operator, true, &[]), t0)?,
                    insert(tx, &new("only-a", Role::Operator, false, &[a]), t0)?,
                    insert(tx, &new("guest", Role::Guest, false, &[b]), t0)?,
                ))
            })
            .unwrap();
        let names = |c| {
            store
                .read(|conn| delegated_to(conn, c))
                .unwrap()
                .into_iter()
                .map(|t| t.username)
                .collect::<Vec<_>>()
        };
        assert_eq!(names(a), ["all", "only-a"]);
        assert_eq!(names(b), ["all", "guest"]);

        store.write(|tx| set_enabled(tx, all, false)).unwrap();
        assert_eq!(names(a), ["only-a"], "disabled technicians are not delegated");

        let row = store.read(|c| get(c, only_a)).unwrap();
        assert!(row.uid.starts_with("mssp-"));
        assert_eq!(row.customer_ids, [a]);
        store
            .write(|tx| update(tx, only_a, &new("only-a", Role::Operator, false, &[b]), None))
            .unwrap();
        let row = store.read(|c| get(c, only_a)).unwrap();
        assert_eq!(row.customer_ids, [b]);
        assert_eq!(row.password_hash, "$argon2id$fake", "kept");
        let _ = guest;

        let err =
            store.write(|tx| insert(tx, &new("ONLY-A", Role::Guest, true, &[]), t0)).unwrap_err();
        assert!(err.fields().unwrap().contains_key("username"));
    }
}
