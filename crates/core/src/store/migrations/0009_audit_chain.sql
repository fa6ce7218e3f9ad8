-- Schema version 9: the audit page and a tamper-evident trail.
-- Each entry carries an HMAC-SHA256 chained over the previous entry's, keyed by a key
-- derived from the keychain's data key (a plain hash could be recomputed by whoever edits
-- the database). NULL while the key could not be read yet; sealed as soon as it can.
ALTER TABLE audit ADD COLUMN chain TEXT;

CREATE INDEX audit_by_actor ON audit (actor COLLATE NOCASE, id);
CREATE INDEX audit_by_action ON audit (action, id);
CREATE INDEX audit_by_outcome ON audit (outcome, id);
-- The few entries not chained yet, found without reading the whole trail.
CREATE INDEX audit_unsealed ON audit (id) WHERE chain IS NULL;

-- Where the chain starts after pruning ('anchor': the last pruned entry) and where it ends
-- ('head': the newest entry), each with its own HMAC, so neither can be moved unseen.
CREATE TABLE audit_marks (
    name     TEXT PRIMARY KEY CHECK (name IN ('anchor', 'head')),
    entry_id INTEGER NOT NULL,
    chain    TEXT NOT NULL,
    mac      TEXT NOT NULL
) STRICT;
