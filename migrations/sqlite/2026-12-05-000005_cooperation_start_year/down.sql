ALTER TABLE rounds DROP COLUMN cooperation_start_year;
