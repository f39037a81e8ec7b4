-- The term index of 00752 is dropped: with it the planner read a whole
-- kind's history in term order for the top hashtags (0.6 s over a year of
-- 2,000 hashtags a day) instead of the window's days by the primary key;
-- the emerging terms' baselines now read by the primary key too (day
-- range, then the terms).

-- +goose Up
DROP INDEX term_daily_term;

-- +goose Down
CREATE INDEX term_daily_term ON term_daily(kind, term, day);
