DROP TABLE notice_opt_outs;
DROP TABLE planned_reminders;
DROP TABLE reminder_plans;
DELETE FROM reminder_recipients WHERE reminder_id IN (SELECT id FROM reminders WHERE sent_by IS NULL);
DELETE FROM reminders WHERE sent_by IS NULL;
ALTER TABLE reminders DROP COLUMN planned_id;
ALTER TABLE reminders ALTER COLUMN sent_by SET NOT NULL;
