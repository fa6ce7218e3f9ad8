-- Schema version 8: alerts that fit the work.
-- Maintenance windows and mutes keep planned work and known problems quiet; alert channels
-- (mail, webhooks) and routing rules tell people away from the desk; each channel keeps a
-- log of its deliveries.

-- A customer's or a tag's planned maintenance: once (from, to), or weekly (days, start,
-- duration, in a time zone). Checks go on; nothing is told; uptime leaves the time out.
CREATE TABLE maintenance_windows (
    id               INTEGER PRIMARY KEY,
    scope            TEXT NOT NULL CHECK (scope IN ('customer', 'tag')),
    customer_id      TEXT REFERENCES customers (id) ON DELETE CASCADE,
    tag_id           INTEGER REFERENCES tags (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('once', 'weekly')),
    starts_at        TEXT,               -- once: RFC 3339
    ends_at          TEXT,               -- once: RFC 3339
    weekdays         INTEGER,            -- weekly: bit 0 Monday … bit 6 Sunday
    start_minute     INTEGER CHECK (start_minute BETWEEN 0 AND 1439),
    duration_minutes INTEGER CHECK (duration_minutes BETWEEN 1 AND 10080),
    time_zone        TEXT,               -- weekly: IANA name, e.g. Europe/Berlin
    note             TEXT NOT NULL DEFAULT '',
    created_by       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    CHECK ((scope = 'customer') = (customer_id IS NOT NULL)),
    CHECK ((scope = 'tag') = (tag_id IS NOT NULL))
) STRICT;

-- "Mute for 1 h / 4 h / 8 h / until I unmute": notifications and alert channels stay quiet
-- for a customer or a tag; 'all' mutes this computer's desktop notifications.
CREATE TABLE mutes (
    id          INTEGER PRIMARY KEY,
    scope       TEXT NOT NULL CHECK (scope IN ('customer', 'tag', 'all')),
    customer_id TEXT REFERENCES customers (id) ON DELETE CASCADE,
    tag_id      INTEGER REFERENCES tags (id) ON DELETE CASCADE,
    until       TEXT,                    -- NULL: until unmuted
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
) STRICT;

-- Where alerts go besides the desktop. `settings` is the channel's JSON (host, port,
-- security, from, to, url, preset, …); its password or signing secret is sealed in
-- `channel_secrets` under the vault's key, never here.
CREATE TABLE alert_channels (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL CHECK (kind IN ('email', 'webhook')),
    settings   TEXT NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;

CREATE TABLE channel_secrets (
    channel_id INTEGER PRIMARY KEY REFERENCES alert_channels (id) ON DELETE CASCADE,
    sealed     BLOB NOT NULL
) STRICT;

-- Which events for which customers go to which channel.
CREATE TABLE alert_rules (
    id            INTEGER PRIMARY KEY,
    channel_id    INTEGER NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    events        TEXT NOT NULL,         -- JSON array of event names
    scope         TEXT NOT NULL CHECK (scope IN ('all', 'tag', 'customers')),
    tag_id        INTEGER REFERENCES tags (id) ON DELETE CASCADE,
    customer_ids  TEXT NOT NULL DEFAULT '[]',   -- JSON array, for scope 'customers'
    sync_failures INTEGER NOT NULL DEFAULT 3 CHECK (sync_failures BETWEEN 1 AND 100),
    created_at    TEXT NOT NULL
) STRICT;

-- Each attempt to deliver an alert; the last 200 per channel are kept.
CREATE TABLE alert_deliveries (
    id         INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES alert_channels (id) ON DELETE CASCADE,
    at         TEXT NOT NULL,
    event      TEXT NOT NULL,
    attempt    INTEGER NOT NULL,
    outcome    TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'gave_up')),
    detail     TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX alert_deliveries_by_channel ON alert_deliveries (channel_id, id);
