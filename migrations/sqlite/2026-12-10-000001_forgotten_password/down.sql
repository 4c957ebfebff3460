DELETE FROM invitations WHERE purpose = 'forgotten';
CREATE TABLE invitations_old (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by INTEGER REFERENCES users (id),
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
INSERT INTO invitations_old (id, user_id, purpose, token_hash, created_at, created_by, expires_at, used_at, revoked_at)
    SELECT id, user_id, purpose, token_hash, created_at, created_by, expires_at, used_at, revoked_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_old RENAME TO invitations;
CREATE INDEX invitations_user ON invitations (user_id);
