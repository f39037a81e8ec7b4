-- Which configured channel a post came through, so replies go back out
-- through the same account. NULL for imports and the API.

-- +goose Up
ALTER TABLE posts ADD COLUMN channel_id BIGINT REFERENCES channels(id) ON DELETE SET NULL;

-- +goose Down
ALTER TABLE posts DROP COLUMN channel_id;
