-- How each channel listens for each approved listening query on its
-- platform (internal/query listensync.go): the platform's form of the
-- query (X stream rule values, Bluesky and Mastodon searches), whether it
-- is exact or widened, and the last sync and error. The connector that
-- runs the channel (one replica, under the channel's lease) reports its
-- whole state after every sync; the query pages read it.

-- +goose Up
CREATE TABLE listening_sync (
    query_id    INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    platform    TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    state       TEXT NOT NULL,              -- exact, widened, partial, unsearchable, never, unsupported, error
    form        TEXT NOT NULL DEFAULT '',   -- what the platform is asked (one line per rule or search)
    reasons     TEXT NOT NULL DEFAULT '',   -- comma-separated widening codes (query.Widen*)
    error       TEXT NOT NULL DEFAULT '',   -- the platform's last refusal, '' when the last sync succeeded
    synced_at   INTEGER,                      -- last successful sync
    checked_at  INTEGER NOT NULL,             -- last attempt
    PRIMARY KEY (query_id, channel_id)
);
CREATE INDEX listening_sync_channel ON listening_sync(channel_id);

-- +goose Down
DROP TABLE listening_sync;
