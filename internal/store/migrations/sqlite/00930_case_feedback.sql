-- "Was it resolved?": a citizen's answer on their public status page,
-- one per case (they may change it), once the case is resolved or
-- closed. Only the answer, its language and times: nothing of the
-- person. The public accountability page counts answers by station and
-- month.

-- +goose Up
CREATE TABLE case_feedback (
    case_id    INTEGER PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
    answer     TEXT NOT NULL CHECK (answer IN ('yes', 'no')),
    lang       TEXT NOT NULL CHECK (lang IN ('en', 'kn')),
    changes    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE case_feedback;
