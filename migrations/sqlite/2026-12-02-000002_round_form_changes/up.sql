-- The part of a round's change marker that forms make: every change to a form (its
-- submission row, written with its answers) moves both `version` and `form_changes`; every
-- other change moves `version` alone. `version - form_changes` is then a marker of the
-- round's content (the round, its focus areas, recommendations, merges, municipalities and
-- names) that saving a form does not move, so the form's cached content stays valid while
-- forms are being saved.
ALTER TABLE round_versions ADD COLUMN form_changes BIGINT NOT NULL DEFAULT 0;

DROP TRIGGER round_versions_submission_insert;
DROP TRIGGER round_versions_submission_update;
DROP TRIGGER round_versions_submission_delete;

CREATE TRIGGER round_versions_submission_insert AFTER INSERT ON submissions
BEGIN
    UPDATE round_versions SET version = version + 1, form_changes = form_changes + 1
    WHERE round_id = NEW.round_id;
END;
CREATE TRIGGER round_versions_submission_update AFTER UPDATE ON submissions
BEGIN
    UPDATE round_versions SET version = version + 1, form_changes = form_changes + 1
    WHERE round_id IN (OLD.round_id, NEW.round_id);
END;
CREATE TRIGGER round_versions_submission_delete AFTER DELETE ON submissions
BEGIN
    UPDATE round_versions SET version = version + 1, form_changes = form_changes + 1
    WHERE round_id = OLD.round_id;
END;
