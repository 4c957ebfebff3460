-- The installation's accessibility statement (tilgængelighedserklæring): one row, id 1,
-- written by an admin on /tilgaengelighed/rediger.
CREATE TABLE accessibility_statement (
    id INTEGER PRIMARY KEY,
    organisation TEXT NOT NULL,
    website TEXT NOT NULL,
    compliance TEXT NOT NULL,
    nonaccessible TEXT NOT NULL,
    evaluation_method TEXT NOT NULL,
    evaluation_description TEXT NOT NULL,
    evaluation_report_url TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    prepared_on TEXT NOT NULL,
    reviewed_on TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by INTEGER REFERENCES users (id)
);
