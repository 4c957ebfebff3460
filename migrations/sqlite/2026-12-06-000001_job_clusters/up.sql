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
CREATE TRIGGER round_versions_group_insert AFTER INSERT ON municipality_groups
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT id FROM rounds WHERE kkr_id = NEW.kkr_id);
END;
CREATE TRIGGER round_versions_group_update AFTER UPDATE ON municipality_groups
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT id FROM rounds WHERE kkr_id IN (OLD.kkr_id, NEW.kkr_id));
END;
CREATE TRIGGER round_versions_group_delete AFTER DELETE ON municipality_groups
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT id FROM rounds WHERE kkr_id = OLD.kkr_id);
END;
CREATE TRIGGER round_versions_group_member_insert AFTER INSERT ON municipality_group_members
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT r.id FROM rounds r JOIN municipality_groups g ON g.kkr_id = r.kkr_id
                       WHERE g.id = NEW.group_id);
END;
CREATE TRIGGER round_versions_group_member_delete AFTER DELETE ON municipality_group_members
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT r.id FROM rounds r JOIN municipality_groups g ON g.kkr_id = r.kkr_id
                       WHERE g.id = OLD.group_id);
END;
CREATE TRIGGER round_versions_round_group_member_insert AFTER INSERT ON round_group_members
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = NEW.round_id;
END;
CREATE TRIGGER round_versions_round_group_member_delete AFTER DELETE ON round_group_members
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = OLD.round_id;
END;
CREATE TRIGGER round_versions_expectations_insert AFTER INSERT ON group_expectations
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = NEW.round_id;
END;
CREATE TRIGGER round_versions_expectations_update AFTER UPDATE ON group_expectations
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id IN (OLD.round_id, NEW.round_id);
END;
CREATE TRIGGER round_versions_expectations_delete AFTER DELETE ON group_expectations
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = OLD.round_id;
END;
