-- API tokens expire: a token works until expires_at (365 days after it was made, unless the
-- installation says otherwise). Tokens made before this migration get a year from their
-- creation.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%d %H:%M:%f', created_at, '+365 days');
