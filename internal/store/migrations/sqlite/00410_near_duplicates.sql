-- Near-duplicate reports: the SimHash of each post on the desk that names
-- a place, kept for the clustering window (desk.DupWindow) so that copies
-- of one report from several citizens join one case. Ids are allocated
-- while the place's lock is held, so each replica catches up on a place by
-- id (desk/dups.go). Rows older than the window are pruned.
-- thread_cases lets a reporter whose post joined another citizen's case
-- find that case again for their follow-ups.

-- +goose Up
CREATE TABLE fingerprints (
    id      INTEGER PRIMARY KEY,
    place   TEXT NOT NULL,
    simhash INTEGER NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX fingerprints_place ON fingerprints(place, id);
CREATE INDEX fingerprints_at ON fingerprints(at);

CREATE TABLE thread_cases (
    thread_key TEXT NOT NULL,
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    PRIMARY KEY (thread_key, case_id)
);

-- +goose Down
DROP TABLE thread_cases;
DROP TABLE fingerprints;
