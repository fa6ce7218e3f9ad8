-- Schema version 6: hardening.
-- The audit names the customer an entry is about by id as well as by name (names change,
-- customers are deleted and re-added; an id stays one customer's).
ALTER TABLE audit ADD COLUMN customer_id TEXT;
CREATE INDEX audit_by_customer ON audit (customer_id, id);

-- Failed logins of the console's own users, shared by every process on this data dir (the
-- window and mssp-admin), so guessing is slowed wherever it comes from: one row per
-- username key ('user:<name>') and one for all ('global').
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_at      TEXT NOT NULL,
    locked_until TEXT
) STRICT;
