-- Response and resolution times per UTC day and agent alone, for the SLA
-- dashboard by agent (internal/watch response.go), as 01011 keeps them by
-- unit: days × agents instead of days × units × agents, kept equal to
-- response_daily summed over units by triggers.

-- +goose Up
CREATE TABLE response_agent_daily (
    day             INTEGER NOT NULL,
    agent_id         INTEGER NOT NULL,
    responded       INTEGER NOT NULL DEFAULT 0,
    response_ms     INTEGER NOT NULL DEFAULT 0,
    response_late   INTEGER NOT NULL DEFAULT 0,
    resolved        INTEGER NOT NULL DEFAULT 0,
    resolution_ms   INTEGER NOT NULL DEFAULT 0,
    resolution_late INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, agent_id)
) WITHOUT ROWID;

INSERT INTO response_agent_daily (day, agent_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    SELECT day, agent_id, SUM(responded), SUM(response_ms), SUM(response_late), SUM(resolved), SUM(resolution_ms), SUM(resolution_late)
    FROM response_daily GROUP BY day, agent_id;

-- +goose StatementBegin
CREATE TRIGGER response_daily_agent_insert AFTER INSERT ON response_daily BEGIN
    INSERT INTO response_agent_daily (day, agent_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    VALUES (NEW.day, NEW.agent_id, NEW.responded, NEW.response_ms, NEW.response_late, NEW.resolved, NEW.resolution_ms, NEW.resolution_late)
    ON CONFLICT (day, agent_id) DO UPDATE SET responded = response_agent_daily.responded + excluded.responded,
        response_ms = response_agent_daily.response_ms + excluded.response_ms, response_late = response_agent_daily.response_late + excluded.response_late,
        resolved = response_agent_daily.resolved + excluded.resolved, resolution_ms = response_agent_daily.resolution_ms + excluded.resolution_ms,
        resolution_late = response_agent_daily.resolution_late + excluded.resolution_late;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER response_daily_agent_update AFTER UPDATE ON response_daily BEGIN
    UPDATE response_agent_daily SET responded = responded - OLD.responded, response_ms = response_ms - OLD.response_ms,
        response_late = response_late - OLD.response_late, resolved = resolved - OLD.resolved,
        resolution_ms = resolution_ms - OLD.resolution_ms, resolution_late = resolution_late - OLD.resolution_late
        WHERE day = OLD.day AND agent_id = OLD.agent_id;
    INSERT INTO response_agent_daily (day, agent_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    VALUES (NEW.day, NEW.agent_id, NEW.responded, NEW.response_ms, NEW.response_late, NEW.resolved, NEW.resolution_ms, NEW.resolution_late)
    ON CONFLICT (day, agent_id) DO UPDATE SET responded = response_agent_daily.responded + excluded.responded,
        response_ms = response_agent_daily.response_ms + excluded.response_ms, response_late = response_agent_daily.response_late + excluded.response_late,
        resolved = response_agent_daily.resolved + excluded.resolved, resolution_ms = response_agent_daily.resolution_ms + excluded.resolution_ms,
        resolution_late = response_agent_daily.resolution_late + excluded.resolution_late;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER response_daily_agent_delete AFTER DELETE ON response_daily BEGIN
    UPDATE response_agent_daily SET responded = responded - OLD.responded, response_ms = response_ms - OLD.response_ms,
        response_late = response_late - OLD.response_late, resolved = resolved - OLD.resolved,
        resolution_ms = resolution_ms - OLD.resolution_ms, resolution_late = resolution_late - OLD.resolution_late
        WHERE day = OLD.day AND agent_id = OLD.agent_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER response_daily_agent_delete;
DROP TRIGGER response_daily_agent_update;
DROP TRIGGER response_daily_agent_insert;
DROP TABLE response_agent_daily;
