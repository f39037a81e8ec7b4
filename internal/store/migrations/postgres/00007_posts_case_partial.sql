-- Intake stores every post without a case (the pipeline threads it a
-- moment later), so a full index of case_id took an entry for NULL on
-- the path a webhook waits on, only to move it when the case was set.
-- Lookups are always by a case id, which a partial index serves.

-- +goose Up
DROP INDEX posts_case;
CREATE INDEX posts_case ON posts(case_id) WHERE case_id IS NOT NULL;

-- +goose Down
DROP INDEX posts_case;
CREATE INDEX posts_case ON posts(case_id);
