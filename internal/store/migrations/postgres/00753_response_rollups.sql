-- Response and resolution times per UTC day, unit and assigned agent, for
-- the watch floor's SLA dashboard (internal/watch). A job on one replica
-- (a lease) adds the cases whose first response or resolution happened
-- since its checkpoint (checkpoints row 'watch.response'), a minute behind
-- the clock so that no transaction still committing is missed; a case
-- resolved again after reopening counts again. unit_id and agent_id are 0
-- for none. Times are milliseconds from the case's creation.

-- +goose Up
CREATE INDEX cases_first_response_at ON cases(first_response_at) WHERE first_response_at IS NOT NULL;
CREATE INDEX cases_resolved_at ON cases(resolved_at) WHERE resolved_at IS NOT NULL;
CREATE TABLE response_daily (
    day             BIGINT NOT NULL,
    unit_id         BIGINT NOT NULL,
    agent_id        BIGINT NOT NULL,
    responded       BIGINT NOT NULL DEFAULT 0,
    response_ms     BIGINT NOT NULL DEFAULT 0,
    response_late   BIGINT NOT NULL DEFAULT 0,
    resolved        BIGINT NOT NULL DEFAULT 0,
    resolution_ms   BIGINT NOT NULL DEFAULT 0,
    resolution_late BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit_id, agent_id)
);

-- Cases already answered and resolved are counted now, up to the minute
-- the job then starts from.
INSERT INTO checkpoints (source, vals, updated_at) VALUES ('watch.response', CAST((extract(epoch from now()) * 1000)::bigint - 60000 AS TEXT), (extract(epoch from now()) * 1000)::bigint);
INSERT INTO response_daily (day, unit_id, agent_id, responded, response_ms, response_late)
    SELECT first_response_at - first_response_at % 86400000, COALESCE(unit_id, 0), COALESCE(assignee_id, 0), COUNT(*),
        SUM(first_response_at - created_at), SUM(CASE WHEN first_response_due IS NOT NULL AND first_response_at > first_response_due THEN 1 ELSE 0 END)
    FROM cases WHERE first_response_at IS NOT NULL AND first_response_at <= (extract(epoch from now()) * 1000)::bigint - 60000
    GROUP BY first_response_at - first_response_at % 86400000, COALESCE(unit_id, 0), COALESCE(assignee_id, 0);
INSERT INTO response_daily (day, unit_id, agent_id, resolved, resolution_ms, resolution_late)
    SELECT resolved_at - resolved_at % 86400000, COALESCE(unit_id, 0), COALESCE(assignee_id, 0), COUNT(*),
        SUM(resolved_at - created_at), SUM(CASE WHEN resolve_due IS NOT NULL AND resolved_at > resolve_due THEN 1 ELSE 0 END)
    FROM cases WHERE resolved_at IS NOT NULL AND resolved_at <= (extract(epoch from now()) * 1000)::bigint - 60000
    GROUP BY resolved_at - resolved_at % 86400000, COALESCE(unit_id, 0), COALESCE(assignee_id, 0)
    ON CONFLICT (day, unit_id, agent_id) DO UPDATE SET resolved = excluded.resolved, resolution_ms = excluded.resolution_ms,
        resolution_late = excluded.resolution_late;

-- +goose Down
DELETE FROM checkpoints WHERE source = 'watch.response';
DROP TABLE response_daily;
DROP INDEX cases_resolved_at;
DROP INDEX cases_first_response_at;
