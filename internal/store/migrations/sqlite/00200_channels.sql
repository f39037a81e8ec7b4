-- Channels (connected accounts and listening sources) and leases (which
-- replica runs a singleton such as a channel's poller or stream).
-- Times are Unix milliseconds (UTC) in both dialects.

-- +goose Up
CREATE TABLE channels (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    name          TEXT NOT NULL,
    config        TEXT NOT NULL DEFAULT '{}',   -- JSON object of non-secret settings
    secrets       TEXT NOT NULL DEFAULT '',     -- secretbox-sealed JSON object; '' when none
    secret_keys   TEXT NOT NULL DEFAULT '[]',   -- JSON array of the names of the set secrets (never values)
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'error')),
    status_reason TEXT NOT NULL DEFAULT '',
    health        TEXT NOT NULL DEFAULT '{}',   -- JSON: last health as seen by the replica running it
    version       INTEGER NOT NULL DEFAULT 1,   -- bumped on every config/secret change: connectors restart
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    UNIQUE (platform, name)
);

CREATE TABLE leases (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    acquired_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE channels;
