-- Leida schema, version 1. Applied once on a fresh database (PRAGMA user_version = 0);
-- later changes are numbered migrations in src/db/schema.rs.
-- Times are TEXT 'YYYY-MM-DDTHH:MM:SS.mmm' in the firm's time zone (UTC+8), so they sort
-- and compare as text, and a date such as '2018-06-14' compares as that day's midnight.

------------------------------------------------------------------------------------------
-- Shared by every app
------------------------------------------------------------------------------------------

-- One owner per appid/corp: the server and the CLI share WeChat access tokens.
CREATE TABLE IF NOT EXISTS wechat_token (
    key         TEXT PRIMARY KEY,            -- 'mini:{appid}', 'work:{corpid}:{agent}'
    token       TEXT NOT NULL,
    expires_at  INTEGER NOT NULL             -- unix seconds
);

-- Outbound messages (template messages, Work WeChat pushes), written in the same
-- transaction as their cause and sent by a background worker.
CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,              -- 'work_push', 'mini_template', ...
    recipient    TEXT NOT NULL,              -- coalescing key, e.g. 'work:{company}:{userid}'
    payload      TEXT NOT NULL,              -- JSON
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  INTEGER NOT NULL,           -- unix seconds
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sent_at, next_try_at);

------------------------------------------------------------------------------------------
-- Zhuge Leida (seeds 001 and 003): companies, employees and their cards, customers,
-- the radar, chat, tags, follow-ups, products and the shop.
------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS zl_company (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL UNIQUE,
    area                    TEXT NOT NULL DEFAULT '',
    address                 TEXT NOT NULL DEFAULT '',
    website_content         TEXT NOT NULL DEFAULT '{}',  -- JSON: cover_picture, content_picture
    mingpian_available_num  INTEGER NOT NULL DEFAULT 100,
    account_expired_time    TEXT,                        -- NULL: never expires
    shopping_type           INTEGER NOT NULL DEFAULT 1,  -- 1 产品, 2 商城
    mp_appid                TEXT NOT NULL DEFAULT '',    -- the company's mini-program
    mp_secret               TEXT NOT NULL DEFAULT '',
    mp_template_id          TEXT NOT NULL DEFAULT '',
    mp_subscribe_template_id TEXT NOT NULL DEFAULT '',
    work_corp_id            TEXT NOT NULL DEFAULT '',    -- the company's Work WeChat
    work_secret             TEXT NOT NULL DEFAULT '',
    work_agent_id           TEXT NOT NULL DEFAULT '',
    create_date             TEXT NOT NULL
);

-- The permission menu tree (seed 003 "quanxian").
CREATE TABLE IF NOT EXISTS zl_permission (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL UNIQUE,
    icon         TEXT NOT NULL DEFAULT '',
    title        TEXT NOT NULL UNIQUE,
    pid          INTEGER REFERENCES zl_permission (id),
    order_num    INTEGER NOT NULL DEFAULT 0,
    component    TEXT NOT NULL DEFAULT '',
    create_date  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS zl_role (
    id           INTEGER PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES zl_company (id),
    name         TEXT NOT NULL,
    create_date  TEXT NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE IF NOT EXISTS zl_role_permission (
    role_id        INTEGER NOT NULL REFERENCES zl_role (id) ON DELETE CASCADE,
    permission_id  INTEGER NOT NULL REFERENCES zl_permission (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
) WITHOUT ROWID;

-- An employee is also a business card (SPEC §7): card fields and counters live here.
CREATE TABLE IF NOT EXISTS zl_employee (
    id               INTEGER PRIMARY KEY,
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
CREATE INDEX IF NOT EXISTS zl_employee_company ON zl_employee (company_id);
CREATE INDEX IF NOT EXISTS zl_employee_userid ON zl_employee (company_id, userid);

-- Photos on a card: 1 photo wall, 2 card avatar (the newest wins).
CREATE TABLE IF NOT EXISTS zl_photo (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    photo_type   INTEGER NOT NULL DEFAULT 1,
    photo_url    TEXT NOT NULL,
    order_num    INTEGER NOT NULL DEFAULT 0,
    create_date  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS zl_photo_user ON zl_photo (user_id, photo_type);

-- Tags a salesperson shows on their own card.
CREATE TABLE IF NOT EXISTS zl_user_tag (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    UNIQUE (user_id, name)
);

-- A mini-program (user_type 2) or official-account (1) visitor.
CREATE TABLE IF NOT EXISTS zl_customer (
    id           INTEGER PRIMARY KEY,
    company_id   INTEGER REFERENCES zl_company (id),  -- the company of the last card bound
    openid       TEXT NOT NULL,
    user_type    INTEGER NOT NULL DEFAULT 2,
    session_key  TEXT NOT NULL DEFAULT '',
    token        TEXT NOT NULL UNIQUE,
    username     TEXT NOT NULL DEFAULT '',   -- WeChat nickname; '' until shared
    memo_name    TEXT NOT NULL DEFAULT '',
    headimgurl   TEXT NOT NULL DEFAULT 'statics/imgs/Avator.jpg',
    sex          INTEGER NOT NULL DEFAULT 0,
    phone        TEXT NOT NULL DEFAULT '',
    city         TEXT NOT NULL DEFAULT '',
    province     TEXT NOT NULL DEFAULT '',
    country      TEXT NOT NULL DEFAULT '',
    language     TEXT NOT NULL DEFAULT '',
    create_date  TEXT NOT NULL,
    UNIQUE (openid, user_type)
);

-- Customer details shared by every salesperson of the customer.
CREATE TABLE IF NOT EXISTS zl_information (
    customer_id  INTEGER PRIMARY KEY REFERENCES zl_customer (id) ON DELETE CASCADE,
    sex          INTEGER NOT NULL DEFAULT 0,
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    company      TEXT NOT NULL DEFAULT '',
    position     TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    birthday     TEXT NOT NULL DEFAULT '',
    mem          TEXT NOT NULL DEFAULT ''
);

-- formIds a customer's mini-program handed over: single use, valid 7 days.
CREATE TABLE IF NOT EXISTS zl_form_id (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    form_id      TEXT NOT NULL,
    create_date  TEXT NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (customer_id, form_id)
);

-- The CRM core: a customer bound to a salesperson's card (the address book lists these).
CREATE TABLE IF NOT EXISTS zl_relation (
    id                  INTEGER PRIMARY KEY,
    user_id             INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id         INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    source              INTEGER NOT NULL DEFAULT 1,  -- 1 扫码, 2 转发, 3 搜索, 4 公众号文章
    customer_parent_id  INTEGER REFERENCES zl_customer (id) ON DELETE SET NULL,
    expected_time       TEXT,                        -- date
    expedted_pr         INTEGER NOT NULL DEFAULT 0,  -- % (the seed's spelling)
    last_follow_time    TEXT,                        -- the salesperson's last action
    last_activity_time  TEXT,                        -- the customer's last action
    is_customer_msg_num INTEGER NOT NULL DEFAULT 0,
    is_user_msg_num     INTEGER NOT NULL DEFAULT 0,
    qr_code             TEXT NOT NULL DEFAULT '',
    poster_url          TEXT NOT NULL DEFAULT '',
    create_date         TEXT NOT NULL,
    UNIQUE (user_id, customer_id)
);
CREATE INDEX IF NOT EXISTS zl_relation_customer ON zl_relation (customer_id);

-- 靠谱 on a card: a toggle per (card, customer).
CREATE TABLE IF NOT EXISTS zl_up_down (
    user_id      INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    up           INTEGER NOT NULL,
    PRIMARY KEY (user_id, customer_id)
) WITHOUT ROWID;

-- A like of the card's signature: one-way.
CREATE TABLE IF NOT EXISTS zl_up_down_sign (
    user_id      INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    create_date  TEXT NOT NULL,
    PRIMARY KEY (user_id, customer_id)
) WITHOUT ROWID;

-- How often each customer has viewed each card (the radar's "第N次" without counting rows).
CREATE TABLE IF NOT EXISTS zl_card_view (
    user_id      INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    views        INTEGER NOT NULL,
    PRIMARY KEY (user_id, customer_id)
) WITHOUT ROWID;

-- The radar: one row per customer action on a card (SPEC §6).
CREATE TABLE IF NOT EXISTS zl_radar (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    action       INTEGER NOT NULL,
    remark       TEXT NOT NULL,
    is_new_msg   INTEGER NOT NULL DEFAULT 1,
    create_date  TEXT NOT NULL
);
-- Covers action/time, action/count (by time window) and the per-customer grouping.
CREATE INDEX IF NOT EXISTS zl_radar_user_time ON zl_radar (user_id, create_date, action, customer_id);
CREATE INDEX IF NOT EXISTS zl_radar_unread ON zl_radar (user_id, is_new_msg) WHERE is_new_msg = 1;

-- Chat between a salesperson and a customer; content is the seed's JSON object, stored whole.
CREATE TABLE IF NOT EXISTS zl_chat (
    id                   INTEGER PRIMARY KEY,
    user_id              INTEGER NOT NULL REFERENCES zl_employee (id) ON DELETE CASCADE,
    customer_id          INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    send_type            INTEGER NOT NULL,           -- 1 salesperson → customer, 2 customer → salesperson
    content              TEXT NOT NULL,
    is_customer_new_msg  INTEGER NOT NULL DEFAULT 1, -- unread by the customer
    is_user_new_msg      INTEGER NOT NULL DEFAULT 1, -- unread by the salesperson
    create_date          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS zl_chat_pair ON zl_chat (user_id, customer_id, id);
CREATE INDEX IF NOT EXISTS zl_chat_customer ON zl_chat (customer_id, id);

-- Customer tags; a tag without a parent is a group (基本功能 / 关注点 / 级别 / 自定义).
CREATE TABLE IF NOT EXISTS zl_tag (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES zl_company (id) ON DELETE CASCADE,
    user_id     INTEGER REFERENCES zl_employee (id) ON DELETE SET NULL,
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES zl_tag (id) ON DELETE CASCADE,
    UNIQUE (company_id, name)
);

CREATE TABLE IF NOT EXISTS zl_tag_customer (
    tag_id       INTEGER NOT NULL REFERENCES zl_tag (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    PRIMARY KEY (tag_id, customer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS zl_tag_customer_by_customer ON zl_tag_customer (customer_id);

-- Follow-up phrases: user_id NULL is a shared default.
CREATE TABLE IF NOT EXISTS zl_follow_language (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER REFERENCES zl_employee (id) ON DELETE CASCADE,
    custom_language  TEXT NOT NULL,
    create_date      TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS zl_follow_info (
    id           INTEGER PRIMARY KEY,
    relation_id  INTEGER NOT NULL REFERENCES zl_relation (id) ON DELETE CASCADE,
    follow_info  TEXT NOT NULL,
    create_date  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS zl_follow_info_relation ON zl_follow_info (relation_id, id);

-- Products: user_id NULL is company-wide, else that salesperson's own.
CREATE TABLE IF NOT EXISTS zl_product (
    id               INTEGER PRIMARY KEY,
    company_id       INTEGER NOT NULL REFERENCES zl_company (id) ON DELETE CASCADE,
    user_id          INTEGER REFERENCES zl_employee (id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    price            TEXT NOT NULL DEFAULT '',   -- free text such as '280-1280'
    reason           TEXT NOT NULL DEFAULT '',
    content          TEXT NOT NULL DEFAULT '{}', -- JSON: cover_data, article_data
    status           INTEGER NOT NULL DEFAULT 1, -- 1 已发布, 2 已下架, 3 推荐
    recommend_index  INTEGER NOT NULL DEFAULT 0,
    create_date      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS zl_product_company ON zl_product (company_id, status);

-- The shop (seed 001: 商城): settings, goods classes, goods, orders, pay notifies.
CREATE TABLE IF NOT EXISTS zl_shop_setting (
    company_id      INTEGER PRIMARY KEY REFERENCES zl_company (id) ON DELETE CASCADE,
    shangChengName  TEXT NOT NULL,
    shangHuHao      TEXT NOT NULL DEFAULT '',   -- WeChat Pay merchant id
    shangHuMiYao    TEXT NOT NULL DEFAULT '',   -- WeChat Pay v2 key, never returned
    lunbotu         TEXT NOT NULL DEFAULT '[]',
    create_date     TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS zl_goods_class (
    id                    INTEGER PRIMARY KEY,
    company_id            INTEGER NOT NULL REFERENCES zl_company (id) ON DELETE CASCADE,
    classificationName    TEXT NOT NULL,
    parentClassification  INTEGER REFERENCES zl_goods_class (id),
    goodsNum              INTEGER NOT NULL DEFAULT 0,
    create_date           TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS zl_goods (
    id                INTEGER PRIMARY KEY,
    company_id        INTEGER NOT NULL REFERENCES zl_company (id) ON DELETE CASCADE,
    classificationId  INTEGER REFERENCES zl_goods_class (id),
    goodsName         TEXT NOT NULL,
    goodsPrice        INTEGER NOT NULL,            -- fen
    goodsStatus       INTEGER NOT NULL DEFAULT 1,  -- 1 on shelf, 2 off shelf
    pictures          TEXT NOT NULL DEFAULT '[]',
    description       TEXT NOT NULL DEFAULT '',
    create_date       TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS zl_order (
    id              INTEGER PRIMARY KEY,
    out_trade_no    TEXT NOT NULL UNIQUE,
    company_id      INTEGER NOT NULL REFERENCES zl_company (id),
    goods_id        INTEGER REFERENCES zl_goods (id) ON DELETE SET NULL,
    customer_id     INTEGER NOT NULL REFERENCES zl_customer (id),
    user_id         INTEGER REFERENCES zl_employee (id) ON DELETE SET NULL,
    goods_name      TEXT NOT NULL,
    amount          INTEGER NOT NULL,              -- fen
    appid           TEXT NOT NULL,
    mch_id          TEXT NOT NULL,
    status          INTEGER NOT NULL DEFAULT 1,    -- 1 待付款, 8 交易成功, 9 交易失败
    prepay_id       TEXT NOT NULL DEFAULT '',
    transaction_id  TEXT NOT NULL DEFAULT '',
    create_date     TEXT NOT NULL,
    paid_date       TEXT
);
CREATE INDEX IF NOT EXISTS zl_order_customer ON zl_order (customer_id, id);

-- Every pay notify as received, with its verdict (SPEC §8).
CREATE TABLE IF NOT EXISTS pay_notify (
    id           INTEGER PRIMARY KEY,
    app          TEXT NOT NULL,          -- 'zhuge', 'consult'
    body         TEXT NOT NULL,
    verdict      TEXT NOT NULL,
    create_date  TEXT NOT NULL
);

-- The permission menu every administrator role holds (paths are the enterprise API's).
INSERT OR IGNORE INTO zl_permission (id, path, title, pid, order_num, create_date) VALUES
    (1, 'user', '用户管理', NULL, 1, '2018-06-01T00:00:00.000'),
    (2, 'role', '角色管理', NULL, 2, '2018-06-01T00:00:00.000'),
    (3, 'quanxian', '权限管理', NULL, 3, '2018-06-01T00:00:00.000'),
    (4, 'company', '公司管理', NULL, 4, '2018-06-01T00:00:00.000'),
    (5, 'customer', '客户管理', NULL, 5, '2018-06-01T00:00:00.000'),
    (6, 'tag', '标签管理', NULL, 6, '2018-06-01T00:00:00.000'),
    (7, 'product', '产品管理', NULL, 7, '2018-06-01T00:00:00.000'),
    (8, 'shop', '商城管理', NULL, 8, '2018-06-01T00:00:00.000'),
    (9, 'website', '官网管理', NULL, 9, '2018-06-01T00:00:00.000');

-- The shared follow-up phrases, as seed 003 lists them (ids 2–10).
INSERT OR IGNORE INTO zl_follow_language (id, user_id, custom_language, create_date) VALUES
    (2, NULL, '客户查看了公司产品,有合作意向', '2018-06-01T00:00:00.000'),
    (3, NULL, '标记一下,客户有合作意向', '2018-06-01T00:00:00.000'),
    (4, NULL, '计划近期安排拜访', '2018-06-01T00:00:00.000'),
    (5, NULL, '意向客户,需安排拜访', '2018-06-01T00:00:00.000'),
    (6, NULL, '见面聊过,客户有合作意向', '2018-06-01T00:00:00.000'),
    (7, NULL, '曾拜访过的客户', '2018-06-01T00:00:00.000'),
    (8, NULL, '标记一下,需要给客户发送报价', '2018-06-01T00:00:00.000'),
    (9, NULL, '已发报价,待客户反馈', '2018-06-01T00:00:00.000'),
    (10, NULL, '已成交客户,维护好后续关系', '2018-06-01T00:00:00.000');

------------------------------------------------------------------------------------------
-- Design-firm demand forms (seed 000, /small/)
------------------------------------------------------------------------------------------


------------------------------------------------------------------------------------------
-- Consulting marketplace (seed 002, /api/user/, /api/consultant/, /api/pay/)
------------------------------------------------------------------------------------------


------------------------------------------------------------------------------------------
-- Repair requests (seed 004, /api/user, /api/login, /api/process/)
------------------------------------------------------------------------------------------

