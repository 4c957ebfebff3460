-- Changes to a draft round's recommendation set (reword, move, retire, merge) with what
-- undoing each restores, as JSON: a retired or merged-away recommendation's text, binding,
-- focus area, position and links to the previous round. Read only by the set editor.
CREATE TABLE set_edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    round_id INTEGER NOT NULL REFERENCES rounds (id),
    edit TEXT NOT NULL,
    undone BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX set_edits_round ON set_edits (round_id);
