DROP TABLE municipality_group_members;
DROP TABLE municipality_groups;
DROP TABLE reminder_recipients;
DROP TABLE reminders;
DROP TABLE invitations;
ALTER TABLE users DROP COLUMN deactivated_at;
ALTER TABLE users DROP COLUMN session_generation;
ALTER TABLE users DROP COLUMN active;
