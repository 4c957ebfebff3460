-- The year the cooperation a round reports on began, as the KKR secretariat gives it on the
-- round's page; the agenda item names it only when given (for this round or an earlier one).
ALTER TABLE rounds ADD COLUMN cooperation_start_year INTEGER;
