-- A backup writes a restore point into its copy; a desk starting on a
-- database with a restore point not yet restored_at holds every outbox item
-- that could still leave (pending, sending, awaiting approval) for a person
-- to confirm, because the live desk may have sent them after the copy was
-- taken (outbox.HoldRestored). held_from is the state to return to on
-- release; the reason is the item's decision_note.

-- +goose Up
CREATE TABLE restore_points (
    id              INTEGER PRIMARY KEY,
    backup_taken_at INTEGER NOT NULL,
    source          TEXT NOT NULL DEFAULT '',
    restored_at     INTEGER,
    held            INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE outbox ADD COLUMN held_from TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE outbox DROP COLUMN held_from;
DROP TABLE restore_points;
