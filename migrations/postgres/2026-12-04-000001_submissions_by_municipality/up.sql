-- A municipality's forms across rounds: last year's answers shown beside this year's form
-- are found through them (without it every answer in the database was read).
CREATE INDEX submissions_by_municipality ON submissions (municipality_code);
