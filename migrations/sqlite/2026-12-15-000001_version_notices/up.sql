-- Nothing on SQLite: one process serves a SQLite database and knows of its own writes. The
-- PostgreSQL migration of this name tells the data version's changes to every process.
SELECT 1;
