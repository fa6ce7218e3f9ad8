-- Schema version 3: data sync and technicians.
-- Technicians get an email, an enabled flag, a delegation (all customers, or a list), and a
-- stable id that is pushed to customer instances as the central technician's id.

ALTER TABLE technicians ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE technicians ADD COLUMN enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1));
ALTER TABLE technicians ADD COLUMN all_customers INTEGER NOT NULL DEFAULT 1 CHECK (all_customers IN (0, 1));
ALTER TABLE technicians ADD COLUMN uid TEXT;
UPDATE technicians SET uid = 'mssp-' || lower(hex(randomblob(8)));
CREATE UNIQUE INDEX technicians_by_uid ON technicians (uid);

CREATE TABLE technician_customers (
    technician_id INTEGER NOT NULL REFERENCES technicians (id) ON DELETE CASCADE,
    customer_id   TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    PRIMARY KEY (technician_id, customer_id)
) STRICT, WITHOUT ROWID;

-- The last good data collected from each customer; a failed sync never touches it.
CREATE TABLE customer_snapshots (
    customer_id  TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    collected_at TEXT NOT NULL,
    synced_at    TEXT NOT NULL,
    data         TEXT NOT NULL   -- the instance's `data` answer, validated, as JSON
) STRICT;

-- Sync history: the last 50 runs per customer are kept.
CREATE TABLE sync_runs (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    trigger     TEXT NOT NULL CHECK (trigger IN ('manual', 'scheduled', 'change')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('success', 'failed')),
    reason      TEXT
) STRICT;

CREATE INDEX sync_runs_by_customer ON sync_runs (customer_id, id);
