-- PostgreSQL's search vector is rebuilt from words only (see the
-- PostgreSQL migration of this number). SQLite's tokenizer already splits
-- at everything but letters, digits and marks, so its index is unchanged;
-- the file keeps the two dialects' version numbers in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
