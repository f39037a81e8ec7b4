-- Notifications to people (issue 13): stored per user for the desk's bell
-- and notifications page, and delivered by e-mail, Telegram and a signed
-- webhook through a durable queue (internal/notify).

-- +goose Up
-- texts is JSON {"en":{"subject":…,"body":…},"kn":{…}}; dedupe_key makes
-- a sender's retry (or another replica's) a no-op.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    severity   TEXT NOT NULL DEFAULT 'info',
    texts      TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    case_id    INTEGER REFERENCES cases(id) ON DELETE SET NULL,
    dedupe_key TEXT UNIQUE,
    created_at INTEGER NOT NULL
);

CREATE TABLE notification_recipients (
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    notification_id INTEGER NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    read_at         INTEGER,
    PRIMARY KEY (user_id, notification_id)
);
CREATE INDEX notification_recipients_unread ON notification_recipients(user_id, read_at);

-- One row per message to send outside the database: channel live (the
-- bell's push), email, telegram or webhook. A worker claims a due row by
-- moving locked_until forward, so two replicas never send it at once; a
-- crash mid-send leaves it to be retried when the lock runs out.
CREATE TABLE notification_deliveries (
    id              INTEGER PRIMARY KEY,
    notification_id INTEGER NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    locked_until    INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX notification_deliveries_due ON notification_deliveries(state, next_at);
CREATE INDEX notification_deliveries_notification ON notification_deliveries(notification_id);

-- Where a person wants to be reached besides the desk itself.
CREATE TABLE notify_contacts (
    user_id       INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    email         TEXT NOT NULL DEFAULT '',
    telegram_chat TEXT NOT NULL DEFAULT '',
    updated_at    INTEGER NOT NULL
);

-- +goose Down
DROP TABLE notify_contacts;
DROP TABLE notification_deliveries;
DROP TABLE notification_recipients;
DROP TABLE notifications;
