-- Every mail (invitation, password reset, reminder) is queued here in the transaction of the
-- action that causes it; a sender thread of each `serve` process delivers it, off the request
-- path. A sender claims one row at a time with an atomic UPDATE that sets claimed_by and a
-- lease (claimed_until), so several processes never send one mail twice. Each attempt is
-- counted, with the last error and the time of the next attempt; sent_at or failed_at ends a
-- row. The body (which holds a one-time link for invitations and resets) is emptied once the
-- row has ended. Timestamps are UTC, written by the application's clock.
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    last_attempt_at TIMESTAMP,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by TEXT,
    claimed_until TIMESTAMP,
    sent_at TIMESTAMP,
    failed_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
CREATE INDEX mail_outbox_user ON mail_outbox (user_id);

-- A reminder's recipient points at its queued mail (mail_outbox.id), whose state the reminders
-- page shows. No REFERENCES clause here: SQLite cannot drop a column used in a foreign key,
-- and down.sql drops it.
ALTER TABLE reminder_recipients ADD COLUMN outbox_id INTEGER;
CREATE INDEX reminder_recipients_outbox ON reminder_recipients (outbox_id);
