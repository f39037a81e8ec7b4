-- Response and resolution times per UTC day and agent alone, for the SLA
-- dashboard by agent (internal/watch response.go), as 01011 keeps them by
-- unit: days × agents instead of days × units × agents, kept equal to
-- response_daily summed over units by a trigger.

-- +goose Up
CREATE TABLE response_agent_daily (
    day             BIGINT NOT NULL,
    agent_id         BIGINT NOT NULL,
    responded       BIGINT NOT NULL DEFAULT 0,
    response_ms     BIGINT NOT NULL DEFAULT 0,
    response_late   BIGINT NOT NULL DEFAULT 0,
    resolved        BIGINT NOT NULL DEFAULT 0,
    resolution_ms   BIGINT NOT NULL DEFAULT 0,
    resolution_late BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, agent_id)
);

INSERT INTO response_agent_daily (day, agent_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    SELECT day, agent_id, SUM(responded), SUM(response_ms), SUM(response_late), SUM(resolved), SUM(resolution_ms), SUM(resolution_late)
    FROM response_daily GROUP BY day, agent_id;

-- +goose StatementBegin
CREATE FUNCTION response_daily_by_agent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE response_agent_daily SET responded = responded - OLD.responded, response_ms = response_ms - OLD.response_ms,
            response_late = response_late - OLD.response_late, resolved = resolved - OLD.resolved,
            resolution_ms = resolution_ms - OLD.resolution_ms, resolution_late = resolution_late - OLD.resolution_late
            WHERE day = OLD.day AND agent_id = OLD.agent_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO response_agent_daily AS r (day, agent_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
        VALUES (NEW.day, NEW.agent_id, NEW.responded, NEW.response_ms, NEW.response_late, NEW.resolved, NEW.resolution_ms, NEW.resolution_late)
        ON CONFLICT (day, agent_id) DO UPDATE SET responded = r.responded + excluded.responded,
            response_ms = r.response_ms + excluded.response_ms, response_late = r.response_late + excluded.response_late,
            resolved = r.resolved + excluded.resolved, resolution_ms = r.resolution_ms + excluded.resolution_ms,
            resolution_late = r.resolution_late + excluded.resolution_late;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER response_daily_by_agent AFTER INSERT OR UPDATE OR DELETE ON response_daily
    FOR EACH ROW EXECUTE FUNCTION response_daily_by_agent();

-- +goose Down
DROP TRIGGER response_daily_by_agent ON response_daily;
DROP FUNCTION response_daily_by_agent();
DROP TABLE response_agent_daily;
