DROP INDEX reminder_recipients_outbox;
ALTER TABLE reminder_recipients DROP COLUMN outbox_id;
DROP TABLE mail_outbox;
