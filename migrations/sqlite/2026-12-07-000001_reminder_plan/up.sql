-- A round's reminder plan: when reminders go out on their own (each step), whether the plan is
-- paused, and which sending each step made. A step is claimed by the one process whose UPDATE
-- sets done_at while it is still NULL; the sending, its mails and the claim commit together.
-- rule: 'opening' (when the round opens), 'before_deadline' / 'after_deadline' (days, at 09.00
-- Copenhagen time) or 'fixed' (due_at as the secretariat gave it). outcome: 'sent', 'nobody'
-- (everyone had submitted), 'paused', 'not_open' or 'passed' (its time had gone when the round
-- opened or the deadline moved). Timestamps are UTC.
CREATE TABLE reminder_plans (
    round_id INTEGER PRIMARY KEY NOT NULL REFERENCES rounds (id),
    paused BOOLEAN NOT NULL DEFAULT 0
);

CREATE TABLE planned_reminders (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    rule TEXT NOT NULL,
    days INTEGER NOT NULL DEFAULT 0,
    due_at TIMESTAMP,
    done_at TIMESTAMP,
    outcome TEXT,
    reminder_id INTEGER REFERENCES reminders (id)
);
CREATE INDEX planned_reminders_due ON planned_reminders (due_at) WHERE done_at IS NULL;
CREATE INDEX planned_reminders_round ON planned_reminders (round_id);

-- A sending made by the plan has no user: sent_by becomes optional (SQLite rebuilds the
-- table), and planned_id names the step.
-- The recipients' foreign key is checked at commit: the rows dropped with the old table are
-- found again when the copies go into the new one.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE reminders_copy AS SELECT id, round_id, sent_at, sent_by FROM reminders;
DROP TABLE reminders;
CREATE TABLE reminders (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    sent_at TIMESTAMP NOT NULL,
    sent_by INTEGER REFERENCES users (id),
    planned_id INTEGER
);
INSERT INTO reminders (id, round_id, sent_at, sent_by)
    SELECT id, round_id, sent_at, sent_by FROM reminders_copy;
DROP TABLE reminders_copy;
CREATE INDEX reminders_round ON reminders (round_id);

-- The notices a user has turned off on /account (deadline_moved, submission_received,
-- round_published).
CREATE TABLE notice_opt_outs (
    user_id INTEGER NOT NULL REFERENCES users (id),
    notice TEXT NOT NULL,
    PRIMARY KEY (user_id, notice)
);
