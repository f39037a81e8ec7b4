-- 00755's index with the status in it: a count of open cases per unit
-- then reads the index alone (status is in its WHERE; SQLite would not
-- treat the index as covering without it): 20 ms instead of 100 ms for
-- 50,000 open cases.

-- +goose Up
DROP INDEX cases_open_unit;
CREATE INDEX cases_open_unit ON cases(unit_id, status, priority, due_at) WHERE status IN ('new', 'open', 'waiting_station', 'waiting_citizen');

-- +goose Down
DROP INDEX cases_open_unit;
CREATE INDEX cases_open_unit ON cases(unit_id, priority, due_at) WHERE status IN ('new', 'open', 'waiting_station', 'waiting_citizen');
