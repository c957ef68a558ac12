-- Version 3: reserved for the consulting app (another branch writes it).
SELECT 1;
