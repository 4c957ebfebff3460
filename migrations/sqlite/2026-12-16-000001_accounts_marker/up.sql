-- A third marker beside `version` and `shown`: it moves with every change to what a signed-in
-- request reads of its user (the user's row as the session lookup reads it, and the
-- municipalities that give a municipal user their KKR). Processes serving a PostgreSQL
-- database keep signed-in users under it; on SQLite it moves the same way, so the marker
-- means the same on both. Triggers, so that every writer moves it.
ALTER TABLE data_version ADD COLUMN accounts BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER users_move_accounts_on_insert AFTER INSERT ON users
BEGIN
    UPDATE data_version SET accounts = accounts + 1 WHERE id = 1;
END;

CREATE TRIGGER users_move_accounts_on_delete AFTER DELETE ON users
BEGIN
    UPDATE data_version SET accounts = accounts + 1 WHERE id = 1;
END;

CREATE TRIGGER users_move_accounts_on_update
    AFTER UPDATE OF id, email, name, role, kkr_id, municipality_code, active, session_generation
    ON users
BEGIN
    UPDATE data_version SET accounts = accounts + 1 WHERE id = 1;
END;

CREATE TRIGGER municipalities_move_accounts_on_insert AFTER INSERT ON municipalities
BEGIN
    UPDATE data_version SET accounts = accounts + 1 WHERE id = 1;
END;

CREATE TRIGGER municipalities_move_accounts_on_delete AFTER DELETE ON municipalities
BEGIN
    UPDATE data_version SET accounts = accounts + 1 WHERE id = 1;
END;

CREATE TRIGGER municipalities_move_accounts_on_update
    AFTER UPDATE OF code, kkr_id ON municipalities
BEGIN
    UPDATE data_version SET accounts = accounts + 1 WHERE id = 1;
END;
