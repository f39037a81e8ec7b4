-- Automation rules (issue 13): conditions on a post and its case lead to
-- actions, run in position order by the pipeline after threading.

-- +goose Up
-- conditions and actions are JSON (rules.Conditions, rules.Actions);
-- disabled_reason says why the desk switched a failing rule off.
CREATE TABLE rules (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    position        INTEGER NOT NULL,
    enabled         INTEGER NOT NULL DEFAULT 1,
    stop            INTEGER NOT NULL DEFAULT 0,
    conditions      TEXT NOT NULL,
    actions         TEXT NOT NULL,
    disabled_reason TEXT NOT NULL DEFAULT '',
    created_by      INTEGER REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX rules_position ON rules(position, id);

-- One row per rule that fired on a post, written in the transaction that
-- applies its actions: the primary key is what makes a rule act once per
-- event across redeliveries, restarts and replicas.
CREATE TABLE rule_runs (
    rule_id INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    case_id INTEGER REFERENCES cases(id) ON DELETE SET NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (rule_id, post_id)
);
CREATE INDEX rule_runs_case ON rule_runs(case_id);

-- +goose Down
DROP TABLE rule_runs;
DROP TABLE rules;
