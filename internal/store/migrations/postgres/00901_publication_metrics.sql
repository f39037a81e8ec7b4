-- Engagement each platform reports for our published posts (issue 15):
-- one row per outbox item sent, replaced at every pull. -1 is a count the
-- platform does not offer (reach on Mastodon, impressions on Bluesky).

-- +goose Up
CREATE TABLE publication_metrics (
    outbox_id      BIGINT PRIMARY KEY,
    publication_id BIGINT NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    likes          BIGINT NOT NULL,
    reposts        BIGINT NOT NULL,
    replies        BIGINT NOT NULL,
    quotes         BIGINT NOT NULL,
    reach          BIGINT NOT NULL,
    impressions    BIGINT NOT NULL,
    fetched_at     BIGINT NOT NULL
);
CREATE INDEX publication_metrics_pub ON publication_metrics(publication_id);

-- +goose Down
DROP TABLE publication_metrics;
