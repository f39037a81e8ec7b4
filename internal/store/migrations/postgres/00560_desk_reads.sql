-- Per-person desk state (issue 11): when each person last opened each
-- case (a case with posts newer than that is unread for them), and each
-- person's language, so it follows them to any browser they log in on.

-- +goose Up
CREATE TABLE case_reads (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    case_id BIGINT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, case_id)
);
CREATE INDEX case_reads_case ON case_reads(case_id);

CREATE TABLE user_prefs (
    user_id    BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    lang       TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE user_prefs;
DROP TABLE case_reads;
