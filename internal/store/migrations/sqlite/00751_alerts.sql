-- Alerts of the watch floor (internal/alert): raised by detectors and
-- rules, deduplicated while open, held back during a cooldown after a
-- person acknowledged one, acknowledged by a person (audited).

-- +goose Up
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,              -- what raised it: spike.query, spike.category, spike.station, rule…
    dedupe_key  TEXT NOT NULL,              -- kind and subject: one open alert per key
    subject     TEXT NOT NULL,              -- what it is about, as people read it (a query's, category's or station's name)
    severity    TEXT NOT NULL,              -- info, warning, critical
    detail      TEXT NOT NULL DEFAULT '{}', -- JSON: observed, expected, score, hour, …
    link        TEXT NOT NULL DEFAULT '',   -- a desk path to look at it
    state       TEXT NOT NULL DEFAULT 'open', -- open, acknowledged
    raised      INTEGER NOT NULL DEFAULT 1,    -- times its detector saw it (repeats while open or cooling down)
    first_at    INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    acked_by    INTEGER REFERENCES users(id),
    acked_at    INTEGER,
    ack_note    TEXT NOT NULL DEFAULT ''
);
-- Two replicas (or a replica that lost its lease mid-run) cannot open the
-- same alert twice.
CREATE UNIQUE INDEX alerts_open_key ON alerts(dedupe_key) WHERE state = 'open';
CREATE INDEX alerts_key ON alerts(dedupe_key, id);
CREATE INDEX alerts_recent ON alerts(last_at);

-- +goose Down
DROP TABLE alerts;
