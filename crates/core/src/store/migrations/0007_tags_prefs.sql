-- Schema version 7: tags, delegation by tag, and each technician's view preferences.
-- A tag groups customers ("emea", "tier-1"); a technician delegated a tag reaches every
-- customer carrying it, resolved whenever reach is counted (so a customer tagged later is
-- reached at the next sync).

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,   -- NFC, lower-cased, trimmed: unique ignoring case
    colour     TEXT NOT NULL CHECK (colour IN ('slate', 'red', 'orange', 'amber', 'green', 'teal', 'blue', 'violet', 'pink')),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE customer_tags (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag_id      INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (customer_id, tag_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX customer_tags_by_tag ON customer_tags (tag_id, customer_id);

CREATE TABLE technician_tags (
    technician_id INTEGER NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    tag_id        INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (technician_id, tag_id)
) STRICT, WITHOUT ROWID;

-- Per-technician preferences of the window (the Customer Management sort), as JSON.
CREATE TABLE technician_prefs (
    technician_id INTEGER NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    key           TEXT NOT NULL,
    value         TEXT NOT NULL,
    PRIMARY KEY (technician_id, key)
) STRICT, WITHOUT ROWID;
