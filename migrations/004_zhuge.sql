-- Version 4: Zhuge Leida, enterprise side.

-- People and access: a company may be created by another company's administrator (a
-- reseller setting up a client firm); the creator may then see, rename, staff and delete it.
ALTER TABLE zl_company ADD COLUMN parent_id INTEGER REFERENCES zl_company (id);
CREATE INDEX IF NOT EXISTS zl_company_parent ON zl_company (parent_id);

-- Permissions a company added to the menu belong to that company; NULL is the built-in
-- menu of schema.sql, which every company sees and none may change.
ALTER TABLE zl_permission ADD COLUMN company_id INTEGER REFERENCES zl_company (id) ON DELETE CASCADE;
CREATE INDEX IF NOT EXISTS zl_permission_company ON zl_permission (company_id);
CREATE INDEX IF NOT EXISTS zl_permission_parent ON zl_permission (pid);
CREATE INDEX IF NOT EXISTS zl_employee_role ON zl_employee (role_id);


-- Radar tallies, kept by triggers on zl_radar, so that a heavy salesperson's radar does not
-- scan all their events: per day and action (action/time's total, action/count over whole
-- days), and per customer (action/customer's all-time ranking with per-action counts).
-- bench/radar.sh measured, on 200k events of one salesperson, 16 ms (the total), 230 ms (the
-- ranking) and 1.5-4.7 ms (7 days by action) without them. Windows with a time of day still
-- read zl_radar through zl_radar_user_time, which covers them.
CREATE TABLE IF NOT EXISTS zl_radar_daily (
    user_id  INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    day      TEXT NOT NULL,                    -- 'YYYY-MM-DD' of create_date
    action   INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (user_id, day, action)
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

INSERT OR REPLACE INTO zl_radar_daily (user_id, day, action, n)
    SELECT user_id, substr(create_date, 1, 10), action, COUNT(*) FROM zl_radar
    GROUP BY user_id, substr(create_date, 1, 10), action;
INSERT OR REPLACE INTO zl_radar_customer_total (user_id, customer_id, total)
    SELECT user_id, customer_id, COUNT(*) FROM zl_radar GROUP BY user_id, customer_id;
INSERT OR REPLACE INTO zl_radar_customer_tally (user_id, customer_id, action, n)
    SELECT user_id, customer_id, action, COUNT(*) FROM zl_radar GROUP BY user_id, customer_id, action;

-- Events are written and deleted, never moved to another salesperson, customer or action.
CREATE TRIGGER IF NOT EXISTS zl_radar_tally_insert AFTER INSERT ON zl_radar BEGIN
    INSERT INTO zl_radar_daily (user_id, day, action, n)
        VALUES (NEW.user_id, substr(NEW.create_date, 1, 10), NEW.action, 1)
        ON CONFLICT (user_id, day, action) DO UPDATE SET n = n + 1;
    INSERT INTO zl_radar_customer_total (user_id, customer_id, total)
        VALUES (NEW.user_id, NEW.customer_id, 1)
        ON CONFLICT (user_id, customer_id) DO UPDATE SET total = total + 1;
    INSERT INTO zl_radar_customer_tally (user_id, customer_id, action, n)
        VALUES (NEW.user_id, NEW.customer_id, NEW.action, 1)
        ON CONFLICT (user_id, customer_id, action) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS zl_radar_tally_delete AFTER DELETE ON zl_radar BEGIN
    UPDATE zl_radar_daily SET n = n - 1
        WHERE user_id = OLD.user_id AND day = substr(OLD.create_date, 1, 10) AND action = OLD.action;
    UPDATE zl_radar_customer_total SET total = total - 1
        WHERE user_id = OLD.user_id AND customer_id = OLD.customer_id;
    UPDATE zl_radar_customer_tally SET n = n - 1
        WHERE user_id = OLD.user_id AND customer_id = OLD.customer_id AND action = OLD.action;
END;

-- Unread chat messages by side: getmsg and query_num read only these, so a pair with a long
-- history does not scan it (bench/soak.sh: 40 000 messages in one pair took getmsg from
-- 9 308 to 126 req/s without them).
CREATE INDEX IF NOT EXISTS zl_chat_unread_by_customer ON zl_chat (user_id, customer_id, id)
    WHERE is_customer_new_msg = 1;
CREATE INDEX IF NOT EXISTS zl_chat_unread_by_user ON zl_chat (user_id, customer_id, id)
    WHERE is_user_new_msg = 1;
