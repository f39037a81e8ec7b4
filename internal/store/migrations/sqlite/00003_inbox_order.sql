-- The inbox walks cases in triage order (priority, newest activity first)
-- per status and stops after a page; these indexes serve that walk
-- directly instead of sorting every open case.

-- +goose Up
DROP INDEX cases_queue;
CREATE INDEX cases_queue ON cases(status, priority, last_post_at DESC, id DESC);
CREATE INDEX cases_triage ON cases(priority, last_post_at DESC, id DESC);

-- +goose Down
DROP INDEX cases_triage;
DROP INDEX cases_queue;
CREATE INDEX cases_queue ON cases(status, priority, last_post_at);
