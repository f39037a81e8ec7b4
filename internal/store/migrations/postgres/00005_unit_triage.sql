-- A station officer's inbox is every case of their unit in triage order;
-- these serve it (and its status filters) without sorting the unit's
-- whole history.

-- +goose Up
DROP INDEX cases_unit;
CREATE INDEX cases_unit ON cases(unit_id, priority, last_post_at DESC, id DESC);
CREATE INDEX cases_unit_status ON cases(unit_id, status, priority, last_post_at DESC, id DESC);

-- +goose Down
DROP INDEX cases_unit_status;
DROP INDEX cases_unit;
CREATE INDEX cases_unit ON cases(unit_id, status);
