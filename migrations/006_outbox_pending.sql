-- The sender's poll (every 250 ms) reads the oldest messages still to try. With only
-- `outbox_due (sent_at, next_try_at)` it collected and sorted every unsent row, given-up
-- ones included, on each poll: a soak with 800 000 queued radar pushes spent its CPU there.
-- This index holds only the rows still to try, in id order, so a poll reads about 100 rows.
-- `6` is `MAX_ATTEMPTS` in src/outbox.rs: the query must repeat it literally.
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND attempts < 6;
