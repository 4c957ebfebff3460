DROP TRIGGER round_versions_on_submissions_delete ON submissions;
DROP TRIGGER round_versions_on_submissions_update ON submissions;
DROP TRIGGER round_versions_on_submissions_insert ON submissions;
DROP FUNCTION round_versions_on_submissions();
CREATE TRIGGER round_versions_on_submission AFTER INSERT OR UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_submission();
