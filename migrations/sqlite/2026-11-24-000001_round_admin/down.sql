-- The reference data stays: users and submissions refer to it.
ALTER TABLE focus_areas DROP COLUMN proposal_submission_id;
DROP TABLE recommendation_merges;
DROP TABLE round_municipalities;
ALTER TABLE rounds DROP COLUMN subject;
ALTER TABLE municipalities DROP COLUMN council_name;
