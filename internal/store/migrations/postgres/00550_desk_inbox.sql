-- The inbox's orders (issue 11): triage (priority, then the highest
-- urgency, then the nearest SLA deadline), deadline first, and latest
-- change first. due_at is the deadline the desk is racing now: the first
-- response until the desk has answered, then resolution; a finished case
-- has none and sorts last (year 9999, so the column is never NULL and
-- one index walk serves the order). A generated column keeps it true
-- whatever code writes the case.

-- +goose Up
ALTER TABLE cases ADD COLUMN due_at BIGINT GENERATED ALWAYS AS (
    CASE WHEN status IN ('resolved', 'closed') THEN 253402300799999
         WHEN first_response_at IS NULL THEN COALESCE(first_response_due, 253402300799999)
         ELSE COALESCE(resolve_due, 253402300799999) END) STORED;
CREATE INDEX cases_s_triage ON cases(status, priority, urgency DESC, due_at, id);
CREATE INDEX cases_s_deadline ON cases(status, due_at, priority, id);
CREATE INDEX cases_s_updated ON cases(status, updated_at DESC, id DESC);
CREATE INDEX cases_triage_all ON cases(priority, urgency DESC, due_at, id);
CREATE INDEX cases_deadline_all ON cases(due_at, priority, id);
CREATE INDEX cases_unit_triage ON cases(unit_id, status, priority, urgency DESC, due_at, id);

-- +goose Down
DROP INDEX cases_unit_triage;
DROP INDEX cases_deadline_all;
DROP INDEX cases_triage_all;
DROP INDEX cases_s_updated;
DROP INDEX cases_s_deadline;
DROP INDEX cases_s_triage;
ALTER TABLE cases DROP COLUMN due_at;
