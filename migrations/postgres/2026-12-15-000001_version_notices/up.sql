-- Every change of the data version is told to the server processes that listen on the
-- channel `trafiklys_versions`, as "<version> <shown>", when its transaction commits. Each
-- process keeps what it was told and so knows, without asking the database on every request,
-- whether the pages and signed-in users it keeps are still current. A trigger rather than a
-- statement of the application's, so that every writer tells (the command line, an import,
-- another version of the server) and a write costs no extra round trip.
CREATE FUNCTION trafiklys_tell_versions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('trafiklys_versions', NEW.version::text || ' ' || NEW.shown::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER data_version_told
    AFTER UPDATE ON data_version
    FOR EACH ROW EXECUTE FUNCTION trafiklys_tell_versions();
