DROP TABLE notice_opt_outs;
DROP TABLE planned_reminders;
DROP TABLE reminder_plans;
DELETE FROM reminder_recipients WHERE reminder_id IN (SELECT id FROM reminders WHERE sent_by IS NULL);
DELETE FROM reminders WHERE sent_by IS NULL;
-- The recipients' foreign key is checked at commit: the rows dropped with the old table are
-- found again when the copies go into the new one.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE reminders_copy AS SELECT id, round_id, sent_at, sent_by FROM reminders;
DROP TABLE reminders;
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    sent_at TIMESTAMP NOT NULL,
    sent_by INTEGER NOT NULL REFERENCES users (id)
);
INSERT INTO reminders (id, round_id, sent_at, sent_by)
    SELECT id, round_id, sent_at, sent_by FROM reminders_copy;
DROP TABLE reminders_copy;
CREATE INDEX reminders_round ON reminders (round_id);
