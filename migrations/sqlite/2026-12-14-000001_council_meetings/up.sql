-- The date of the council meeting that treats a municipality's attachment of a round, as the
-- municipality (or its KKR's secretariat) gave it once: every download of the attachment
-- without a date of its own carries it, and the attachments of closed and published rounds
-- with a meeting ahead are rendered before anyone asks. set_at is UTC.
CREATE TABLE council_meetings (
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    municipality_code TEXT NOT NULL REFERENCES municipalities (code),
    meeting_date DATE NOT NULL,
    set_at TIMESTAMP NOT NULL,
    set_by INTEGER REFERENCES users (id),
    PRIMARY KEY (round_id, municipality_code)
);
CREATE INDEX council_meetings_date ON council_meetings (meeting_date);
