-- Daily counts of the terms posts use, kept by the pipeline in the
-- transaction that puts each post on the desk (internal/watch): hashtags
-- (kind hashtag, '#' and the folded tag), places the analysis found in the
-- text (kind place, folded as written) and words (kind word: folded, three
-- letters at least, no digits-only words, never words inside links,
-- handles or the personal data the analysis marked). A post counts once
-- per term. For the top places and hashtags and the emerging terms.
-- Posts already on the desk are not counted: terms need the text parsed.

-- +goose Up
CREATE TABLE term_daily (
    kind  TEXT NOT NULL,
    day   INTEGER NOT NULL,
    term  TEXT NOT NULL,
    posts INTEGER NOT NULL,
    PRIMARY KEY (kind, day, term)
) WITHOUT ROWID;
-- A term's history, for the emerging terms' baselines.
CREATE INDEX term_daily_term ON term_daily(kind, term, day);

-- +goose Down
DROP TABLE term_daily;
