//! The `customers` table: who the integrated customers are and where their instances live.
//! Must never store credentials (those are in the keychain, keyed by the customer's id).

use crate::codec::{bad_column, parse_ts, ts};
use crate::error::{Error, Result};
use crate::model::{Customer, CustomerId, Endpoint, name_key};
use crate::trust::Pin;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

const COLUMNS: &str = "id, name, email, server, port, connection_type, instance_id, build, \
     created_at, updated_at, tls_pin_kind, tls_pin, cleartext";

pub fn list(conn: &Connection) -> Result<Vec<Customer>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM customers ORDER BY name_key"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count(conn: &Connection) -> Result<usize> {
    let n: i64 = conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0))?;
    Ok(n.max(0) as usize)
}

pub fn get(conn: &Connection, id: CustomerId) -> Result<Customer> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM customers WHERE id = ?1"),
        [id.to_string()],
        from_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound("The customer".into()))
}

/// The customer (other than `except`) already using this name, ignoring case and spaces.
pub fn name_holder(
    conn: &Connection,
    name: &str,
    except: Option<CustomerId>,
) -> Result<Option<String>> {
    holder(conn, "name_key", &name_key(name), except)
}

/// The customer (other than `except`) already integrated with this instance.
pub fn instance_holder(
    conn: &Connection,
    instance_id: Uuid,
    except: Option<CustomerId>,
) -> Result<Option<String>> {
    holder(conn, "instance_id", &instance_id.to_string(), except)
}

fn holder(
    conn: &Connection,
    column: &str,
    value: &str,
    except: Option<CustomerId>,
) -> Result<Option<String>> {
    let except = except.map(|id| id.to_string()).unwrap_or_default();
    Ok(conn
        .query_row(
            &format!("SELECT name FROM customers WHERE {column} = ?1 AND id <> ?2"),
            params![value, except],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn insert(conn: &Connection, c: &Customer) -> Result<()> {
    conn.execute(
        &format!("INSERT INTO customers ({COLUMNS}, name_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
        params![
            c.id.to_string(),
            c.name,
            c.email,
            c.endpoint.server,
            c.endpoint.port,
            c.endpoint.connection,
            c.instance_id.to_string(),
            c.build,
            ts(c.created_at),
            ts(c.updated_at),
            c.pin.as_ref().map(Pin::kind),
            c.pin.as_ref().map(Pin::value),
            c.cleartext,
            name_key(&c.name),
        ],
    )
    .map_err(unique_violation)?;
    Ok(())
}

pub fn update(conn: &Connection, c: &Customer) -> Result<()> {
    let changed = conn
        .execute(
            "UPDATE customers SET name = ?2, name_key = ?3, email = ?4, server = ?5, port = ?6,
                 connection_type = ?7, instance_id = ?8, build = ?9, updated_at = ?10,
                 tls_pin_kind = ?11, tls_pin = ?12, cleartext = ?13
             WHERE id = ?1",
            params![
                c.id.to_string(),
                c.name,
                name_key(&c.name),
                c.email,
                c.endpoint.server,
                c.endpoint.port,
                c.endpoint.connection,
                c.instance_id.to_string(),
                c.build,
                ts(c.updated_at),
                c.pin.as_ref().map(Pin::kind),
                c.pin.as_ref().map(Pin::value),
                c.cleartext,
            ],
        )
        .map_err(unique_violation)?;
    if changed == 0 {
        return Err(Error::NotFound("The customer".into()));
    }
    Ok(())
}

pub fn delete(conn: &Connection, id: CustomerId) -> Result<()> {
    let changed = conn.execute("DELETE FROM customers WHERE id = ?1", [id.to_string()])?;
    if changed == 0 {
        return Err(Error::NotFound("The customer".into()));
    }
    Ok(())
}

/// A uniqueness race (two windows adding the same name) still ends as a field error.
fn unique_violation(err: rusqlite::Error) -> Error {
    let msg = err.to_string();
    if msg.contains("UNIQUE constraint failed: customers.name_key") {
        Error::field("name", "A customer with this name already exists.")
    } else if msg.contains("UNIQUE constraint failed: customers.instance_id") {
        Error::field("server", "This Log360 instance is already integrated as another customer.")
    } else {
        Error::from(err)
    }
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Customer> {
    let id: String = r.get(0)?;
    let instance_id: String = r.get(6)?;
    Ok(Customer {
        id: CustomerId(Uuid::parse_str(&id).map_err(bad_column)?),
        name: r.get(1)?,
        email: r.get(2)?,
        endpoint: Endpoint { server: r.get(3)?, port: r.get(4)?, connection: r.get(5)? },
        instance_id: Uuid::parse_str(&instance_id).map_err(bad_column)?,
        build: r.get(7)?,
        created_at: parse_ts(&r.get::<_, String>(8)?)?,
        updated_at: parse_ts(&r.get::<_, String>(9)?)?,
        pin: match (r.get::<_, Option<String>>(10)?, r.get::<_, Option<String>>(11)?) {
            (Some(kind), Some(value)) => {
                Some(Pin::from_stored(&kind, &value).ok_or_else(|| {
                    bad_column(crate::codec::UnknownValue { kind: "certificate pin", value: kind })
                })?)
            }
            _ => None,
        },
        cleartext: r.get(12)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConnectionType;
    use crate::store::Store;
    use time::macros::datetime;

    fn customer(name: &str) -> Customer {
        Customer {
            id: CustomerId::new(),
            name: name.into(),
            email: "soc@acme.example".into(),
            endpoint: Endpoint {
                connection: ConnectionType::Https,
                server: "10.0.0.1".into(),
                port: 8443,
            },
            instance_id: Uuid::new_v4(),
            build: 7100,
            pin: None,
            cleartext: false,
            created_at: datetime!(2026-11-25 10:00 UTC),
            updated_at: datetime!(2026-11-25 10:00 UTC),
        }
    }

    #[test]
    fn insert_get_list_update_delete_round_trip() {
        let store = Store::open_in_memory().unwrap();
        let mut b = customer("Beta");
        let a = customer("alpha");
        store
            .write(|tx| {
                insert(tx, &b)?;
                insert(tx, &a)
            })
            .unwrap();
        let names: Vec<_> = store.read(list).unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["alpha", "Beta"], "sorted ignoring case");

        b.email = "noc@beta.example".into();
        b.endpoint.port = 9000;
        store.write(|tx| update(tx, &b)).unwrap();
        assert_eq!(store.read(|c| get(c, b.id)).unwrap(), b);

        store.write(|tx| delete(tx, a.id)).unwrap();
        assert!(matches!(store.read(|c| get(c, a.id)), Err(Error::NotFound(_))));
        assert!(matches!(store.write(|tx| delete(tx, a.id)), Err(Error::NotFound(_))));
    }

    #[test]
    fn names_are_unique_ignoring_case_and_spaces() {
        let store = Store::open_in_memory().unwrap();
        let a = customer("Acme Corp");
        store.write(|tx| insert(tx, &a)).unwrap();
        assert_eq!(
            store.read(|c| name_holder(c, "  ACME corp ", None)).unwrap().as_deref(),
            Some("Acme Corp")
        );
        assert_eq!(store.read(|c| name_holder(c, "acme corp", Some(a.id))).unwrap(), None);

        let err = store.write(|tx| insert(tx, &customer("acme CORP"))).unwrap_err();
        assert_eq!(err.fields().unwrap().keys().map(|k| &**k).collect::<Vec<_>>(), ["name"]);
    }

    #[test]
    fn one_customer_per_instance() {
        let store = Store::open_in_memory().unwrap();
        let a = customer("A");
        let mut b = customer("B");
        b.instance_id = a.instance_id;
        store.write(|tx| insert(tx, &a)).unwrap();
        let err = store.write(|tx| insert(tx, &b)).unwrap_err();
        assert!(err.fields().unwrap().contains_key("server"));
        assert_eq!(
            store.read(|c| instance_holder(c, a.instance_id, None)).unwrap().as_deref(),
            Some("A")
        );
    }

    #[test]
    fn the_schema_rejects_impossible_rows() {
        let store = Store::open_in_memory().unwrap();
        let err = store.write(|tx| {
            tx.execute(
                "INSERT INTO customers (id, name, name_key, email, server, port, connection_type, instance_id, build, created_at, updated_at)
                 VALUES ('x', 'n', 'n', 'e', 's', 70000, 'HTTP', 'i', 7100, 't', 't')",
                [],
            )?;
            Ok(())
        });
        assert!(err.is_err(), "port 70000 must violate the CHECK");
    }
}
