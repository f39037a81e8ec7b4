-- The audit chain is keyed: each entry's hash is an HMAC under a key
-- derived from the master key (kept outside the database), named by
-- key_id ('' for the SHA-256 entries written before). keyed_from is the
-- migration point: the first keyed entry, whose MAC covers the hash of
-- every entry before it, so the old entries need no rewriting (the log
-- stays append-only) and cannot be edited and re-hashed either.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE audit_head DROP COLUMN keyed_from;
ALTER TABLE audit_log DROP COLUMN key_id;
