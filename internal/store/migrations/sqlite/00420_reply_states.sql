-- Honest reply states. A reply stops the first-response clock when the
-- platform accepted it, not when it was queued; a failed reply raises
-- reply_failed_at on its case (cleared by the next reply that is sent)
-- so the desk sees it in the inbox, beside the timeline event.
--
-- Timeline events kind 'reply' were written at queue time: they become
-- 'reply_queued', and the clock of every case is recomputed from the
-- replies the platforms actually accepted.

-- +goose Up
ALTER TABLE cases ADD COLUMN reply_failed_at INTEGER;
CREATE INDEX cases_reply_failed ON cases(reply_failed_at) WHERE reply_failed_at IS NOT NULL;
UPDATE case_events SET kind = 'reply_queued' WHERE kind = 'reply';
UPDATE cases SET first_response_at = (SELECT min(o.sent_at) FROM outbox o
    WHERE o.case_id = cases.id AND o.kind = 'reply' AND o.state = 'sent')
    WHERE first_response_at IS NOT NULL;
UPDATE cases SET reply_failed_at = (SELECT max(o.updated_at) FROM outbox o
    WHERE o.case_id = cases.id AND o.kind = 'reply' AND o.state IN ('failed', 'unknown'))
    WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.case_id = cases.id AND o.kind = 'reply' AND o.state IN ('failed', 'unknown'));

-- +goose Down
UPDATE case_events SET kind = 'reply' WHERE kind = 'reply_queued';
DROP INDEX cases_reply_failed;
ALTER TABLE cases DROP COLUMN reply_failed_at;
