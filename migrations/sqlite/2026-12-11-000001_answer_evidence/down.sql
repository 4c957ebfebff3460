ALTER TABLE answers DROP COLUMN evidence_url;
