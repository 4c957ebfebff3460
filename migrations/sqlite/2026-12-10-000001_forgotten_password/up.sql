-- A one-time link may also be one a user asked for on "Glemt adgangskode?" ('forgotten'):
-- unlike an admin's reset it leaves the old password working until the link is used.
-- SQLite cannot change a CHECK constraint in place: the table is rebuilt with its rows.
CREATE TABLE invitations_new (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset', 'forgotten')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    created_by INTEGER REFERENCES users (id),
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
INSERT INTO invitations_new (id, user_id, purpose, token_hash, created_at, created_by, expires_at, used_at, revoked_at)
    SELECT id, user_id, purpose, token_hash, created_at, created_by, expires_at, used_at, revoked_at FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_user ON invitations (user_id);
