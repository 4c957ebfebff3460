-- Users managed in the application: deactivation, session revocation, invitations and
-- password resets by one-time link; reminder mails; groups of municipalities inside a KKR.
-- Timestamps are UTC, written by the application.

-- A deactivated user can neither sign in nor use API tokens. The session generation is
-- stored in the session cookie at sign-in and checked on every request: bumping it (sign-out,
-- password change, deactivation) ends every session of the user, copied cookies included.
ALTER TABLE users ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deactivated_at TIMESTAMP;

-- One-time links to set a password (an invitation or a reset). Only a SHA-256 hash of the
-- token is stored. A link is spent when used, and revoked when a newer one is made for the
-- same user or the user is deactivated.
CREATE TABLE invitations (
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
CREATE INDEX invitations_user ON invitations (user_id);

-- Reminder mails about a round: who sent them and when, and each recipient with the outcome.
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    sent_at TIMESTAMP NOT NULL,
    sent_by INTEGER NOT NULL REFERENCES users (id)
);
CREATE INDEX reminders_round ON reminders (round_id);

CREATE TABLE reminder_recipients (
    id INTEGER PRIMARY KEY NOT NULL,
    reminder_id INTEGER NOT NULL REFERENCES reminders (id),
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    email TEXT NOT NULL,
    delivered BOOLEAN NOT NULL,
    error TEXT
);
CREATE INDEX reminder_recipients_reminder ON reminder_recipients (reminder_id);

-- Groups of a KKR's municipalities (job clusters and the like) to filter dashboards by.
CREATE TABLE municipality_groups (
    id INTEGER PRIMARY KEY NOT NULL,
    kkr_id INTEGER NOT NULL REFERENCES kkrs (id),
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (kkr_id, name)
);

CREATE TABLE municipality_group_members (
    group_id INTEGER NOT NULL REFERENCES municipality_groups (id),
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    PRIMARY KEY (group_id, municipality_code)
);
