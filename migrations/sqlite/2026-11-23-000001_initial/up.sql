-- The whole model of a status round. Timestamps are UTC, written by the application.
CREATE TABLE kkrs (
    id INTEGER PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE municipalities (
    code TEXT PRIMARY KEY NOT NULL CHECK (length(code) = 3 AND code NOT GLOB '*[^0-9]*'),
    name TEXT NOT NULL,
    kkr_id INTEGER NOT NULL REFERENCES kkrs (id)
);
CREATE INDEX municipalities_kkr ON municipalities (kkr_id);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY NOT NULL,
    kkr_id INTEGER NOT NULL REFERENCES kkrs (id),
    year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    title TEXT NOT NULL,
    deadline TIMESTAMP NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed', 'published')),
    UNIQUE (kkr_id, year)
);

CREATE TABLE focus_areas (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    number INTEGER NOT NULL,
    title TEXT NOT NULL,
    UNIQUE (round_id, number)
);

CREATE TABLE recommendations (
    id INTEGER PRIMARY KEY NOT NULL,
    focus_area_id INTEGER NOT NULL REFERENCES focus_areas (id),
    code TEXT NOT NULL,
    text TEXT NOT NULL,
    binding BOOLEAN NOT NULL,
    position INTEGER NOT NULL,
    carried_from INTEGER REFERENCES recommendations (id),
    UNIQUE (focus_area_id, position)
);
CREATE INDEX recommendations_carried_from ON recommendations (carried_from);

CREATE TABLE users (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'kkr', 'editor', 'reader')),
    kkr_id INTEGER REFERENCES kkrs (id),
    municipality_code TEXT REFERENCES municipalities (code),
    created_at TIMESTAMP NOT NULL,
    -- Municipal roles belong to a municipality, KKR roles to a KKR.
    CHECK ((role IN ('editor', 'reader') AND municipality_code IS NOT NULL)
        OR (role IN ('admin', 'kkr') AND kkr_id IS NOT NULL))
);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted')),
    submitted_at TIMESTAMP,
    submitted_by INTEGER REFERENCES users (id),
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    -- Proposals for new focus areas, free text.
    proposals TEXT NOT NULL DEFAULT '',
    -- Set when an admin reopens a submission after the deadline: its editors may save again.
    reopened BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (round_id, municipality_code)
);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    recommendation_id INTEGER NOT NULL REFERENCES recommendations (id),
    status TEXT CHECK (status IS NULL OR status IN ('green', 'yellow', 'red')),
    comment TEXT NOT NULL,
    -- Taken over from last round's answer and not yet confirmed or changed by the user.
    carried BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (submission_id, recommendation_id)
);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    user_id INTEGER REFERENCES users (id),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);

-- Bumped by every write transaction; caches of derived data (the round summaries) are keyed
-- by it, so any number of server processes on one database stay consistent.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);

-- Per-user API tokens for scripts; only a SHA-256 hash of the token is stored.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Attachments frozen as presented to a council: the PDF bytes and the data behind them.
CREATE TABLE attachment_snapshots (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    created_at TIMESTAMP NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    pdf BLOB NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX attachment_snapshots_target ON attachment_snapshots (round_id, municipality_code);
