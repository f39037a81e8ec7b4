-- Reports (issue 14): the daily brief and weekly report of a unit, stored
-- as built (redacted JSON) so a link in an e-mail opens what was sent,
-- and the schedules that e-mail them, one row per recipient, unit and
-- kind. last_period is the start of the last period delivered: with the
-- notification's dedupe key it makes a schedule send once per period.

-- +goose Up
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,            -- daily, weekly
    unit_id     INTEGER NOT NULL DEFAULT 0,   -- 0: the whole force
    since       INTEGER NOT NULL,
    until       INTEGER NOT NULL,
    data        TEXT NOT NULL,            -- JSON report.Report, redacted
    schedule_id INTEGER,
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX reports_recent ON reports(id DESC);
CREATE UNIQUE INDEX reports_scheduled ON reports(schedule_id, since) WHERE schedule_id IS NOT NULL;

CREATE TABLE report_schedules (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,            -- daily, weekly
    unit_id     INTEGER NOT NULL DEFAULT 0,
    email       TEXT NOT NULL,
    lang        TEXT NOT NULL DEFAULT 'en',
    enabled     INTEGER NOT NULL DEFAULT 1,
    last_period INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (kind, unit_id, email)
);

-- A station's posts over a period, and a division's (its stations'),
-- read by range instead of scanning every post of the period.
CREATE INDEX posts_station_time ON posts(station, created_at);
-- The notable posts of a period: the urgent and emergency ones only.
CREATE INDEX posts_notable ON posts(created_at) WHERE urgency >= 60 OR emergency <> 0;
-- Cases opened in a period (the SLA section).
CREATE INDEX cases_created ON cases(created_at);

-- +goose Down
DROP INDEX cases_created;
DROP INDEX posts_notable;
DROP INDEX posts_station_time;
DROP TABLE report_schedules;
DROP TABLE reports;
