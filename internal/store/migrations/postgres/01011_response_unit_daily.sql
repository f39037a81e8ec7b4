-- Response and resolution times per UTC day and unit alone, for the SLA
-- dashboard by unit (internal/watch response.go): response_daily's rows
-- are days × units × agents (88,000 for 30 days of a city desk), this
-- table's days × units (4,500). A trigger keeps it equal to
-- response_daily summed over agents, in the transaction that writes
-- response_daily, whatever writes it (the response rollup job, an import,
-- a benchmark's fill), so the two never disagree.

-- +goose Up
CREATE TABLE response_unit_daily (
    day             BIGINT NOT NULL,
    unit_id         BIGINT NOT NULL,
    responded       BIGINT NOT NULL DEFAULT 0,
    response_ms     BIGINT NOT NULL DEFAULT 0,
    response_late   BIGINT NOT NULL DEFAULT 0,
    resolved        BIGINT NOT NULL DEFAULT 0,
    resolution_ms   BIGINT NOT NULL DEFAULT 0,
    resolution_late BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit_id)
);

INSERT INTO response_unit_daily (day, unit_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
    SELECT day, unit_id, SUM(responded), SUM(response_ms), SUM(response_late), SUM(resolved), SUM(resolution_ms), SUM(resolution_late)
    FROM response_daily GROUP BY day, unit_id;

-- +goose StatementBegin
CREATE FUNCTION response_daily_by_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE response_unit_daily SET responded = responded - OLD.responded, response_ms = response_ms - OLD.response_ms,
            response_late = response_late - OLD.response_late, resolved = resolved - OLD.resolved,
            resolution_ms = resolution_ms - OLD.resolution_ms, resolution_late = resolution_late - OLD.resolution_late
            WHERE day = OLD.day AND unit_id = OLD.unit_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO response_unit_daily AS r (day, unit_id, responded, response_ms, response_late, resolved, resolution_ms, resolution_late)
        VALUES (NEW.day, NEW.unit_id, NEW.responded, NEW.response_ms, NEW.response_late, NEW.resolved, NEW.resolution_ms, NEW.resolution_late)
        ON CONFLICT (day, unit_id) DO UPDATE SET responded = r.responded + excluded.responded,
            response_ms = r.response_ms + excluded.response_ms, response_late = r.response_late + excluded.response_late,
            resolved = r.resolved + excluded.resolved, resolution_ms = r.resolution_ms + excluded.resolution_ms,
            resolution_late = r.resolution_late + excluded.resolution_late;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER response_daily_by_unit AFTER INSERT OR UPDATE OR DELETE ON response_daily
    FOR EACH ROW EXECUTE FUNCTION response_daily_by_unit();

-- +goose Down
DROP TRIGGER response_daily_by_unit ON response_daily;
DROP FUNCTION response_daily_by_unit();
DROP TABLE response_unit_daily;
