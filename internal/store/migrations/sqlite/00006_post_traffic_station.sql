-- Intake stores each post with its analysis; the desk stage threads it
-- from the filter columns alone and needs the traffic station among them,
-- so it never parses the analysis JSON on its hot path.

-- +goose Up
ALTER TABLE posts ADD COLUMN traffic_station TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE posts DROP COLUMN traffic_station;
