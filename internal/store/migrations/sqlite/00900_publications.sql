-- Publishing (issue 15): posts composed once for many accounts, approved
-- by one or two people other than their authors, scheduled, grouped in
-- campaigns. Rows reach the outbox only once their approvals are in.

-- +goose Up
CREATE TABLE campaigns (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    goal       TEXT NOT NULL DEFAULT '',
    starts_at  INTEGER,
    ends_at    INTEGER,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- kind decides the approval rule (publish_policies) and the emergency
-- fast path. round counts submissions: an approval belongs to one round,
-- so approvals of words since changed never count.
CREATE TABLE publications (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('post', 'advisory', 'emergency')),
    title           TEXT NOT NULL,
    campaign_id     INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'in_review', 'approved', 'rejected', 'cancelled')),
    levels          INTEGER NOT NULL DEFAULT 1,
    round           INTEGER NOT NULL DEFAULT 0,
    scheduled_at    INTEGER,
    recur           TEXT NOT NULL DEFAULT '' CHECK (recur IN ('', 'daily', 'weekly', 'monthly')),
    recur_until     INTEGER,
    after_sign_due  INTEGER NOT NULL DEFAULT 0,
    after_signed_by INTEGER REFERENCES users(id),
    after_signed_at INTEGER,
    public          INTEGER NOT NULL DEFAULT 1,
    released_at     INTEGER,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX publications_state ON publications(state, id);
CREATE INDEX publications_scheduled ON publications(scheduled_at);
CREATE INDEX publications_campaign ON publications(campaign_id) WHERE campaign_id IS NOT NULL;
CREATE INDEX publications_after_sign ON publications(id) WHERE after_sign_due = 1;

-- The words in each language, for the public site and as the start of
-- each account's version.
CREATE TABLE publication_texts (
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    lang           TEXT NOT NULL CHECK (lang IN ('en', 'kn', 'hi')),
    text           TEXT NOT NULL,
    PRIMARY KEY (publication_id, lang)
);

-- One post on one account in one language.
CREATE TABLE publication_versions (
    id             INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    channel_id     INTEGER NOT NULL REFERENCES channels(id),
    lang           TEXT NOT NULL CHECK (lang IN ('en', 'kn', 'hi')),
    text           TEXT NOT NULL,
    with_media     INTEGER NOT NULL DEFAULT 0,
    UNIQUE (publication_id, channel_id, lang)
);

-- Images stored by the desk, served to the platforms (which download
-- them) only once the publication is approved.
CREATE TABLE publication_media (
    id             INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    content_type   TEXT NOT NULL,
    size           INTEGER NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    alt_en         TEXT NOT NULL,
    alt_kn         TEXT NOT NULL DEFAULT '',
    alt_hi         TEXT NOT NULL DEFAULT '',
    data           BLOB NOT NULL,
    created_by     INTEGER REFERENCES users(id),
    created_at     INTEGER NOT NULL
);
CREATE INDEX publication_media_pub ON publication_media(publication_id, position);
CREATE INDEX publication_media_sha ON publication_media(sha256);

-- The primary key (publication, round, level) and the unique person per
-- round make the database itself refuse a second approval of a level and
-- one person approving twice.
CREATE TABLE publication_approvals (
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    round          INTEGER NOT NULL,
    level          INTEGER NOT NULL,
    user_id        INTEGER NOT NULL REFERENCES users(id),
    at             INTEGER NOT NULL,
    PRIMARY KEY (publication_id, round, level),
    UNIQUE (publication_id, round, user_id)
);

-- The full history: created, edited, submitted, approved, rejected,
-- commented, released, after_signed, rescheduled, cancelled.
CREATE TABLE publication_events (
    id             INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    at             INTEGER NOT NULL,
    user_id        INTEGER REFERENCES users(id),
    action         TEXT NOT NULL,
    round          INTEGER NOT NULL DEFAULT 0,
    note           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX publication_events_pub ON publication_events(publication_id, id);

-- Each (version, occurrence) goes to the outbox once: the primary key and
-- the outbox's idempotency key hold across replicas and restarts.
CREATE TABLE publication_sends (
    version_id     INTEGER NOT NULL REFERENCES publication_versions(id) ON DELETE CASCADE,
    occurrence     INTEGER NOT NULL,
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    due_at         INTEGER NOT NULL,
    outbox_id      INTEGER NOT NULL,
    PRIMARY KEY (version_id, occurrence)
);
CREATE INDEX publication_sends_pub ON publication_sends(publication_id, occurrence);
CREATE INDEX publication_sends_outbox ON publication_sends(outbox_id);

-- Approval levels by account (0: any) and kind ('': any); the most
-- specific rule wins, and with none a post needs one approval.
CREATE TABLE publish_policies (
    channel_id INTEGER NOT NULL DEFAULT 0,
    kind       TEXT NOT NULL DEFAULT '',
    levels     INTEGER NOT NULL CHECK (levels IN (1, 2)),
    updated_by INTEGER REFERENCES users(id),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (channel_id, kind)
);

-- +goose Down
DROP TABLE publish_policies;
DROP TABLE publication_sends;
DROP TABLE publication_events;
DROP TABLE publication_approvals;
DROP TABLE publication_media;
DROP TABLE publication_versions;
DROP TABLE publication_texts;
DROP TABLE publications;
DROP TABLE campaigns;
