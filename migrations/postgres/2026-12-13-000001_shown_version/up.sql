-- A second marker beside `version`, for pages that show no draft's contents: it moves with
-- every committed write except a save that keeps a form a draft (the draft's new answers,
-- comments or proposals). A form that appears, is submitted, withdrawn or reopened moves it,
-- as does every other write. The dashboard, which shows submitted answers and each form's
-- state, is kept under it, so a stream of draft saves leaves it cached.
ALTER TABLE data_version ADD COLUMN shown BIGINT NOT NULL DEFAULT 0;
