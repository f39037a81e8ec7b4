-- Teams, round-robin assignment and shifts (issue 13).

-- +goose Up
-- A team works a queue of cases together. rr_last is the member the
-- round-robin gave a case to last: the next case goes to the next eligible
-- member after them, so an even stream is shared evenly.
CREATE TABLE teams (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    rr_last     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE team_members (
    team_id  INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);

-- What an agent can take, whatever the team: capacity is the most open
-- cases they hold at once; languages and platforms are comma lists of
-- the cases they can answer (empty: any).
CREATE TABLE agent_skills (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    capacity   INTEGER NOT NULL DEFAULT 8,
    languages  TEXT NOT NULL DEFAULT '',
    platforms  TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);

-- The shift pattern: each shift starts at start_minute (minutes after
-- midnight, Asia/Kolkata) and lasts minutes. Three of eight hours by
-- default; supervisors edit them.
CREATE TABLE shift_slots (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    start_minute INTEGER NOT NULL,
    minutes      INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
INSERT INTO shift_slots (name, start_minute, minutes, updated_at) VALUES
    ('Morning', 360, 480, 0), ('Afternoon', 840, 480, 0), ('Night', 1320, 480, 0);

-- Clock-ins: a row without out_at is a person on shift now (at most one).
CREATE TABLE shift_clock (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    in_at   INTEGER NOT NULL,
    out_at  INTEGER,
    reassigned INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX shift_clock_on ON shift_clock(user_id) WHERE out_at IS NULL;
CREATE INDEX shift_clock_in ON shift_clock(in_at);

-- One handover note per shift (slot and the day it started, shift_key
-- "2026-12-07/2"): items is the generated JSON (critical cases, pending
-- approvals, ongoing alerts), note the outgoing shift's own words.
CREATE TABLE handovers (
    id         INTEGER PRIMARY KEY,
    shift_key  TEXT NOT NULL UNIQUE,
    slot_id    INTEGER NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    items      TEXT NOT NULL DEFAULT '{}',
    note       TEXT NOT NULL DEFAULT '',
    written_by INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL DEFAULT 1
);

-- Each person of the next shift acknowledges the note once.
CREATE TABLE handover_acks (
    handover_id INTEGER NOT NULL REFERENCES handovers(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    at          INTEGER NOT NULL,
    PRIMARY KEY (handover_id, user_id)
);

-- +goose Down
DROP TABLE handover_acks;
DROP TABLE handovers;
DROP TABLE shift_clock;
DROP TABLE shift_slots;
DROP TABLE agent_skills;
DROP TABLE team_members;
DROP TABLE teams;
