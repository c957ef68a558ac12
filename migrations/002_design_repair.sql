-- Version 2: reserved for the design forms and the repair app (another branch writes it).
SELECT 1;
