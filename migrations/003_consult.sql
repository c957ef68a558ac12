-- Version 3: the consulting marketplace (seed 002, /api/user/, /api/consultant/, /api/pay/).

-- Buyers ('user') and consultants ('consultant') sign in separately; a phone sign-in creates
-- an account without a username, `register` creates one with a username and password.
CREATE TABLE IF NOT EXISTS cs_account (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('user', 'consultant')),
    username       TEXT,
    password_hash  TEXT NOT NULL DEFAULT '',
    phone          TEXT,
    realname       TEXT NOT NULL DEFAULT '',
    gender         INTEGER CHECK (gender IN (0, 1)),
    email          TEXT NOT NULL DEFAULT '',
    create_date    TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS cs_account_username ON cs_account (kind, username)
    WHERE username IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS cs_account_phone ON cs_account (kind, phone)
    WHERE phone IS NOT NULL;

-- Sessions: the md5 of the token (the cookie / Bearer value) is stored, never the token.
CREATE TABLE IF NOT EXISTS cs_session (
    token_hash   TEXT PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES cs_account (id) ON DELETE CASCADE,
    expires_ms   INTEGER NOT NULL,
    create_date  TEXT NOT NULL
);

-- SMS verification codes: valid 5 minutes, single use, at most 5 tries (see consult/sms.rs).
CREATE TABLE IF NOT EXISTS cs_sms_code (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    phone       TEXT NOT NULL,
    code        TEXT NOT NULL,
    sent_ms     INTEGER NOT NULL,
    expires_ms  INTEGER NOT NULL,
    tries       INTEGER NOT NULL DEFAULT 0,
    used        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS cs_sms_code_phone ON cs_sms_code (phone, sent_ms);

CREATE TABLE IF NOT EXISTS cs_tag (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);

-- A buyer's paid demand; the price is kept in fen.
CREATE TABLE IF NOT EXISTS cs_post (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES cs_account (id),
    title        TEXT NOT NULL,
    content      TEXT NOT NULL,
    price_fen    INTEGER NOT NULL CHECK (price_fen >= 0),
    create_date  TEXT NOT NULL,
    update_date  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cs_post_user ON cs_post (user_id, id);

CREATE TABLE IF NOT EXISTS cs_post_tag (
    post_id  INTEGER NOT NULL REFERENCES cs_post (id) ON DELETE CASCADE,
    tag_id   INTEGER NOT NULL REFERENCES cs_tag (id),
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX IF NOT EXISTS cs_post_tag_tag ON cs_post_tag (tag_id, post_id);

-- Orders: status 1 unpaid, 2 paid, 3 accepted, 4 delivered, 5 completed, 6 cancelled,
-- 7 refunding (README "Consulting marketplace" has who moves which).
CREATE TABLE IF NOT EXISTS cs_order (
    id             INTEGER PRIMARY KEY,
    order_no       TEXT NOT NULL UNIQUE,
    post_id        INTEGER NOT NULL REFERENCES cs_post (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES cs_account (id),
    consultant_id  INTEGER REFERENCES cs_account (id),
    price_fen      INTEGER NOT NULL CHECK (price_fen > 0),
    status         INTEGER NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 7),
    hidden         INTEGER NOT NULL DEFAULT 0,
    prepay_id      TEXT NOT NULL DEFAULT '',
    code_url       TEXT NOT NULL DEFAULT '',
    transaction_id TEXT NOT NULL DEFAULT '',
    create_date    TEXT NOT NULL,
    paid_date      TEXT,
    update_date    TEXT NOT NULL
);
-- One live order per demand: this is what makes "one consultant per post" race-free.
CREATE UNIQUE INDEX IF NOT EXISTS cs_order_live ON cs_order (post_id) WHERE status BETWEEN 1 AND 5;
CREATE INDEX IF NOT EXISTS cs_order_user ON cs_order (user_id, id);
CREATE INDEX IF NOT EXISTS cs_order_consultant ON cs_order (consultant_id, id);

-- A buyer cancelled a paid order (or a payment arrived for a cancelled one): money to return.
CREATE TABLE IF NOT EXISTS cs_refund (
    id           INTEGER PRIMARY KEY,
    order_id     INTEGER NOT NULL UNIQUE REFERENCES cs_order (id),
    amount_fen   INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'requested',
    create_date  TEXT NOT NULL
);

INSERT OR IGNORE INTO cs_tag (id, name) VALUES
    (1, '企业管理'),
    (2, '财务税务'),
    (3, '法律咨询'),
    (4, '市场营销'),
    (5, '人力资源'),
    (6, '技术开发'),
    (7, '产品设计'),
    (8, '投资融资');
