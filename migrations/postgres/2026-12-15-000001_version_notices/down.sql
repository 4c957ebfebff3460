DROP TRIGGER data_version_told ON data_version;
DROP FUNCTION trafiklys_tell_versions();
