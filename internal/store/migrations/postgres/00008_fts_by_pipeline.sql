-- SQLite's full-text index moved from intake to the pipeline (see the
-- SQLite migration of this number). PostgreSQL's search column is still
-- written at intake, so nothing changes here; the file keeps the two
-- dialects' version numbers in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
