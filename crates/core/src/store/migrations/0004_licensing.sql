-- Schema version 4: license management. The MSSP license (one row), each customer's
-- allocation per resource with a version (so two editors cannot both win silently) and its
-- push state, each customer's usage as last synced, and which usage alerts are raised.

CREATE TABLE license (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    license_id  TEXT NOT NULL,
    licensee    TEXT NOT NULL,
    edition     TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    resources   TEXT NOT NULL,   -- JSON object: resource -> total
    applied_at  TEXT NOT NULL,
    applied_by  TEXT NOT NULL
) STRICT;

CREATE TABLE allocations (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    resource    TEXT NOT NULL,
    count       INTEGER NOT NULL CHECK (count >= 0),
    PRIMARY KEY (customer_id, resource)
) STRICT, WITHOUT ROWID;

CREATE TABLE allocation_state (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    push_state  TEXT NOT NULL CHECK (push_state IN ('applied', 'pending', 'failed')),
    push_reason TEXT,
    changed_by  TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    applied     TEXT             -- JSON object: what the instance last accepted
) STRICT;

CREATE TABLE customer_usage (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    resource    TEXT NOT NULL,
    count       INTEGER NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (customer_id, resource)
) STRICT, WITHOUT ROWID;

CREATE TABLE usage_alerts (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    resource    TEXT NOT NULL,
    PRIMARY KEY (customer_id, resource)
) STRICT, WITHOUT ROWID;
