-- Version 7: identities that cannot be inherited or claimed.
--
-- Principal ids are never reused. Without AUTOINCREMENT SQLite hands out MAX(id) + 1, so the
-- id of the newest employee, once deleted, named the next one created (in any company) and
-- with it whatever still held that id, such as an open radar stream. Every table whose id is
-- a principal or signs requests is rebuilt with AUTOINCREMENT: employees, customers, and the
-- users of the design, repair and consulting apps. SQLite cannot ALTER a table to
-- AUTOINCREMENT, so each is rebuilt the documented way (create, copy, drop, rename,
-- re-index) while src/db/schema.rs keeps foreign keys off and checks them afterwards.
-- Copying the rows with their ids sets sqlite_sequence to the largest id in use.
--
-- A design user's phone counts for the staff roster only once WeChat proved it is theirs
-- (`phone_verified`); a typed phone is contact data, and only proven phones are unique.
-- Phones stored before this version were all typed, so none counts as proven (the levels
-- already held stay).
--
-- The phone a customer hands over through WeChat belongs to the company it was given to
-- (`zl_customer_note.given_phone`), not to every company whose card they bind later.

------------------------------------------------------------------------------------------
-- Customers' own phones, per company (before zl_customer loses the column)
------------------------------------------------------------------------------------------

ALTER TABLE zl_customer_note ADD COLUMN given_phone TEXT NOT NULL DEFAULT '';

-- The company it was given through, where the customer's "我的手机号是" message records it.
INSERT INTO zl_customer_note (company_id, customer_id, given_phone)
SELECT DISTINCT e.company_id, cu.id, cu.phone
FROM zl_customer cu
JOIN zl_chat ch ON ch.customer_id = cu.id AND ch.send_type = 2
    AND instr(ch.content, '我的手机号是: ' || cu.phone) > 0
JOIN zl_employee e ON e.id = ch.user_id
WHERE cu.phone != ''
ON CONFLICT (company_id, customer_id) DO UPDATE SET given_phone = excluded.given_phone;

-- Otherwise every company the customer is bound in: each of them could see it until now.
INSERT INTO zl_customer_note (company_id, customer_id, given_phone)
SELECT DISTINCT e.company_id, cu.id, cu.phone
FROM zl_customer cu
JOIN zl_relation r ON r.customer_id = cu.id
JOIN zl_employee e ON e.id = r.user_id
WHERE cu.phone != ''
  AND NOT EXISTS (SELECT 1 FROM zl_chat ch WHERE ch.customer_id = cu.id AND ch.send_type = 2
                  AND instr(ch.content, '我的手机号是: ' || cu.phone) > 0)
ON CONFLICT (company_id, customer_id) DO UPDATE SET given_phone = excluded.given_phone;

------------------------------------------------------------------------------------------
-- zl_employee
------------------------------------------------------------------------------------------

CREATE TABLE zl_employee_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id       INTEGER NOT NULL REFERENCES zl_company (id),
    role_id          INTEGER NOT NULL REFERENCES zl_role (id),
    username         TEXT NOT NULL UNIQUE,       -- sign-in name
    password_hash    TEXT NOT NULL DEFAULT '',   -- argon2 PHC string; '' = no password sign-in
    token            TEXT NOT NULL UNIQUE,
    userid           TEXT NOT NULL DEFAULT '',   -- Work WeChat UserID
    memo_name        TEXT NOT NULL DEFAULT '',   -- the name on the card; '' = username
    gender           INTEGER NOT NULL DEFAULT 0,
    position         TEXT NOT NULL DEFAULT '',
    telephone        TEXT NOT NULL DEFAULT '',
    wechat_phone     TEXT NOT NULL DEFAULT '',
    wechat           TEXT NOT NULL DEFAULT '',
    email            TEXT NOT NULL DEFAULT '',
    mingpian_phone   TEXT NOT NULL DEFAULT '',
    is_show_phone    INTEGER NOT NULL DEFAULT 1,
    avatar           TEXT NOT NULL DEFAULT 'statics/imgs/setAvator.jpg',
    qr_code          TEXT NOT NULL DEFAULT '',
    status           INTEGER NOT NULL DEFAULT 1, -- 1 启用, 2 未启用
    popularity       INTEGER NOT NULL DEFAULT 0,
    praise           INTEGER NOT NULL DEFAULT 0,
    forward          INTEGER NOT NULL DEFAULT 0,
    sign             TEXT NOT NULL DEFAULT '',
    sign_num         INTEGER NOT NULL DEFAULT 0,
    create_date      TEXT NOT NULL,
    last_login_date  TEXT
);
INSERT INTO zl_employee_new (id, company_id, role_id, username, password_hash, token, userid,
    memo_name, gender, position, telephone, wechat_phone, wechat, email, mingpian_phone,
    is_show_phone, avatar, qr_code, status, popularity, praise, forward, sign, sign_num,
    create_date, last_login_date)
SELECT id, company_id, role_id, username, password_hash, token, userid,
    memo_name, gender, position, telephone, wechat_phone, wechat, email, mingpian_phone,
    is_show_phone, avatar, qr_code, status, popularity, praise, forward, sign, sign_num,
    create_date, last_login_date
FROM zl_employee;
DROP TABLE zl_employee;
ALTER TABLE zl_employee_new RENAME TO zl_employee;
CREATE INDEX zl_employee_company ON zl_employee (company_id);
CREATE INDEX zl_employee_userid ON zl_employee (company_id, userid);
CREATE INDEX zl_employee_role ON zl_employee (role_id);

------------------------------------------------------------------------------------------
-- zl_customer (without `phone`: see zl_customer_note.given_phone above)
------------------------------------------------------------------------------------------

CREATE TABLE zl_customer_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER REFERENCES zl_company (id),  -- the company of the last card bound
    openid       TEXT NOT NULL,
    user_type    INTEGER NOT NULL DEFAULT 2,
    session_key  TEXT NOT NULL DEFAULT '',
    token        TEXT NOT NULL UNIQUE,
    username     TEXT NOT NULL DEFAULT '',   -- WeChat nickname; '' until shared
    headimgurl   TEXT NOT NULL DEFAULT 'statics/imgs/Avator.jpg',
    sex          INTEGER NOT NULL DEFAULT 0,
    city         TEXT NOT NULL DEFAULT '',
    province     TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    create_date  TEXT NOT NULL,
    UNIQUE (openid, user_type)
);
INSERT INTO zl_customer_new (id, company_id, openid, user_type, session_key, token, username,
    headimgurl, sex, city, province, country, language, create_date)
SELECT id, company_id, openid, user_type, session_key, token, username,
    headimgurl, sex, city, province, country, language, create_date
FROM zl_customer;
DROP TABLE zl_customer;
ALTER TABLE zl_customer_new RENAME TO zl_customer;

------------------------------------------------------------------------------------------
-- sm_user (design app): `phone_verified`, and uniqueness for proven phones only
------------------------------------------------------------------------------------------

CREATE TABLE sm_user_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    openid          TEXT NOT NULL UNIQUE,
    session_key     TEXT NOT NULL DEFAULT '',
    nickname        TEXT NOT NULL DEFAULT '',
    avatar          TEXT NOT NULL DEFAULT '',
    phone           TEXT,                              -- NULL until `register`
    phone_verified  INTEGER NOT NULL DEFAULT 0,        -- 1: WeChat proved it is the user's
    level           INTEGER NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 4),
    create_date     TEXT NOT NULL
);
INSERT INTO sm_user_new (id, openid, session_key, nickname, avatar, phone, level, create_date)
SELECT id, openid, session_key, nickname, avatar, phone, level, create_date FROM sm_user;
DROP TABLE sm_user;
ALTER TABLE sm_user_new RENAME TO sm_user;
CREATE INDEX sm_user_phone ON sm_user (phone);
CREATE UNIQUE INDEX sm_user_proven_phone ON sm_user (phone) WHERE phone_verified = 1;

------------------------------------------------------------------------------------------
-- rp_user (repair app)
------------------------------------------------------------------------------------------

CREATE TABLE rp_user_new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    openid       TEXT NOT NULL UNIQUE,
    session_key  TEXT NOT NULL DEFAULT '',
    token        TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL DEFAULT 'normal' CHECK (role IN ('normal', 'repair', 'admin')),
    name         TEXT NOT NULL DEFAULT '',
    phone        TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    company      TEXT NOT NULL DEFAULT '',
    age          INTEGER,
    email        TEXT NOT NULL DEFAULT '',
    wx_userinfo  TEXT NOT NULL DEFAULT '{}',  -- JSON as the mini-program sent it
    create_date  TEXT NOT NULL,
    update_date  TEXT NOT NULL
);
INSERT INTO rp_user_new (id, openid, session_key, token, role, name, phone, address, company,
    age, email, wx_userinfo, create_date, update_date)
SELECT id, openid, session_key, token, role, name, phone, address, company,
    age, email, wx_userinfo, create_date, update_date
FROM rp_user;
DROP TABLE rp_user;
ALTER TABLE rp_user_new RENAME TO rp_user;

------------------------------------------------------------------------------------------
-- cs_account (consulting app)
------------------------------------------------------------------------------------------

CREATE TABLE cs_account_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT NOT NULL CHECK (kind IN ('user', 'consultant')),
    username       TEXT,
    password_hash  TEXT NOT NULL DEFAULT '',
    phone          TEXT,
    realname       TEXT NOT NULL DEFAULT '',
    gender         INTEGER CHECK (gender IN (0, 1)),
    email          TEXT NOT NULL DEFAULT '',
    create_date    TEXT NOT NULL
);
INSERT INTO cs_account_new (id, kind, username, password_hash, phone, realname, gender, email,
    create_date)
SELECT id, kind, username, password_hash, phone, realname, gender, email, create_date
FROM cs_account;
DROP TABLE cs_account;
ALTER TABLE cs_account_new RENAME TO cs_account;
CREATE UNIQUE INDEX cs_account_username ON cs_account (kind, username) WHERE username IS NOT NULL;
CREATE UNIQUE INDEX cs_account_phone ON cs_account (kind, phone) WHERE phone IS NOT NULL;
