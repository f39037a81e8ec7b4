-- The public status page needs the case reference AND this code, which
-- only the citizen is given (with the acknowledgement), so a sequential
-- reference alone reveals nothing, not even that a case exists. The code
-- is ten hex digits (40 bits) from the database's own random
-- source (SQLite's randomblob, seeded by the operating system);
-- the desk shows it as XXXXX-XXXXX and takes it in any case, with or
-- without the dash. Every case gets one when it is inserted, and every
-- case opened before this migration gets one now.

-- +goose Up
ALTER TABLE cases ADD COLUMN status_code TEXT NOT NULL DEFAULT '';
UPDATE cases SET status_code = upper(hex(randomblob(5))) WHERE status_code = '';
-- +goose StatementBegin
CREATE TRIGGER cases_status_code AFTER INSERT ON cases WHEN NEW.status_code = ''
BEGIN
    UPDATE cases SET status_code = upper(hex(randomblob(5))) WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER cases_status_code;
ALTER TABLE cases DROP COLUMN status_code;
