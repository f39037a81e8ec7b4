-- Locality broadcast groups (issue 15, community policing): each
-- station's Telegram channel and WhatsApp broadcast, the citizens who
-- asked to receive its advisories, and which stations an advisory is for.

-- +goose Up
-- The accounts that speak for a station: a Telegram channel (a channel
-- row whose publish_chat is the station's channel) and a WhatsApp number
-- with the approved template broadcasts go out in.
CREATE TABLE station_groups (
    unit_id           INTEGER PRIMARY KEY REFERENCES units(id) ON DELETE CASCADE,
    telegram_channel  INTEGER REFERENCES channels(id) ON DELETE SET NULL,
    whatsapp_channel  INTEGER REFERENCES channels(id) ON DELETE SET NULL,
    whatsapp_template TEXT NOT NULL DEFAULT '',
    template_lang     TEXT NOT NULL DEFAULT '',
    updated_by        INTEGER REFERENCES users(id),
    updated_at        INTEGER NOT NULL
);

-- A citizen who asked, from their own WhatsApp number, to receive a
-- station's advisories. evidence is the platform's id of the message that
-- asked (no one is added by staff); opted_out_at ends it at once.
CREATE TABLE broadcast_subscribers (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    channel_id   INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    wa_id        TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    consented_at INTEGER NOT NULL,
    opted_out_at INTEGER,
    UNIQUE (unit_id, channel_id, wa_id)
);
CREATE INDEX broadcast_subscribers_active ON broadcast_subscribers(unit_id, channel_id) WHERE opted_out_at IS NULL;
CREATE INDEX broadcast_subscribers_number ON broadcast_subscribers(channel_id, wa_id);

CREATE TABLE publication_targets (
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    unit_id        INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    PRIMARY KEY (publication_id, unit_id)
);
CREATE INDEX publication_targets_unit ON publication_targets(unit_id);

-- Each WhatsApp broadcast message queued, so an opt-out withdraws the
-- ones not yet sent in its own transaction.
CREATE TABLE broadcast_sends (
    outbox_id      INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    subscriber_id  INTEGER NOT NULL REFERENCES broadcast_subscribers(id) ON DELETE CASCADE,
    occurrence     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (publication_id, subscriber_id, occurrence)
);
CREATE INDEX broadcast_sends_subscriber ON broadcast_sends(subscriber_id);

-- +goose Down
DROP TABLE broadcast_sends;
DROP TABLE publication_targets;
DROP TABLE broadcast_subscribers;
DROP TABLE station_groups;
