DROP TABLE site_pages;
ALTER TABLE users DROP COLUMN installation_admin;
