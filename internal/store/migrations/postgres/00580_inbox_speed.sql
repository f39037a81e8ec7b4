-- The inbox at 1,000,000 posts (issue 11, "Speed"): every variant a desk
-- uses walks one index in its order and stops after a page.
--
-- Gone: the four indexes of the old (priority, last activity) order, which
-- no query reads since the triage order replaced it (migration 00550) and
-- which every post joining a case rewrote (last_post_at moves).
-- New: a station officer's inbox per unit in the deadline and latest-change
-- orders (the triage order has cases_unit_triage); the category filter in
-- triage order; "assigned to me" and "unassigned" in triage order (the
-- old (assignee_id, status) index made the database sort every unassigned
-- case); and, for the case page, a citizen's other cases newest first and
-- their linked accounts (without it, every case page read every author).

-- +goose Up
DROP INDEX cases_queue;
DROP INDEX cases_triage;
DROP INDEX cases_unit;
DROP INDEX cases_unit_status;
DROP INDEX cases_assignee;
CREATE INDEX cases_unit_deadline ON cases(unit_id, status, due_at, priority, id);
CREATE INDEX cases_unit_updated ON cases(unit_id, status, updated_at DESC, id DESC);
CREATE INDEX cases_cat_triage ON cases(status, category, priority, urgency DESC, due_at, id);
CREATE INDEX cases_assignee_triage ON cases(assignee_id, status, priority, urgency DESC, due_at, id);
CREATE INDEX cases_author ON cases(author_id, id);
CREATE INDEX authors_citizen ON authors(citizen_id) WHERE citizen_id IS NOT NULL;

-- +goose Down
DROP INDEX authors_citizen;
DROP INDEX cases_author;
DROP INDEX cases_assignee_triage;
DROP INDEX cases_cat_triage;
DROP INDEX cases_unit_updated;
DROP INDEX cases_unit_deadline;
CREATE INDEX cases_assignee ON cases(assignee_id, status);
CREATE INDEX cases_unit_status ON cases(unit_id, status, priority, last_post_at DESC, id DESC);
CREATE INDEX cases_unit ON cases(unit_id, priority, last_post_at DESC, id DESC);
CREATE INDEX cases_triage ON cases(priority, last_post_at DESC, id DESC);
CREATE INDEX cases_queue ON cases(status, priority, last_post_at DESC, id DESC);
