DROP TRIGGER round_versions_on_submission ON submissions;
CREATE TRIGGER round_versions_on_submission AFTER INSERT OR UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_round_row();
DROP FUNCTION round_versions_on_submission();
ALTER TABLE round_versions DROP COLUMN form_changes;
