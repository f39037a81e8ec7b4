-- The desk's working tables (issue 11): saved inbox views, @mentions in
-- internal notes, and reply templates with language variants.

-- +goose Up
-- A saved view is a filter set of the inbox, kept as its canonical query
-- string (the same parameters as GET /api/v1/cases), personal or shared.
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY,
    owner_id   INTEGER NOT NULL REFERENCES users(id),
    name       TEXT NOT NULL,
    query      TEXT NOT NULL,
    shared     INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (owner_id, name)
);
CREATE INDEX saved_views_shared ON saved_views(shared) WHERE shared = 1;

-- One row per person named with @username in a note: their mentions list.
CREATE TABLE mentions (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    event_id   INTEGER NOT NULL REFERENCES case_events(id) ON DELETE CASCADE,
    author_id  INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX mentions_user ON mentions(user_id, id);

-- Canned replies. bodies is a JSON object of language → text ("en", "kn",
-- "hi"); helpline names a built-in helpline for {helpline}.
CREATE TABLE reply_templates (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    purpose    TEXT NOT NULL DEFAULT '',
    helpline   TEXT NOT NULL DEFAULT '',
    bodies     TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- +goose Down
DROP TABLE reply_templates;
DROP TABLE mentions;
DROP TABLE saved_views;
