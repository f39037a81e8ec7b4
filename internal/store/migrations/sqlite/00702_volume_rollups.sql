-- Hourly volume rollups kept by the pipeline in the transaction that puts
-- each post on the desk (internal/watch), so the volume dashboards read a
-- few thousand rows whatever the number of posts stored. One row per
-- (dimension, value, hour): dim is all (value ''), platform, category,
-- sentiment, lang or station (value '' when the post has none). hour is
-- the Unix millisecond at the start of the post's UTC hour (created_at).

-- +goose Up
CREATE TABLE volume_hourly (
    dim   TEXT NOT NULL,
    value TEXT NOT NULL,
    hour  INTEGER NOT NULL,
    posts INTEGER NOT NULL,
    PRIMARY KEY (dim, hour, value)
) WITHOUT ROWID; -- a window of one dimension is one contiguous range

-- The same by UTC day, for windows of weeks and months.
CREATE TABLE volume_daily (
    dim   TEXT NOT NULL,
    day   INTEGER NOT NULL,
    value TEXT NOT NULL,
    posts INTEGER NOT NULL,
    PRIMARY KEY (dim, day, value)
) WITHOUT ROWID;

-- Matches of each listening query per hour (from query_matches), for its
-- volume and its spike detector.
CREATE TABLE query_volume_hourly (
    query_id INTEGER NOT NULL REFERENCES listening_queries(id) ON DELETE CASCADE,
    hour     INTEGER NOT NULL,
    posts    INTEGER NOT NULL,
    PRIMARY KEY (query_id, hour)
);

-- Posts already on the desk are counted now; later ones by the pipeline.
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'all', '', created_at - created_at % 3600000, COUNT(*) FROM posts WHERE stage = 2 GROUP BY created_at - created_at % 3600000;
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'platform', platform, created_at - created_at % 3600000, COUNT(*) FROM posts WHERE stage = 2 GROUP BY platform, created_at - created_at % 3600000;
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'category', category, created_at - created_at % 3600000, COUNT(*) FROM posts WHERE stage = 2 GROUP BY category, created_at - created_at % 3600000;
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'sentiment', sentiment, created_at - created_at % 3600000, COUNT(*) FROM posts WHERE stage = 2 GROUP BY sentiment, created_at - created_at % 3600000;
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'lang', lang, created_at - created_at % 3600000, COUNT(*) FROM posts WHERE stage = 2 GROUP BY lang, created_at - created_at % 3600000;
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'station', station, created_at - created_at % 3600000, COUNT(*) FROM posts WHERE stage = 2 GROUP BY station, created_at - created_at % 3600000;
INSERT INTO volume_daily (dim, day, value, posts)
    SELECT dim, hour - hour % 86400000, value, SUM(posts) FROM volume_hourly GROUP BY dim, hour - hour % 86400000, value;
INSERT INTO query_volume_hourly (query_id, hour, posts)
    SELECT query_id, post_created_at - post_created_at % 3600000, COUNT(*) FROM query_matches GROUP BY query_id, post_created_at - post_created_at % 3600000;

-- +goose Down
DROP TABLE query_volume_hourly;
DROP TABLE volume_daily;
DROP TABLE volume_hourly;
