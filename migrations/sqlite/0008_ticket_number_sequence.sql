-- PostgreSQL moves ticket numbers to a sequence here; SQLite keeps the counter row
-- (its writers are serialised anyway). Same numbering in both folders.
SELECT 1;
