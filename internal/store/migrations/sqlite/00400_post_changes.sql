-- Edits and deletions of posts (post.Change): the current text stays in
-- posts.text, every earlier version is kept as evidence in post_versions,
-- and each applied change is one row of post_changes until the pipeline
-- has put it on the case's timeline (noted_at). A deleted post keeps its
-- text and payload until purge_after, when the retention job empties them
-- (purged_at). Times are Unix milliseconds.

-- +goose Up
ALTER TABLE posts ADD COLUMN edited_at INTEGER;
ALTER TABLE posts ADD COLUMN deleted_at INTEGER;
ALTER TABLE posts ADD COLUMN purge_after INTEGER;
ALTER TABLE posts ADD COLUMN purged_at INTEGER;
CREATE INDEX posts_purge ON posts(purge_after) WHERE purge_after IS NOT NULL AND purged_at IS NULL;

CREATE TABLE post_versions (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    text        TEXT NOT NULL,
    raw         TEXT NOT NULL DEFAULT '',
    valid_from  INTEGER NOT NULL, -- when this text became current (the post's time, or the edit before)
    replaced_at INTEGER NOT NULL, -- when the platform says the next text replaced it
    recorded_at INTEGER NOT NULL
);
CREATE INDEX post_versions_post ON post_versions(post_id, valid_from);

CREATE TABLE post_changes (
    id          INTEGER PRIMARY KEY,
    post_id     INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    op          TEXT NOT NULL,    -- edit, delete
    at          INTEGER NOT NULL, -- the platform's time of the change
    recorded_at INTEGER NOT NULL,
    noted_at    INTEGER           -- on the case timeline
);
CREATE INDEX post_changes_pending ON post_changes(id) WHERE noted_at IS NULL;

-- +goose Down
DROP TABLE post_changes;
DROP TABLE post_versions;
DROP INDEX posts_purge;
ALTER TABLE posts DROP COLUMN purged_at;
ALTER TABLE posts DROP COLUMN purge_after;
ALTER TABLE posts DROP COLUMN deleted_at;
ALTER TABLE posts DROP COLUMN edited_at;
