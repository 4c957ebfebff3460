-- How people sign in besides a password: accounts at an identity provider (OpenID Connect)
-- linked to users, the second step (TOTP, RFC 6238) of a password sign-in with its recovery
-- codes, and the break-glass admin made by `trafiklys admin create`, who may use a password
-- when an installation has turned passwords off.
ALTER TABLE users ADD COLUMN break_glass BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE user_identities (
    provider TEXT NOT NULL,
    subject TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    email TEXT NOT NULL,
    linked_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP NOT NULL,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX user_identities_user ON user_identities (user_id);
-- The shared secret (base32) and the last time step a code was accepted for, so that a code
-- is never accepted twice.
CREATE TABLE totp_secrets (
    user_id INTEGER PRIMARY KEY NOT NULL REFERENCES users (id),
    secret TEXT NOT NULL,
    last_step BIGINT NOT NULL,
    enabled_at TIMESTAMP NOT NULL
);
-- Recovery codes, stored as SHA-256 hashes; each works once.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
