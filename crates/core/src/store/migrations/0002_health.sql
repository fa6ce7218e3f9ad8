-- Schema version 2: health monitoring. The current state per customer (so a restart resumes
-- without re-notifying), every state change, and hourly aggregates of check results.
-- All rows go with their customer (ON DELETE CASCADE) and are pruned after the retention.

CREATE TABLE health_state (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    state       TEXT NOT NULL CHECK (state IN ('up', 'down')),
    since       TEXT NOT NULL,
    reason      TEXT
) STRICT;

CREATE TABLE health_events (
    id          INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    from_state  TEXT NOT NULL,
    to_state    TEXT NOT NULL,
    reason      TEXT
) STRICT;

CREATE INDEX health_events_by_customer ON health_events (customer_id, at);

CREATE TABLE health_hourly (
    customer_id    TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    hour           TEXT NOT NULL,   -- RFC 3339, start of the hour (UTC)
    checks         INTEGER NOT NULL,
    failures       INTEGER NOT NULL,
    latency_sum_ms INTEGER NOT NULL,
    latency_count  INTEGER NOT NULL,
    PRIMARY KEY (customer_id, hour)
) STRICT, WITHOUT ROWID;
