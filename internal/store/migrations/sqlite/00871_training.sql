-- Training sandbox sessions (issue 13): who practised which scenario at
-- what speed, and how they scored. The practice itself lives in the
-- session's own database file, never in these tables.

-- +goose Up
CREATE TABLE training_sessions (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    scenario    TEXT NOT NULL,
    speed       INTEGER NOT NULL,
    posts       INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'running', -- running, finished, abandoned
    scores      TEXT NOT NULL DEFAULT '{}',      -- JSON sandbox.Scores
    overall     INTEGER,                         -- 0-100 once finished
    started_at  INTEGER NOT NULL,
    finished_at INTEGER
);
CREATE INDEX training_sessions_user ON training_sessions(user_id, started_at);
CREATE INDEX training_sessions_started ON training_sessions(started_at);

-- +goose Down
DROP TABLE training_sessions;
