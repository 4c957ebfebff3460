CREATE OR REPLACE FUNCTION trafiklys_tell_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('trafiklys_versions', NEW.version::text || ' ' || NEW.shown::text);
    RETURN NULL;
END
$$;
DROP TRIGGER municipalities_move_accounts ON municipalities;
DROP TRIGGER users_move_accounts ON users;
DROP FUNCTION trafiklys_move_accounts();
ALTER TABLE data_version DROP COLUMN accounts;
