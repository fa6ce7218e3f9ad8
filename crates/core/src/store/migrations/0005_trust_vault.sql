-- Schema version 5: trust in what customers present, and the envelope vault.
-- Each customer's certificate pin (NULL: the platform's trust store) and whether the admin
-- chose to send its credentials unencrypted over HTTP; customers added over HTTP before
-- that choice existed keep working (their rows show "unencrypted").

ALTER TABLE customers ADD COLUMN tls_pin_kind TEXT CHECK (tls_pin_kind IN ('certificate', 'public_key', 'ca'));
ALTER TABLE customers ADD COLUMN tls_pin TEXT;
ALTER TABLE customers ADD COLUMN cleartext INTEGER NOT NULL DEFAULT 0 CHECK (cleartext IN (0, 1));
UPDATE customers SET cleartext = 1 WHERE connection_type = 'HTTP';

-- Each customer's admin credentials and link key, sealed with XChaCha20-Poly1305 under the
-- one data key kept in the OS keychain. Never plaintext. Written in the same transaction
-- as the customer's row, and gone with it.
CREATE TABLE customer_secrets (
    customer_id TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    sealed      BLOB NOT NULL
) STRICT;

-- What the console last saw of each HTTPS customer's certificate: when it expires (and
-- whether that was already told), and a certificate that replaced the trusted one.
CREATE TABLE customer_certificates (
    customer_id     TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
    sha256          TEXT NOT NULL,
    not_after       TEXT NOT NULL,
    expiry_notified INTEGER NOT NULL DEFAULT 0 CHECK (expiry_notified IN (0, 1)),
    changed_to      TEXT,     -- the fingerprint presented instead of the trusted one
    changed_at      TEXT
) STRICT;
