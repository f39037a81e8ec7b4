-- Automation rules run on case events (an SLA warning or breach) besides
-- new posts: one row per rule and event, the key that makes a rule act
-- once per event across replicas and restarts (issue 13).

-- +goose Up
CREATE TABLE rule_event_runs (
    rule_id   INTEGER NOT NULL REFERENCES rules(id) ON DELETE CASCADE,
    event_key TEXT NOT NULL,
    case_id   INTEGER REFERENCES cases(id) ON DELETE SET NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (rule_id, event_key)
);

-- +goose Down
DROP TABLE rule_event_runs;
