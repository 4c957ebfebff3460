-- An optional link beside an answer to what documents it (a council decision, a plan).
-- Only http and https addresses are stored; the application checks them before writing.
ALTER TABLE answers ADD COLUMN evidence_url TEXT;
