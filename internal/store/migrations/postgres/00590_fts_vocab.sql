-- SQLite only (its search index's vocabulary, see the sqlite migration of
-- the same number); PostgreSQL's tsvector search needs nothing here.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
