-- Version 9: the first-run setup link.
--
-- On a database without employees the server prints `/console/#/setup?token=...`; whoever
-- opens it creates the first administrator and company. The token lives until it is used
-- (the same link is printed again on each start meanwhile), sealed like the other secrets.

CREATE TABLE setup_token (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    token       TEXT NOT NULL,   -- sealed (src/secrets.rs)
    created_at  TEXT NOT NULL
);
