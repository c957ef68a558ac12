-- Version 4: Zhuge Leida.

-- Radar tallies, kept by triggers on zl_radar, so that a heavy salesperson's radar does not
-- scan all their events: action/time's total (per action) and action/customer's ranking of
-- customers with their per-action counts. bench/radar.sh measured, on 200k events of one
-- salesperson, 16 ms (the total) and 230 ms (the ranking) without them. Queries with a time
-- window still read zl_radar through zl_radar_user_time, which covers them.
CREATE TABLE IF NOT EXISTS zl_radar_tally (
    user_id  INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    action   INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (user_id, action)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS zl_radar_customer_total (
    user_id      INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    total        INTEGER NOT NULL,
    PRIMARY KEY (user_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS zl_radar_customer_rank
    ON zl_radar_customer_total (user_id, total DESC, customer_id);

CREATE TABLE IF NOT EXISTS zl_radar_customer_tally (
    user_id      INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    action       INTEGER NOT NULL,
    n            INTEGER NOT NULL,
    PRIMARY KEY (user_id, customer_id, action)
) WITHOUT ROWID;

INSERT OR REPLACE INTO zl_radar_tally (user_id, action, n)
    SELECT user_id, action, COUNT(*) FROM zl_radar GROUP BY user_id, action;
INSERT OR REPLACE INTO zl_radar_customer_total (user_id, customer_id, total)
    SELECT user_id, customer_id, COUNT(*) FROM zl_radar GROUP BY user_id, customer_id;
INSERT OR REPLACE INTO zl_radar_customer_tally (user_id, customer_id, action, n)
    SELECT user_id, customer_id, action, COUNT(*) FROM zl_radar GROUP BY user_id, customer_id, action;

-- Events are written and deleted, never moved to another salesperson, customer or action.
CREATE TRIGGER IF NOT EXISTS zl_radar_tally_insert AFTER INSERT ON zl_radar BEGIN
    INSERT INTO zl_radar_tally (user_id, action, n) VALUES (NEW.user_id, NEW.action, 1)
        ON CONFLICT (user_id, action) DO UPDATE SET n = n + 1;
    INSERT INTO zl_radar_customer_total (user_id, customer_id, total)
        VALUES (NEW.user_id, NEW.customer_id, 1)
        ON CONFLICT (user_id, customer_id) DO UPDATE SET total = total + 1;
    INSERT INTO zl_radar_customer_tally (user_id, customer_id, action, n)
        VALUES (NEW.user_id, NEW.customer_id, NEW.action, 1)
        ON CONFLICT (user_id, customer_id, action) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS zl_radar_tally_delete AFTER DELETE ON zl_radar BEGIN
    UPDATE zl_radar_tally SET n = n - 1 WHERE user_id = OLD.user_id AND action = OLD.action;
    UPDATE zl_radar_customer_total SET total = total - 1
        WHERE user_id = OLD.user_id AND customer_id = OLD.customer_id;
    UPDATE zl_radar_customer_tally SET n = n - 1
        WHERE user_id = OLD.user_id AND customer_id = OLD.customer_id AND action = OLD.action;
END;
