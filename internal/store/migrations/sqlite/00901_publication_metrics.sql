-- Engagement each platform reports for our published posts (issue 15):
-- one row per outbox item sent, replaced at every pull. -1 is a count the
-- platform does not offer (reach on Mastodon, impressions on Bluesky).

-- +goose Up
CREATE TABLE publication_metrics (
    outbox_id      INTEGER PRIMARY KEY,
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    likes          INTEGER NOT NULL,
    reposts        INTEGER NOT NULL,
    replies        INTEGER NOT NULL,
    quotes         INTEGER NOT NULL,
    reach          INTEGER NOT NULL,
    impressions    INTEGER NOT NULL,
    fetched_at     INTEGER NOT NULL
);
CREATE INDEX publication_metrics_pub ON publication_metrics(publication_id);

-- +goose Down
DROP TABLE publication_metrics;
