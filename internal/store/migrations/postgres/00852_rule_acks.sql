-- Automatic acknowledgements asked for by automation rules (issue 13):
-- one row per case, ever, so a case is acknowledged once whatever rules,
-- posts, restarts or replicas come after. The pipeline writes the row in
-- its transaction; a worker renders the template and queues the reply in
-- the outbox (keyed by the case, so a crash between the two cannot queue
-- it twice).

-- +goose Up
CREATE TABLE rule_acks (
    case_id     BIGINT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    rule_id     BIGINT REFERENCES rules(id) ON DELETE SET NULL,
    post_id     BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    template_id BIGINT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending', -- pending, working, queued, failed
    outbox_id   BIGINT,
    error       TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX rule_acks_state ON rule_acks(state, updated_at);

-- +goose Down
DROP TABLE rule_acks;
