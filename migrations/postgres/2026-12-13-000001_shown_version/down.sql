ALTER TABLE data_version DROP COLUMN shown;
