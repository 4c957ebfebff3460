DROP TRIGGER round_versions_submission_insert;
DROP TRIGGER round_versions_submission_update;
DROP TRIGGER round_versions_submission_delete;

CREATE TRIGGER round_versions_submission_insert AFTER INSERT ON submissions
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = NEW.round_id;
END;
CREATE TRIGGER round_versions_submission_update AFTER UPDATE ON submissions
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id IN (OLD.round_id, NEW.round_id);
END;
CREATE TRIGGER round_versions_submission_delete AFTER DELETE ON submissions
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = OLD.round_id;
END;

ALTER TABLE round_versions DROP COLUMN form_changes;
