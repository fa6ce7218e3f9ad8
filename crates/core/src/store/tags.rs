//! The `tags` table, which customers carry which tag (`customer_tags`) and which tags are
//! delegated to which technician (`technician_tags`).
//!
//! Must never decide who may tag (the service and the façade do) and never read the
//! customers one by one for a list: lists read in bulk.

use crate::codec::{bad_column, ts};
use crate::error::{Error, Result};
use crate::model::{CustomerId, Tag, TagColour, TagId, name_key};
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Every tag with the number of customers carrying it, by name.
pub fn list(conn: &Connection) -> Result<Vec<Tag>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.name, t.colour, count(ct.customer_id)
           FROM tags t LEFT JOIN customer_tags ct ON ct.tag_id = t.id
          GROUP BY t.id ORDER BY t.name_key",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Tag {
            id: TagId(r.get(0)?),
            name: r.get(1)?,
            colour: r.get(2)?,
            customers: r.get::<_, i64>(3)?.max(0) as usize,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, id: TagId) -> Result<Tag> {
    list(conn)?.into_iter().find(|t| t.id == id).ok_or_else(|| Error::NotFound("The tag".into()))
}

/// The tag (other than `except`) already using this name, ignoring case and spaces.
pub fn name_holder(conn: &Connection, name: &str, except: Option<TagId>) -> Result<Option<TagId>> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT id FROM tags WHERE name_key = ?1 AND id IS NOT ?2",
            params![name_key(name), except.map(|t| t.0)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.map(TagId))
}

pub fn insert(
    conn: &Connection,
    name: &str,
    colour: TagColour,
    at: OffsetDateTime,
) -> Result<TagId> {
    conn.execute(
        "INSERT INTO tags (name, name_key, colour, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, name_key(name), colour, ts(at)],
    )?;
    Ok(TagId(conn.last_insert_rowid()))
}

pub fn update(conn: &Connection, id: TagId, name: &str, colour: TagColour) -> Result<()> {
    let n = conn.execute(
        "UPDATE tags SET name = ?2, name_key = ?3, colour = ?4 WHERE id = ?1",
        params![id.0, name, name_key(name), colour],
    )?;
    if n == 0 { Err(Error::NotFound("The tag".into())) } else { Ok(()) }
}

/// Removes the tag from every customer and technician too (cascade).
pub fn delete(conn: &Connection, id: TagId) -> Result<()> {
    let n = conn.execute("DELETE FROM tags WHERE id = ?1", [id.0])?;
    if n == 0 { Err(Error::NotFound("The tag".into())) } else { Ok(()) }
}

/// Puts `tag` on these customers; returns the ones that did not carry it yet.
pub fn tag(conn: &Connection, tag: TagId, customers: &[CustomerId]) -> Result<Vec<CustomerId>> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO customer_tags (customer_id, tag_id) VALUES (?1, ?2)",
    )?;
    let mut changed = Vec::new();
    for &c in customers {
        if stmt.execute(params![c.to_string(), tag.0])? > 0 {
            changed.push(c);
        }
    }
    Ok(changed)
}

/// Takes `tag` off these customers; returns the ones that carried it.
pub fn untag(conn: &Connection, tag: TagId, customers: &[CustomerId]) -> Result<Vec<CustomerId>> {
    let mut stmt =
        conn.prepare_cached("DELETE FROM customer_tags WHERE customer_id = ?1 AND tag_id = ?2")?;
    let mut changed = Vec::new();
    for &c in customers {
        if stmt.execute(params![c.to_string(), tag.0])? > 0 {
            changed.push(c);
        }
    }
    Ok(changed)
}

/// The tags of every customer that has any, in one read.
pub fn by_customer(conn: &Connection) -> Result<HashMap<CustomerId, Vec<TagId>>> {
    let mut stmt =
        conn.prepare_cached("SELECT customer_id, tag_id FROM customer_tags ORDER BY tag_id")?;
    let mut map: HashMap<CustomerId, Vec<TagId>> = HashMap::new();
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (customer, tag) = row?;
        let customer = Uuid::parse_str(&customer).map_err(bad_column)?;
        map.entry(CustomerId(customer)).or_default().push(TagId(tag));
    }
    Ok(map)
}

/// One customer's tags.
pub fn of_customer(conn: &Connection, customer: CustomerId) -> Result<Vec<TagId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tag_id FROM customer_tags WHERE customer_id = ?1 ORDER BY tag_id",
    )?;
    let rows = stmt.query_map([customer.to_string()], |r| r.get::<_, i64>(0))?;
    Ok(rows.map(|r| r.map(TagId)).collect::<rusqlite::Result<_>>()?)
}

/// Replaces one customer's tags (an import, or the detail view's tag editor).
pub fn set_of_customer(conn: &Connection, customer: CustomerId, tags: &[TagId]) -> Result<()> {
    conn.execute("DELETE FROM customer_tags WHERE customer_id = ?1", [customer.to_string()])?;
    for &t in tags {
        tag(conn, t, &[customer])?;
    }
    Ok(())
}

/// The tags delegated to a technician.
pub fn of_technician(conn: &Connection, technician: i64) -> Result<Vec<TagId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT tag_id FROM technician_tags WHERE technician_id = ?1 ORDER BY tag_id",
    )?;
    let rows = stmt.query_map([technician], |r| r.get::<_, i64>(0))?;
    Ok(rows.map(|r| r.map(TagId)).collect::<rusqlite::Result<_>>()?)
}

/// The customers a technician reaches through its delegated tags, as the store holds them
/// now (so a customer tagged since is included).
pub fn customers_via_tags(conn: &Connection, technician: i64) -> Result<Vec<CustomerId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT ct.customer_id FROM technician_tags tt
           JOIN customer_tags ct ON ct.tag_id = tt.tag_id
          WHERE tt.technician_id = ?1",
    )?;
    let rows = stmt.query_map([technician], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for id in rows {
        out.push(CustomerId(Uuid::parse_str(&id?).map_err(bad_column)?));
    }
    Ok(out)
}

/// Every tag by its name key (for an import's `tags` column).
pub fn by_name_key(conn: &Connection) -> Result<HashMap<String, TagId>> {
    Ok(list(conn)?.into_iter().map(|t| (name_key(&t.name), t.id)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn tags_are_unique_ignoring_case_and_go_with_their_customers() {
        let store = Store::open_in_memory().unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        let emea = store.write(|tx| insert(tx, "EMEA", TagColour::Blue, now)).unwrap();
        assert_eq!(store.read(|c| name_holder(c, " emea ", None)).unwrap(), Some(emea));
        assert_eq!(store.read(|c| name_holder(c, "emea", Some(emea))).unwrap(), None);
        let dup = store.write(|tx| insert(tx, "emea", TagColour::Red, now));
        assert!(dup.is_err(), "the unique key holds even past the service's check");
        let listed = store.read(list).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].customers, 0);
        store.write(|tx| delete(tx, emea)).unwrap();
        assert!(store.read(list).unwrap().is_empty());
    }
}
