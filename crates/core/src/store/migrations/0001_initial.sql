-- Schema version 1: settings, the console's technicians (its own users), customers, audit.
-- Customer admin credentials are NOT here: they live in the OS keychain.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE technicians (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL,
    username_key  TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,      -- Argon2id PHC string, never the password
    role          TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'guest')),
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE customers (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    name_key        TEXT NOT NULL UNIQUE,  -- lower(trim(name)): names are unique ignoring case
    email           TEXT NOT NULL,
    server          TEXT NOT NULL,
    port            INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    connection_type TEXT NOT NULL CHECK (connection_type IN ('HTTP', 'HTTPS')),
    instance_id     TEXT NOT NULL UNIQUE,  -- one console customer per Log360 instance
    build           INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) STRICT;

CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'failure')),
    reason  TEXT
) STRICT;

CREATE INDEX audit_by_time ON audit (at);
