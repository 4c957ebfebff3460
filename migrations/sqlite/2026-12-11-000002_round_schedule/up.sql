-- A round's schedule: the steps of its year it takes by itself ('open' at a chosen time,
-- 'close' when the deadline has passed, 'publish' at a chosen time). A step is claimed by the
-- one process whose UPDATE sets done_at while it is still NULL, in the transaction that takes
-- the round to its next state. outcome: 'taken', 'not_in_state' (detail: the round's state),
-- 'deadline_passed' or 'refused' (detail: the round's rule, in Danish). Timestamps are UTC.
CREATE TABLE round_schedule (
    id INTEGER PRIMARY KEY NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    step TEXT NOT NULL CHECK (step IN ('open', 'close', 'publish')),
    due_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP,
    outcome TEXT,
    detail TEXT NOT NULL DEFAULT '',
    UNIQUE (round_id, step)
);
CREATE INDEX round_schedule_due ON round_schedule (due_at) WHERE done_at IS NULL;
