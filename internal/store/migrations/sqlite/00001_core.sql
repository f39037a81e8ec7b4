-- Core schema: units, users, posts (the durable ingest log), cases.
-- Times are Unix milliseconds (UTC) in both dialects.

-- +goose Up
CREATE TABLE units (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,          -- stable key, e.g. "blr/ps/adugodi"
    kind       TEXT NOT NULL,                 -- force, division, subdivision, station, traffic_division, traffic_subdivision, traffic_station
    name       TEXT NOT NULL,                 -- exactly as in the jurisdiction pack, e.g. "Adugodi PS"
    name_kn    TEXT NOT NULL DEFAULT '',
    parent_id  INTEGER REFERENCES units(id),
    phone      TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    lat        REAL,
    lon        REAL,
    geometry   TEXT NOT NULL DEFAULT '',      -- GeoJSON geometry of the jurisdiction
    created_at INTEGER NOT NULL
);
CREATE INDEX units_parent ON units(parent_id);
CREATE INDEX units_name ON units(name);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL,              -- admin, supervisor, agent, station_officer, analyst
    unit_id       INTEGER REFERENCES units(id), -- a station officer's unit
    team          TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    must_change   INTEGER NOT NULL DEFAULT 0,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,        -- SHA-256 of the token; the token itself is shown once
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    expires_at   INTEGER,
    revoked_at   INTEGER
);

CREATE TABLE citizens (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL DEFAULT '',
    notes      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
);

CREATE TABLE authors (
    id            INTEGER PRIMARY KEY,
    platform      TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    handle        TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL DEFAULT '',
    location      TEXT NOT NULL DEFAULT '',
    citizen_id    INTEGER REFERENCES citizens(id),
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    post_count    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (platform, external_id)
);

CREATE TABLE cases (
    id                 INTEGER PRIMARY KEY,
    ref                TEXT NOT NULL UNIQUE,   -- BCP-2026-000123
    status             TEXT NOT NULL DEFAULT 'new',
    priority           INTEGER NOT NULL DEFAULT 3, -- 1 critical, 2 high, 3 normal, 4 low
    urgency            INTEGER NOT NULL DEFAULT 0,
    category           TEXT NOT NULL DEFAULT '',
    subject            TEXT NOT NULL DEFAULT '',
    platform           TEXT NOT NULL,
    channel            TEXT NOT NULL DEFAULT '',
    author_id          INTEGER REFERENCES authors(id),
    thread_key         TEXT NOT NULL,          -- what later posts thread on
    assignee_id        INTEGER REFERENCES users(id),
    team               TEXT NOT NULL DEFAULT '',
    unit_id            INTEGER REFERENCES units(id),
    traffic_unit_id    INTEGER REFERENCES units(id),
    lang               TEXT NOT NULL DEFAULT '',
    private            INTEGER NOT NULL DEFAULT 0,
    post_count         INTEGER NOT NULL DEFAULT 0,
    first_response_due INTEGER,
    resolve_due        INTEGER,
    first_response_at  INTEGER,
    resolved_at        INTEGER,
    closed_at          INTEGER,
    last_post_at       INTEGER NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    version            INTEGER NOT NULL DEFAULT 1  -- optimistic locking for concurrent edits
);
-- Threading looks up the open case of a thread. Not unique: an author's
-- new matter after the thread window opens a second case while the first
-- is still open (the pipeline serialises per thread instead).
CREATE INDEX cases_thread ON cases(thread_key, id) WHERE status NOT IN ('resolved', 'closed');
CREATE INDEX cases_queue ON cases(status, priority, last_post_at);
CREATE INDEX cases_unit ON cases(unit_id, status);
CREATE INDEX cases_assignee ON cases(assignee_id, status);
CREATE INDEX cases_updated ON cases(updated_at);

CREATE TABLE case_tags (
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (case_id, tag)
);
CREATE INDEX case_tags_tag ON case_tags(tag);

-- The timeline: append-only events of a case.
CREATE TABLE case_events (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    actor_id INTEGER REFERENCES users(id),     -- NULL for the system
    kind     TEXT NOT NULL,                    -- opened, post, status, assign, priority, comment, unit, tag, category, reply
    body     TEXT NOT NULL DEFAULT '{}'        -- JSON
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE ref_counters (
    prefix TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

-- The durable ingest log. Author fields are denormalised so intake is one
-- insert per post; the desk stage maintains the authors table.
CREATE TABLE posts (
    id                 INTEGER PRIMARY KEY,
    platform           TEXT NOT NULL,
    external_id        TEXT NOT NULL,
    kind               TEXT NOT NULL DEFAULT '',
    channel            TEXT NOT NULL DEFAULT '',
    thread_id          TEXT NOT NULL DEFAULT '',
    in_reply_to        TEXT NOT NULL DEFAULT '',
    author_external_id TEXT NOT NULL DEFAULT '',
    author_handle      TEXT NOT NULL DEFAULT '',
    author_name        TEXT NOT NULL DEFAULT '',
    author_location    TEXT NOT NULL DEFAULT '',
    author_id          INTEGER REFERENCES authors(id),
    text               TEXT NOT NULL,
    declared_lang      TEXT NOT NULL DEFAULT '',
    url                TEXT NOT NULL DEFAULT '',
    lat                REAL,
    lon                REAL,
    private            INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL,
    received_at        INTEGER NOT NULL,
    raw                TEXT NOT NULL DEFAULT '',
    stage              INTEGER NOT NULL DEFAULT 0, -- 0 stored, 1 analysed, 2 on the desk
    analysis           TEXT,                       -- JSON post.Analysis
    lang               TEXT NOT NULL DEFAULT '',
    sentiment          TEXT NOT NULL DEFAULT '',
    urgency            INTEGER NOT NULL DEFAULT 0,
    emergency          INTEGER NOT NULL DEFAULT 0,
    offensive          INTEGER NOT NULL DEFAULT 0,
    category           TEXT NOT NULL DEFAULT '',
    station            TEXT NOT NULL DEFAULT '',
    simhash            INTEGER NOT NULL DEFAULT 0,
    case_id            INTEGER REFERENCES cases(id),
    UNIQUE (platform, external_id)
);
CREATE INDEX posts_stage ON posts(stage) WHERE stage < 2;
CREATE INDEX posts_created ON posts(created_at);
CREATE INDEX posts_case ON posts(case_id);
CREATE INDEX posts_author ON posts(platform, author_external_id, id);

-- Full-text index over the folded text (textnorm.Fold). M* keeps Kannada
-- and Devanagari vowel signs inside words; contentless with rowid = posts.id.
CREATE VIRTUAL TABLE posts_fts USING fts5(
    body,
    content = '',
    contentless_delete = 1,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
);

-- Cursors of pollers and streams, saved after their batch is durable.
CREATE TABLE checkpoints (
    source     TEXT PRIMARY KEY,
    vals       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE checkpoints;
DROP TABLE posts_fts;
DROP TABLE posts;
DROP TABLE ref_counters;
DROP TABLE case_events;
DROP TABLE case_tags;
DROP TABLE cases;
DROP TABLE authors;
DROP TABLE citizens;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE units;
