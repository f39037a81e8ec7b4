-- The pipeline's sweep asks for unfinished posts in id order. An index of
-- stage alone left the planner scanning the whole table in rowid order,
-- which grew with every stored post; this one holds only the unfinished
-- posts, already in id order.

-- +goose Up
DROP INDEX posts_stage;
CREATE INDEX posts_pending ON posts(id) WHERE stage < 2;

-- +goose Down
DROP INDEX posts_pending;
CREATE INDEX posts_stage ON posts(stage) WHERE stage < 2;
