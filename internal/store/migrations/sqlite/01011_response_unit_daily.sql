-- Response and resolution times per UTC day and unit alone, for the SLA
-- dashboard by unit (internal/watch response.go): response_daily's rows
-- are days × units × agents (88,000 for 30 days of a city desk), this
-- table's days × units (4,500). Triggers keep it equal to response_daily
-- summed over agents, in the transaction that writes response_daily,
-- whatever writes it (the response rollup job, an import, a benchmark's
-- fill), so the two never disagree.

-- +goose Up
CREATE TABLE response_unit_daily (
    day             INTEGER NOT NULL,
    unit_id         INTEGER NOT NULL,
    responded       INTEGER NOT NULL DEFAULT 0,
    response_ms     INTEGER NOT NULL DEFAULT 0,
    response_late   INTEGER NOT NULL DEFAULT 0,
    resolved        INTEGER NOT NULL DEFAULT 0,
    resolution_ms   INTEGER NOT NULL DEFAULT 0,
    resolution_late INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit_id)
) WITHOUT ROWID;

INSERT INTO response_unit_daily (day, unit_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    SELECT day, unit_id, SUM(responded), SUM(response_ms), SUM(response_late), SUM(resolved), SUM(resolution_ms), SUM(resolution_late)
    FROM response_daily GROUP BY day, unit_id;

-- +goose StatementBegin
CREATE TRIGGER response_daily_unit_insert AFTER INSERT ON response_daily BEGIN
    INSERT INTO response_unit_daily (day, unit_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    VALUES (NEW.day, NEW.unit_id, NEW.responded, NEW.response_ms, NEW.response_late, NEW.resolved, NEW.resolution_ms, NEW.resolution_late)
    ON CONFLICT (day, unit_id) DO UPDATE SET responded = response_unit_daily.responded + excluded.responded,
        response_ms = response_unit_daily.response_ms + excluded.response_ms, response_late = response_unit_daily.response_late + excluded.response_late,
        resolved = response_unit_daily.resolved + excluded.resolved, resolution_ms = response_unit_daily.resolution_ms + excluded.resolution_ms,
        resolution_late = response_unit_daily.resolution_late + excluded.resolution_late;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER response_daily_unit_update AFTER UPDATE ON response_daily BEGIN
    UPDATE response_unit_daily SET responded = responded - OLD.responded, response_ms = response_ms - OLD.response_ms,
        response_late = response_late - OLD.response_late, resolved = resolved - OLD.resolved,
        resolution_ms = resolution_ms - OLD.resolution_ms, resolution_late = resolution_late - OLD.resolution_late
        WHERE day = OLD.day AND unit_id = OLD.unit_id;
    INSERT INTO response_unit_daily (day, unit_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    VALUES (NEW.day, NEW.unit_id, NEW.responded, NEW.response_ms, NEW.response_late, NEW.resolved, NEW.resolution_ms, NEW.resolution_late)
    ON CONFLICT (day, unit_id) DO UPDATE SET responded = response_unit_daily.responded + excluded.responded,
        response_ms = response_unit_daily.response_ms + excluded.response_ms, response_late = response_unit_daily.response_late + excluded.response_late,
        resolved = response_unit_daily.resolved + excluded.resolved, resolution_ms = response_unit_daily.resolution_ms + excluded.resolution_ms,
        resolution_late = response_unit_daily.resolution_late + excluded.resolution_late;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER response_daily_unit_delete AFTER DELETE ON response_daily BEGIN
    UPDATE response_unit_daily SET responded = responded - OLD.responded, response_ms = response_ms - OLD.response_ms,
        response_late = response_late - OLD.response_late, resolved = resolved - OLD.resolved,
        resolution_ms = resolution_ms - OLD.resolution_ms, resolution_late = resolution_late - OLD.resolution_late
        WHERE day = OLD.day AND unit_id = OLD.unit_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER response_daily_unit_delete;
DROP TRIGGER response_daily_unit_update;
DROP TRIGGER response_daily_unit_insert;
DROP TABLE response_unit_daily;
