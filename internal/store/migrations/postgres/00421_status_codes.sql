-- The public status page needs the case reference AND this code, which
-- only the citizen is given (with the acknowledgement), so a sequential
-- reference alone reveals nothing, not even that a case exists. The code
-- is ten hex digits (40 bits) of gen_random_uuid(), which draws on a cryptographic random source;
-- the desk shows it as XXXXX-XXXXX and takes it in any case, with or
-- without the dash. Every case gets one when it is inserted, and every
-- case opened before this migration gets one now (a volatile default is
-- evaluated for each existing row when the column is added).

-- +goose Up
ALTER TABLE cases ADD COLUMN status_code TEXT NOT NULL
    DEFAULT upper(substr(replace(gen_random_uuid()::text, '-', ''), 1, 10));

-- +goose Down
ALTER TABLE cases DROP COLUMN status_code;
