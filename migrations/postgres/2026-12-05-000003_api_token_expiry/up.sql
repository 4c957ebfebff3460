-- API tokens expire: a token works until expires_at (365 days after it was made, unless the
-- installation says otherwise). Tokens made before this migration get a year from their
-- creation.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP;
UPDATE api_tokens SET expires_at = created_at + INTERVAL '365 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;
