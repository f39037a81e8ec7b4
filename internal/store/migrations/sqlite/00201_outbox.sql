-- The one durable outbox: every reply and post leaves through here.
-- case_id and post_id carry no foreign key on purpose: the outbox is the
-- record of what was said to a citizen and outlives retention deletes.

-- +goose Up
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    channel_id       INTEGER NOT NULL,
    platform         TEXT NOT NULL,              -- of the channel at enqueue, for statuses and metrics
    kind             TEXT NOT NULL CHECK (kind IN ('reply', 'publish')),
    case_id          INTEGER,
    post_id          INTEGER,
    target           TEXT NOT NULL DEFAULT '{}', -- JSON connector.Target
    text             TEXT NOT NULL,
    template         TEXT NOT NULL DEFAULT '',   -- JSON connector.Template, '' for none
    state            TEXT NOT NULL CHECK (state IN ('awaiting_approval', 'pending', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_by       TEXT NOT NULL DEFAULT '',
    claim_expires_at INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    error_class      TEXT NOT NULL DEFAULT '',
    error_code       TEXT NOT NULL DEFAULT '',
    external_id      TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL DEFAULT '',
    sent_at          INTEGER,
    delivery_status  TEXT NOT NULL DEFAULT '',
    delivery_at      INTEGER,
    delivery_detail  TEXT NOT NULL DEFAULT '',
    needs_approval   INTEGER NOT NULL DEFAULT 0,
    approved_by      INTEGER,
    approved_at      INTEGER,
    decided_by       INTEGER,                    -- who last cancelled, rejected or retried
    decided_at       INTEGER,
    decision_note    TEXT NOT NULL DEFAULT '',
    created_by       INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX outbox_sending ON outbox(claim_expires_at) WHERE state = 'sending';
CREATE INDEX outbox_state ON outbox(state, id);
CREATE INDEX outbox_channel ON outbox(channel_id, state);
CREATE INDEX outbox_case ON outbox(case_id) WHERE case_id IS NOT NULL;
CREATE INDEX outbox_external ON outbox(platform, external_id) WHERE external_id <> '';

-- +goose Down
DROP TABLE outbox;
