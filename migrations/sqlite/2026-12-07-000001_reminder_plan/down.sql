DROP TABLE notice_opt_outs;
DROP TABLE planned_reminders;
DROP TABLE reminder_plans;
DELETE FROM reminder_recipients WHERE reminder_id IN (SELECT id FROM reminders WHERE sent_by IS NULL);
DELETE FROM reminders WHERE sent_by IS NULL;
PRAGMA defer_foreign_keys = ON;
CREATE TABLE reminders_rebuilt (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    sent_at TIMESTAMP NOT NULL,
    sent_by INTEGER NOT NULL REFERENCES users (id)
);
INSERT INTO reminders_rebuilt (id, round_id, sent_at, sent_by)
    SELECT id, round_id, sent_at, sent_by FROM reminders;
DROP TABLE reminders;
ALTER TABLE reminders_rebuilt RENAME TO reminders;
CREATE INDEX reminders_round ON reminders (round_id);
