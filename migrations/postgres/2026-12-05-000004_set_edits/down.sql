DROP TABLE set_edits;
