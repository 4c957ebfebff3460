-- A round's markers moved once per statement that changes its forms, rather than once per
-- form (PostgreSQL only; SQLite has no statement triggers, and its row triggers cost no round
-- trip or procedure call).
--
-- A group of saves writes its forms in one statement. With a row trigger, each form ran the
-- trigger's procedure and updated its round's `round_versions` row again: for a group of 12
-- forms of a few rounds, 12 calls and 12 updates of the same few rows, a quarter of the
-- statement's time while the group holds the `data_version` row that other processes'
-- groups wait for. The markers only need to move when something changed, not to count the
-- rows, so one update per statement and round keeps their meaning: `version` and
-- `form_changes` still move together, and `version - form_changes` still names the content.
DROP TRIGGER round_versions_on_submission ON submissions;

CREATE FUNCTION round_versions_on_submissions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE round_versions SET version = version + 1, form_changes = form_changes + 1
        WHERE round_id IN (SELECT round_id FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE round_versions SET version = version + 1, form_changes = form_changes + 1
        WHERE round_id IN (SELECT round_id FROM old_rows UNION SELECT round_id FROM new_rows);
    ELSE
        UPDATE round_versions SET version = version + 1, form_changes = form_changes + 1
        WHERE round_id IN (SELECT round_id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;

-- A trigger with transition tables fires on one kind of event.
CREATE TRIGGER round_versions_on_submissions_insert AFTER INSERT ON submissions
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION round_versions_on_submissions();
CREATE TRIGGER round_versions_on_submissions_update AFTER UPDATE ON submissions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION round_versions_on_submissions();
CREATE TRIGGER round_versions_on_submissions_delete AFTER DELETE ON submissions
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION round_versions_on_submissions();
