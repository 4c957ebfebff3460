-- A change marker per round: `version` grows with every committed change to anything the
-- round's data is read from (the round, its focus areas, recommendations and merges, its
-- municipalities, its forms and their answers, and the names shown with them). The cache keeps
-- an earlier round's data, which a later round's trend reads, until its marker moves. The
-- triggers keep it, so no write path can forget to.
--
-- Answers have no trigger of their own: a form's answers are only ever written together with
-- its submission row (a save bumps the submission's version, which the form's conflict check
-- relies on; an import or the demo inserts the submission first), and the submission's
-- trigger moves the marker.
CREATE TABLE round_versions (
    round_id INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO round_versions (round_id, version) SELECT id, 0 FROM rounds;

CREATE FUNCTION bump_round_versions(ids INTEGER[]) RETURNS void LANGUAGE sql AS $$
    UPDATE round_versions SET version = version + 1 WHERE round_id = ANY (ids)
$$;

CREATE FUNCTION round_versions_on_round() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO round_versions (round_id, version) VALUES (NEW.id, 0);
    ELSE
        PERFORM bump_round_versions(ARRAY[OLD.id, NEW.id]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_round AFTER INSERT OR UPDATE ON rounds
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_round();

-- Tables with a round_id column: focus areas, participants, forms.
CREATE FUNCTION round_versions_on_round_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_round_versions(ARRAY[NEW.round_id]);
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM bump_round_versions(ARRAY[OLD.round_id, NEW.round_id]);
    ELSE
        PERFORM bump_round_versions(ARRAY[OLD.round_id]);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_focus_area AFTER INSERT OR UPDATE OR DELETE ON focus_areas
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_round_row();
CREATE TRIGGER round_versions_on_participant AFTER INSERT OR UPDATE OR DELETE ON round_municipalities
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_round_row();
CREATE TRIGGER round_versions_on_submission AFTER INSERT OR UPDATE OR DELETE ON submissions
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_round_row();

CREATE FUNCTION round_versions_on_recommendation() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    areas INTEGER[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        areas := ARRAY[NEW.focus_area_id];
    ELSIF TG_OP = 'UPDATE' THEN
        areas := ARRAY[OLD.focus_area_id, NEW.focus_area_id];
    ELSE
        areas := ARRAY[OLD.focus_area_id];
    END IF;
    PERFORM bump_round_versions(ARRAY(SELECT round_id FROM focus_areas WHERE id = ANY (areas)));
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_recommendation AFTER INSERT OR UPDATE OR DELETE ON recommendations
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_recommendation();

CREATE FUNCTION round_versions_on_merge() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    recs INTEGER[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        recs := ARRAY[NEW.recommendation_id];
    ELSIF TG_OP = 'UPDATE' THEN
        recs := ARRAY[OLD.recommendation_id, NEW.recommendation_id];
    ELSE
        recs := ARRAY[OLD.recommendation_id];
    END IF;
    PERFORM bump_round_versions(ARRAY(
        SELECT f.round_id FROM recommendations r JOIN focus_areas f ON f.id = r.focus_area_id
        WHERE r.id = ANY (recs)));
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_merge AFTER INSERT OR UPDATE OR DELETE ON recommendation_merges
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_merge();

-- Names shown with a round's data: rare changes, so the markers of every round they may
-- appear in move.
CREATE FUNCTION round_versions_on_kkr() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM bump_round_versions(ARRAY(SELECT id FROM rounds WHERE kkr_id IN (OLD.id, NEW.id)));
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_kkr AFTER UPDATE ON kkrs
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_kkr();

CREATE FUNCTION round_versions_on_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE round_versions SET version = version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_municipality AFTER UPDATE ON municipalities
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_name();
CREATE TRIGGER round_versions_on_user_rename AFTER UPDATE OF name ON users
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION round_versions_on_name();
