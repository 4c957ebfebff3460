-- Job clusters (KKR Sjælland's model): a focus area belongs to the whole round (no group) or
-- to one group of the KKR's municipalities, whose members alone are asked and counted.
ALTER TABLE focus_areas ADD COLUMN group_id INTEGER REFERENCES municipality_groups (id);

-- A cluster's members as they were when the round closed, so that a closed round's figures
-- stay the same when the group's members change later. While a round is open, the group's
-- current members apply.
CREATE TABLE round_group_members (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    group_id INTEGER NOT NULL REFERENCES municipality_groups (id),
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    PRIMARY KEY (round_id, group_id, municipality_code)
);

-- Editors the KKR's admins name coordinators of a group: they may write the group's
-- expectations for the coming year's cooperation.
CREATE TABLE group_coordinators (
    group_id INTEGER NOT NULL REFERENCES municipality_groups (id),
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (group_id, user_id)
);

-- Once per round, a group's "forventninger til det kommende års klyngesamarbejde".
CREATE TABLE group_expectations (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    group_id INTEGER NOT NULL REFERENCES municipality_groups (id),
    text TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    PRIMARY KEY (round_id, group_id)
);

-- A round's data now holds its KKR's groups and their members (who is asked a cluster's
-- focus areas): their changes move the round's change marker, as the other tables do.
CREATE FUNCTION round_versions_on_group() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM bump_round_versions(ARRAY(SELECT id FROM rounds WHERE kkr_id = NEW.kkr_id));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM bump_round_versions(ARRAY(SELECT id FROM rounds WHERE kkr_id IN (OLD.kkr_id, NEW.kkr_id)));
    ELSE
        PERFORM bump_round_versions(ARRAY(SELECT id FROM rounds WHERE kkr_id = OLD.kkr_id));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_group AFTER INSERT OR UPDATE OR DELETE ON municipality_groups
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_group();

CREATE FUNCTION round_versions_on_group_member() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed INTEGER;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := OLD.group_id;
    ELSE
        changed := NEW.group_id;
    END IF;
    PERFORM bump_round_versions(ARRAY(
        SELECT r.id FROM rounds r JOIN municipality_groups g ON g.kkr_id = r.kkr_id
        WHERE g.id = changed));
    RETURN NULL;
END
$$;
CREATE TRIGGER round_versions_on_group_member AFTER INSERT OR UPDATE OR DELETE ON municipality_group_members
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_group_member();

CREATE TRIGGER round_versions_on_round_group_member AFTER INSERT OR UPDATE OR DELETE ON round_group_members
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_round_row();
CREATE TRIGGER round_versions_on_expectations AFTER INSERT OR UPDATE OR DELETE ON group_expectations
    FOR EACH ROW EXECUTE FUNCTION round_versions_on_round_row();
