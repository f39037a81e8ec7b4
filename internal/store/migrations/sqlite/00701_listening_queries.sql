-- Saved listening queries (internal/query). Each has an owner and, per
-- revision, a purpose; a revision matches posts only once someone other
-- than its author, holding queries:approve, has approved it. The approved
-- definition is copied onto the query row (live_*), so the pipeline reads
-- one small table; proposals wait as pending revisions meanwhile.

-- +goose Up
CREATE TABLE listening_queries (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    owner_id      INTEGER NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL DEFAULT 'pending', -- pending (never approved), active, retired
    live_revision INTEGER,                            -- the approved revision being matched
    live_query    TEXT NOT NULL DEFAULT '',        -- its canonical query
    live_purpose  TEXT NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX listening_queries_status ON listening_queries(status);

CREATE TABLE listening_query_revisions (
    id          INTEGER PRIMARY KEY,
    query_id    INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,   -- canonical form (query.Query.String)
    purpose     TEXT NOT NULL,
    proposed_by INTEGER NOT NULL REFERENCES users(id),
    proposed_at INTEGER NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending', -- pending, approved, rejected, withdrawn
    decided_by  INTEGER REFERENCES users(id),
    decided_at  INTEGER,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX listening_query_revisions_query ON listening_query_revisions(query_id, id);
-- At most one proposal waits per query: a newer one withdraws it.
CREATE UNIQUE INDEX listening_query_revisions_pending ON listening_query_revisions(query_id) WHERE state = 'pending';

-- Every post an approved query matched, recorded by the pipeline in the
-- transaction that puts the post on the desk, so dashboards and alerts
-- count per query.
CREATE TABLE query_matches (
    query_id        INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    post_id         INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    revision_id     INTEGER NOT NULL,
    post_created_at INTEGER NOT NULL,
    PRIMARY KEY (query_id, post_id)
);
CREATE INDEX query_matches_time ON query_matches(query_id, post_created_at);
CREATE INDEX query_matches_post ON query_matches(post_id);

-- +goose Down
DROP TABLE query_matches;
DROP TABLE listening_query_revisions;
DROP TABLE listening_queries;
