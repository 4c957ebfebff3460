-- The part of a round's change marker that forms make: every change to a form (its
-- submission row, written with its answers) moves both `version` and `form_changes`; every
-- other change moves `version` alone. `version - form_changes` is then a marker of the
-- round's content (the round, its focus areas, recommendations, merges, municipalities and
-- names) that saving a form does not move, so the form's cached content stays valid while
-- forms are being saved.
ALTER TABLE round_versions ADD COLUMN form_changes BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION round_versions_on_submission() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids INTEGER[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY[NEW.round_id];
    ELSIF TG_OP = 'UPDATE' THEN
        ids := ARRAY[OLD.round_id, NEW.round_id];
    ELSE
        ids := ARRAY[OLD.round_id];
    END IF;
    UPDATE round_versions SET version = version + 1, form_changes = form_changes + 1
    WHERE round_id = ANY (ids);
    RETURN NULL;
END
$$;
DROP TRIGGER round_versions_on_submission ON submissions;
CREATE TRIGGER round_versions_on_submission AFTER INSERT OR UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_submission();
