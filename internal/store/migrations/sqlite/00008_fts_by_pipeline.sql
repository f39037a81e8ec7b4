-- The full-text index is now filled by the pipeline when it threads a
-- post, no longer at intake. Posts an older desk stored and indexed but
-- had not yet threaded would be indexed twice; their entries go now and
-- the pipeline writes them again.

-- +goose Up
DELETE FROM posts_fts WHERE rowid IN (SELECT id FROM posts WHERE stage < 2);

-- +goose Down
SELECT 1;
