-- The search vector now holds the folded text with everything but letters,
-- digits and marks turned into spaces (ingest.SearchBody), so PostgreSQL
-- sees the words SQLite's tokenizer sees: its parser had kept "done.Next"
-- as one host name, "1.5" as one number and an e-mail address whole, and
-- searches and listening queries missed the words inside them. Posts
-- stored before are re-indexed the same way here (ASCII and Unicode
-- punctuation to spaces; the 'simple' configuration lower-cases).

-- +goose Up
UPDATE posts SET search = to_tsvector('simple',
    regexp_replace(text || ' ' || author_handle || ' ' || author_name, '[[:punct:][:space:]]+', ' ', 'g'));

-- +goose Down
SELECT 1;
