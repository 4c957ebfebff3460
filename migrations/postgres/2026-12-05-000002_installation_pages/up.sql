-- The installation's own pages (accessibility statement, contact page, privacy notice) are
-- edited by installation admins only: admins with this flag, set by
-- `trafiklys admin create --installation` or by another installation admin on /users.
ALTER TABLE users ADD COLUMN installation_admin BOOLEAN NOT NULL DEFAULT FALSE;

-- The contact page and the privacy notice: one row each (page 'contact' or 'privacy'), their
-- fields as JSON.
CREATE TABLE site_pages (
    page TEXT PRIMARY KEY NOT NULL,
    content TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by INTEGER REFERENCES users (id)
);
