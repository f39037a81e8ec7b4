-- Rumour clusters (internal/rumour): groups of near-duplicate posts (their
-- SimHashes at most 6 bits apart) that grew fast, weighted by
-- misinformation cues, gathered per station. Kept by the detector loop on
-- the replica holding its lease; read by alerts and crisis rooms
-- (rumour.ClusterPosts) to answer each post of a cluster.

-- +goose Up
CREATE TABLE rumour_clusters (
    id        INTEGER PRIMARY KEY,
    station   TEXT NOT NULL DEFAULT '',   -- the station most of its posts are placed in ('' none)
    langs     TEXT NOT NULL DEFAULT '',   -- its posts' languages, comma-separated, most used first
    posts     INTEGER NOT NULL DEFAULT 0,
    authors   INTEGER NOT NULL DEFAULT 0, -- distinct accounts
    cues      TEXT NOT NULL DEFAULT '',   -- the misinformation cues its posts carry, comma-separated
    score     REAL NOT NULL DEFAULT 0,    -- the highest growth score it reached
    first_at  INTEGER NOT NULL,           -- its first post
    last_at   INTEGER NOT NULL,           -- its latest post
    found_at  INTEGER NOT NULL            -- when the detector first saw it grow
);
CREATE INDEX rumour_clusters_recent ON rumour_clusters(last_at);
CREATE TABLE rumour_posts (
    cluster_id INTEGER NOT NULL REFERENCES rumour_clusters(id) ON DELETE CASCADE,
    post_id    INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,          -- the post's created_at
    cue_weight REAL NOT NULL DEFAULT 0,
    cues       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (cluster_id, post_id)
) WITHOUT ROWID;
-- A post is in one cluster at most.
CREATE UNIQUE INDEX rumour_posts_post ON rumour_posts(post_id);
CREATE INDEX rumour_posts_at ON rumour_posts(at);

-- +goose Down
DROP TABLE rumour_posts;
DROP TABLE rumour_clusters;
