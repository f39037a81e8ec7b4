-- The next occurrence of a publication to hand to the outbox: recurring
-- advisories sent only to stations' groups have no per-account sends to
-- count them by.

-- +goose Up
ALTER TABLE publications ADD COLUMN queued_occurrences BIGINT NOT NULL DEFAULT 0;
UPDATE publications SET queued_occurrences = COALESCE((SELECT MAX(occurrence) + 1 FROM publication_sends s WHERE s.publication_id = publications.id), 0);

-- +goose Down
ALTER TABLE publications DROP COLUMN queued_occurrences;
