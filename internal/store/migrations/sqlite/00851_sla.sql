-- SLA targets, calendars and holidays as data the admin edits, and the
-- alerts the SLA sweep sent (issue 13).

-- +goose Up
-- kind is 24x7 or business; hours is JSON: per weekday (0 = Sunday) the
-- open and close minute in Asia/Kolkata, e.g. {"1":[600,1050],…}.
CREATE TABLE sla_calendars (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    hours      TEXT NOT NULL DEFAULT '{}',
    updated_at INTEGER NOT NULL
);

-- Public holidays a business calendar skips (Karnataka's, seeded).
CREATE TABLE sla_holidays (
    day  TEXT PRIMARY KEY, -- YYYY-MM-DD
    name TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

-- Targets per priority and category ('' = every category without its
-- own row), in minutes of the calendar's time.
CREATE TABLE sla_policies (
    priority       INTEGER NOT NULL,
    category       TEXT NOT NULL DEFAULT '',
    first_response INTEGER NOT NULL,
    resolve        INTEGER NOT NULL,
    calendar_id    INTEGER NOT NULL REFERENCES sla_calendars(id),
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (priority, category)
);

CREATE TABLE sla_settings (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    warn_percent  INTEGER NOT NULL DEFAULT 75,
    updated_at    INTEGER NOT NULL
);

-- One row per alert the sweep raised, so a warning or breach is told once
-- per deadline (due is part of the key: a recalculated deadline may warn
-- again) whichever replica sweeps.
CREATE TABLE sla_alerts (
    case_id  INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    target   TEXT NOT NULL,  -- first_response or resolve
    level    TEXT NOT NULL,  -- warning or breach
    due      INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (case_id, target, level, due)
);
CREATE INDEX sla_alerts_at ON sla_alerts(at);

-- Seed: a 24x7 calendar (what a police desk runs on) and office hours
-- (Monday to Saturday, 10:00 to 17:30), targets per priority from what
-- the Bengaluru desk promises (desk.DefaultSLA), warnings at 75 %, and the
-- 2026/2027 Karnataka public holidays. Movable festivals follow the lunar
-- calendars and are marked for the admin to check against the
-- Government of Karnataka's notification.
INSERT INTO sla_calendars (name, kind, hours, updated_at) VALUES ('24x7', '24x7', '{}', 0);
INSERT INTO sla_calendars (name, kind, hours, updated_at) VALUES ('Office hours', 'business',
    '{"1":[600,1050],"2":[600,1050],"3":[600,1050],"4":[600,1050],"5":[600,1050],"6":[600,1050]}', 0);
INSERT INTO sla_policies (priority, category, first_response, resolve, calendar_id, updated_at)
    SELECT p.priority, '', p.fr, p.res, c.id, 0 FROM sla_calendars c,
    (SELECT 1 AS priority, 15 AS fr, 240 AS res UNION ALL SELECT 2, 60, 1440 UNION ALL SELECT 3, 240, 4320 UNION ALL SELECT 4, 1440, 10080) p
    WHERE c.name = '24x7';
INSERT INTO sla_settings (id, warn_percent, updated_at) VALUES (1, 75, 0);
INSERT INTO sla_holidays (day, name, note) VALUES
    ('2026-01-15', 'Makara Sankranti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-01-26', 'Republic Day', ''),
    ('2026-02-15', 'Maha Shivaratri', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-03-19', 'Ugadi', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-03-21', 'Khutub-E-Ramzan', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-03-31', 'Mahaveera Jayanti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-04-03', 'Good Friday', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-04-14', 'Dr B R Ambedkar Jayanti', ''),
    ('2026-04-20', 'Basava Jayanti / Akshaya Tritiya', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-05-01', 'May Day', ''),
    ('2026-05-28', 'Bakrid', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-06-26', 'Last Day of Moharam', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-08-15', 'Independence Day', ''),
    ('2026-08-26', 'Eid-Milad', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-09-14', 'Varasiddhi Vinayaka Vrata', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-10-02', 'Gandhi Jayanti', ''),
    ('2026-10-20', 'Maha Navami / Ayudha Pooja', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-10-21', 'Vijayadashami', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-10-26', 'Maharshi Valmiki Jayanti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-11-01', 'Kannada Rajyotsava', ''),
    ('2026-11-10', 'Balipadyami, Deepavali', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-11-27', 'Kanakadasa Jayanti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2026-12-25', 'Christmas', ''),
    ('2027-01-15', 'Makara Sankranti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-01-26', 'Republic Day', ''),
    ('2027-03-06', 'Maha Shivaratri', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-03-10', 'Khutub-E-Ramzan', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-03-26', 'Good Friday', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-04-07', 'Ugadi', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-04-14', 'Dr B R Ambedkar Jayanti', ''),
    ('2027-04-19', 'Mahaveera Jayanti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-05-01', 'May Day', ''),
    ('2027-05-09', 'Basava Jayanti / Akshaya Tritiya', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-05-17', 'Bakrid', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-06-15', 'Last Day of Moharam', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-08-15', 'Independence Day', ''),
    ('2027-08-16', 'Eid-Milad', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-09-04', 'Varasiddhi Vinayaka Vrata', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-10-02', 'Gandhi Jayanti', ''),
    ('2027-10-08', 'Maha Navami / Ayudha Pooja', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-10-09', 'Vijayadashami', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-10-15', 'Maharshi Valmiki Jayanti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-10-30', 'Balipadyami, Deepavali', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-11-01', 'Kannada Rajyotsava', ''),
    ('2027-11-16', 'Kanakadasa Jayanti', 'movable date: check against the Government of Karnataka holiday notification'),
    ('2027-12-25', 'Christmas', '');

-- +goose Down
DROP TABLE sla_alerts;
DROP TABLE sla_settings;
DROP TABLE sla_policies;
DROP TABLE sla_holidays;
DROP TABLE sla_calendars;
