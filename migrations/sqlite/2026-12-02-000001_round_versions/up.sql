-- A change marker per round: `version` grows with every committed change to anything the
-- round's data is read from (the round, its focus areas, recommendations and merges, its
-- municipalities, its forms and their answers, and the names shown with them). The cache keeps
-- an earlier round's data, which a later round's trend reads, until its marker moves. The
-- triggers keep it, so no write path can forget to.
--
-- Answers have no trigger of their own: a form's answers are only ever written together with
-- its submission row (a save bumps the submission's version, which the form's conflict check
-- relies on; an import or the demo inserts the submission first), and the submission's
-- trigger moves the marker. A trigger per answer row cost a save of 12 answers 24 extra
-- updates, a third of its time in the write lock.
CREATE TABLE round_versions (
    round_id INTEGER PRIMARY KEY REFERENCES rounds (id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO round_versions (round_id, version) SELECT id, 0 FROM rounds;

CREATE TRIGGER round_versions_round_insert AFTER INSERT ON rounds
BEGIN
    INSERT INTO round_versions (round_id, version) VALUES (NEW.id, 0);
END;
CREATE TRIGGER round_versions_round_update AFTER UPDATE ON rounds
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id IN (OLD.id, NEW.id);
END;

CREATE TRIGGER round_versions_focus_area_insert AFTER INSERT ON focus_areas
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = NEW.round_id;
END;
CREATE TRIGGER round_versions_focus_area_update AFTER UPDATE ON focus_areas
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id IN (OLD.round_id, NEW.round_id);
END;
CREATE TRIGGER round_versions_focus_area_delete AFTER DELETE ON focus_areas
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = OLD.round_id;
END;

CREATE TRIGGER round_versions_recommendation_insert AFTER INSERT ON recommendations
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM focus_areas WHERE id = NEW.focus_area_id);
END;
CREATE TRIGGER round_versions_recommendation_update AFTER UPDATE ON recommendations
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT round_id FROM focus_areas WHERE id IN (OLD.focus_area_id, NEW.focus_area_id));
END;
CREATE TRIGGER round_versions_recommendation_delete AFTER DELETE ON recommendations
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id = (SELECT round_id FROM focus_areas WHERE id = OLD.focus_area_id);
END;

CREATE TRIGGER round_versions_merge_insert AFTER INSERT ON recommendation_merges
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT f.round_id FROM recommendations r JOIN focus_areas f ON f.id = r.focus_area_id
                       WHERE r.id = NEW.recommendation_id);
END;
CREATE TRIGGER round_versions_merge_update AFTER UPDATE ON recommendation_merges
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT f.round_id FROM recommendations r JOIN focus_areas f ON f.id = r.focus_area_id
                       WHERE r.id IN (OLD.recommendation_id, NEW.recommendation_id));
END;
CREATE TRIGGER round_versions_merge_delete AFTER DELETE ON recommendation_merges
BEGIN
    UPDATE round_versions SET version = version + 1
    WHERE round_id IN (SELECT f.round_id FROM recommendations r JOIN focus_areas f ON f.id = r.focus_area_id
                       WHERE r.id = OLD.recommendation_id);
END;

CREATE TRIGGER round_versions_participant_insert AFTER INSERT ON round_municipalities
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = NEW.round_id;
END;
CREATE TRIGGER round_versions_participant_update AFTER UPDATE ON round_municipalities
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id IN (OLD.round_id, NEW.round_id);
END;
CREATE TRIGGER round_versions_participant_delete AFTER DELETE ON round_municipalities
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id = OLD.round_id;
END;

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

-- Names shown with a round's data: rare changes, so every round's marker moves.
CREATE TRIGGER round_versions_kkr_update AFTER UPDATE ON kkrs
BEGIN
    UPDATE round_versions SET version = version + 1 WHERE round_id IN (SELECT id FROM rounds WHERE kkr_id IN (OLD.id, NEW.id));
END;
CREATE TRIGGER round_versions_municipality_update AFTER UPDATE ON municipalities
BEGIN
    UPDATE round_versions SET version = version + 1;
END;
CREATE TRIGGER round_versions_user_rename AFTER UPDATE OF name ON users
WHEN OLD.name IS NOT NEW.name
BEGIN
    UPDATE round_versions SET version = version + 1;
END;
