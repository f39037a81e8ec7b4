-- Crisis rooms (internal/crisis): opened from an alert or by hand; they
-- gather posts and cases (near-duplicate clusters are computed from the
-- posts' SimHash), hold tasks and a timeline, link advisories published
-- through internal/publish, send one approved rebuttal to each post of a
-- rumour cluster through the outbox, and run surge mode. Every change
-- writes a crisis_events row and an audit entry in one transaction.

-- +goose Up
CREATE TABLE crisis_rooms (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL,
    severity          TEXT NOT NULL,               -- info, warning, critical
    state             TEXT NOT NULL DEFAULT 'open', -- open, closed
    alert_id          INTEGER REFERENCES alerts(id),
    area              TEXT NOT NULL DEFAULT '',     -- the locality as people name it
    stations          TEXT NOT NULL DEFAULT '[]',   -- JSON: police stations (posts.station) it covers; [] the whole city
    since             INTEGER NOT NULL,             -- posts from here on are gathered
    created_by        INTEGER NOT NULL REFERENCES users(id),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    closed_by         INTEGER REFERENCES users(id),
    closed_at         INTEGER,
    summary           TEXT NOT NULL DEFAULT '',
    surge             INTEGER NOT NULL DEFAULT 0,
    surge_template_id INTEGER,                      -- reply_templates: the bulk acknowledgement
    surge_link        TEXT NOT NULL DEFAULT '',     -- the pinned advisory link
    surge_at          INTEGER,                      -- posts from here on are acknowledged
    surge_by          INTEGER REFERENCES users(id)
);
CREATE INDEX crisis_rooms_state ON crisis_rooms(state, id);
CREATE UNIQUE INDEX crisis_rooms_alert ON crisis_rooms(alert_id) WHERE state = 'open' AND alert_id IS NOT NULL;

-- What a room holds. removed keeps a person's removal from being undone by
-- the next gathering.
CREATE TABLE crisis_items (
    room_id  INTEGER NOT NULL REFERENCES crisis_rooms(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,                -- post, case
    ref_id   INTEGER NOT NULL,
    via      TEXT NOT NULL DEFAULT '',    -- alert (its detector's or source's posts), area (the room's stations), or '' (by hand)
    manual   INTEGER NOT NULL DEFAULT 0,   -- added by a person
    removed  INTEGER NOT NULL DEFAULT 0,
    added_by INTEGER REFERENCES users(id),
    added_at INTEGER NOT NULL,
    PRIMARY KEY (room_id, kind, ref_id)
);
CREATE INDEX crisis_items_ref ON crisis_items(kind, ref_id);

CREATE TABLE crisis_tasks (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES crisis_rooms(id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    owner_id   INTEGER REFERENCES users(id),
    due_at     INTEGER,
    done_at    INTEGER,
    done_by    INTEGER REFERENCES users(id),
    created_by INTEGER NOT NULL REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX crisis_tasks_room ON crisis_tasks(room_id, id);

CREATE TABLE crisis_events (
    id      INTEGER PRIMARY KEY,
    room_id INTEGER NOT NULL REFERENCES crisis_rooms(id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX crisis_events_room ON crisis_events(room_id, id);

CREATE TABLE crisis_publications (
    room_id        INTEGER NOT NULL REFERENCES crisis_rooms(id) ON DELETE CASCADE,
    publication_id INTEGER NOT NULL REFERENCES publications(id),
    added_at       INTEGER NOT NULL,
    PRIMARY KEY (room_id, publication_id)
);

-- A rebuttal: one text (per language) for every post of a cluster, as it
-- stood when requested, sent once approved.
CREATE TABLE crisis_rebuttals (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES crisis_rooms(id) ON DELETE CASCADE,
    cluster      TEXT NOT NULL,
    template_id  INTEGER,
    bodies       TEXT NOT NULL,                          -- JSON lang -> text
    state        TEXT NOT NULL DEFAULT 'awaiting_approval', -- awaiting_approval, approved, rejected, done
    requested_by INTEGER NOT NULL REFERENCES users(id),
    requested_at INTEGER NOT NULL,
    decided_by   INTEGER REFERENCES users(id),
    decided_at   INTEGER,
    note         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX crisis_rebuttals_state ON crisis_rebuttals(state, id);

CREATE TABLE crisis_rebuttal_posts (
    rebuttal_id INTEGER NOT NULL REFERENCES crisis_rebuttals(id) ON DELETE CASCADE,
    post_id     INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending', -- pending, queued, skipped
    reason      TEXT NOT NULL DEFAULT '',        -- why skipped: deleted, private, no_channel, already_answered, refused
    outbox_id   INTEGER,
    at          INTEGER,
    PRIMARY KEY (rebuttal_id, post_id)
);
CREATE INDEX crisis_rebuttal_posts_pending ON crisis_rebuttal_posts(state, rebuttal_id);

-- Every post the rooms answered (rebuttal or surge acknowledgement),
-- inserted in the transaction that queues the outbox item: a post is
-- never answered twice for one purpose, across restarts and replicas.
-- Its platform and time drive the per-platform rate limit.
CREATE TABLE crisis_answered (
    post_id   INTEGER NOT NULL,
    purpose   TEXT NOT NULL, -- rebuttal, ack
    platform  TEXT NOT NULL,
    room_id   INTEGER NOT NULL,
    outbox_id INTEGER,
    at        INTEGER NOT NULL,
    PRIMARY KEY (post_id, purpose)
);
CREATE INDEX crisis_answered_rate ON crisis_answered(platform, at);

-- +goose Down
DROP TABLE crisis_answered;
DROP TABLE crisis_rebuttal_posts;
DROP TABLE crisis_rebuttals;
DROP TABLE crisis_publications;
DROP TABLE crisis_events;
DROP TABLE crisis_tasks;
DROP TABLE crisis_items;
DROP TABLE crisis_rooms;
