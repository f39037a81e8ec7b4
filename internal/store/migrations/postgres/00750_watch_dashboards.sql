-- Two narrower rollups for the watch floor's dashboards, kept by the
-- pipeline in volume_hourly/volume_daily beside the others
-- (internal/watch): station_negative (a station's negative posts, for the
-- map's negative share) and force (posts addressed to the force, by
-- sentiment, for the reputation index). Posts already on the desk are
-- counted now.

-- +goose Up
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'station_negative', station, created_at - created_at % 3600000, COUNT(*) FROM posts
    WHERE stage = 2 AND sentiment = 'negative' GROUP BY station, created_at - created_at % 3600000;
INSERT INTO volume_hourly (dim, value, hour, posts)
    SELECT 'force', sentiment, created_at - created_at % 3600000, COUNT(*) FROM posts
    WHERE stage = 2 AND kind IN ('mention', 'comment', 'reply', 'direct_message', 'form') GROUP BY sentiment, created_at - created_at % 3600000;
INSERT INTO volume_daily (dim, day, value, posts)
    SELECT dim, hour - hour % 86400000, value, SUM(posts) FROM volume_hourly
    WHERE dim IN ('station_negative', 'force') GROUP BY dim, hour - hour % 86400000, value;

-- +goose Down
DELETE FROM volume_daily WHERE dim IN ('station_negative', 'force');
DELETE FROM volume_hourly WHERE dim IN ('station_negative', 'force');
