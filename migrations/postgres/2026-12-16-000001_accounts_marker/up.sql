-- A third marker beside `version` and `shown`: it moves with every change to what a signed-in
-- request reads of its user (the user's row as the session lookup reads it, and the
-- municipalities that give a municipal user their KKR). A process keeps signed-in users under
-- it rather than under the data version, so a stream of saves, each of which moves the data
-- version, no longer makes every signed-in request read its user again. Triggers rather than
-- the application's statements, so that every writer moves it (the command line, an import,
-- another version of the server), whichever function wrote.
ALTER TABLE data_version ADD COLUMN accounts BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION trafiklys_move_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET accounts = accounts + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_move_accounts
    AFTER INSERT OR DELETE OR TRUNCATE
        OR UPDATE OF id, email, name, role, kkr_id, municipality_code, active, session_generation
    ON users
    FOR EACH STATEMENT EXECUTE FUNCTION trafiklys_move_accounts();

CREATE TRIGGER municipalities_move_accounts
    AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE OF code, kkr_id
    ON municipalities
    FOR EACH STATEMENT EXECUTE FUNCTION trafiklys_move_accounts();

-- The processes are told all three markers: "<version> <shown> <accounts>".
CREATE OR REPLACE FUNCTION trafiklys_tell_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify(
        'trafiklys_versions',
        NEW.version::text || ' ' || NEW.shown::text || ' ' || NEW.accounts::text
    );
    RETURN NULL;
END
$$;
