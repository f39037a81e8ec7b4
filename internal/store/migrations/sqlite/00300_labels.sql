-- Corrections the desk makes to the analysis (task = sentiment, offensive,
-- emergency, complaint, category, lang), used as training data by
-- `kaval train --db`. The text is copied so a label survives retention
-- deleting the post.
-- +goose Up
CREATE TABLE labels (
    id         INTEGER PRIMARY KEY,
    post_id    INTEGER REFERENCES posts(id) ON DELETE SET NULL,
    text       TEXT NOT NULL,
    task       TEXT NOT NULL,
    label      TEXT NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX labels_task ON labels(task, id);
CREATE INDEX labels_post ON labels(post_id);

-- +goose Down
DROP TABLE labels;
