-- WeChat Pay API v3 beside v2, refunds paid out (issue 18).
--
-- A shop's merchant may use API v3: its APIv3 key, API private key and certificate serial
-- (sealed where secret, src/secrets.rs), and WeChat Pay's public key (or platform
-- certificates fetched from /v3/certificates). The v2 client certificate pays refunds out.
ALTER TABLE zl_shop_setting ADD COLUMN pay_api_version TEXT NOT NULL DEFAULT 'v2';
ALTER TABLE zl_shop_setting ADD COLUMN apiv3_key TEXT NOT NULL DEFAULT '';        -- sealed
ALTER TABLE zl_shop_setting ADD COLUMN private_key TEXT NOT NULL DEFAULT '';      -- sealed PEM
ALTER TABLE zl_shop_setting ADD COLUMN serial_no TEXT NOT NULL DEFAULT '';
ALTER TABLE zl_shop_setting ADD COLUMN public_key TEXT NOT NULL DEFAULT '';       -- PEM
ALTER TABLE zl_shop_setting ADD COLUMN public_key_id TEXT NOT NULL DEFAULT '';
ALTER TABLE zl_shop_setting ADD COLUMN cert TEXT NOT NULL DEFAULT '';             -- PEM
ALTER TABLE zl_shop_setting ADD COLUMN cert_key TEXT NOT NULL DEFAULT '';         -- sealed PEM

-- Every refund, of either app: a job sent by a background worker with backoff until WeChat
-- Pay accepts it, then settled by WeChat's refund notify. `out_refund_no` is fixed when the
-- row is written, so a retry (after a restart, a timeout) can never pay twice.
-- status: requested (a customer asked; the seller decides), refused (the seller said no),
-- recorded (v2 without a client certificate: settle by hand in the merchant platform),
-- pending (to send), processing (WeChat accepted it), succeeded, failed (fail_reason says why).
CREATE TABLE pay_refund (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    app            TEXT NOT NULL,                       -- 'consult', 'zhuge'
    order_id       INTEGER NOT NULL,                    -- cs_order.id or zl_order.id
    company_id     INTEGER REFERENCES zl_company (id),  -- zhuge: the shop's merchant
    appid          TEXT NOT NULL DEFAULT '',            -- as paid
    mch_id         TEXT NOT NULL DEFAULT '',
    out_trade_no   TEXT NOT NULL,
    out_refund_no  TEXT NOT NULL UNIQUE,
    total_fen      INTEGER NOT NULL CHECK (total_fen > 0),
    refund_fen     INTEGER NOT NULL CHECK (refund_fen > 0 AND refund_fen <= total_fen),
    reason         TEXT NOT NULL DEFAULT '',
    reason_id      INTEGER NOT NULL DEFAULT 4,          -- zhuge tuiKuanYuanYin
    notify_url     TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'pending',
    fail_reason    TEXT NOT NULL DEFAULT '',
    refund_id      TEXT NOT NULL DEFAULT '',            -- WeChat's
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_at    INTEGER NOT NULL DEFAULT 0,          -- unix seconds
    last_error     TEXT,
    create_date    TEXT NOT NULL,
    update_date    TEXT NOT NULL,
    refund_date    TEXT
);
CREATE INDEX pay_refund_due ON pay_refund (next_try_at) WHERE status = 'pending';
CREATE INDEX pay_refund_order ON pay_refund (app, order_id);
CREATE INDEX pay_refund_company ON pay_refund (company_id, id);
-- A consulting order is refunded once, whole.
CREATE UNIQUE INDEX pay_refund_consult ON pay_refund (order_id) WHERE app = 'consult';

-- The consulting refund requests recorded so far stay requests to settle by hand: they may
-- have been settled in the merchant platform already, so none is sent now.
INSERT INTO pay_refund (app, order_id, out_trade_no, out_refund_no, total_fen, refund_fen,
    reason, status, create_date, update_date)
SELECT 'consult', r.order_id, o.order_no, 'RF' || o.order_no, o.price_fen, r.amount_fen,
    r.reason, 'recorded', r.create_date, r.create_date
FROM cs_refund r JOIN cs_order o ON o.id = r.order_id;
DROP TABLE cs_refund;

-- Consulting orders gain 8 refunded and 9 refund failed; SQLite cannot change a CHECK, so
-- the table is rebuilt the documented way (see 007).
CREATE TABLE cs_order_new (
    id             INTEGER PRIMARY KEY,
    order_no       TEXT NOT NULL UNIQUE,
    post_id        INTEGER NOT NULL REFERENCES cs_post (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES cs_account (id),
    consultant_id  INTEGER REFERENCES cs_account (id),
    price_fen      INTEGER NOT NULL CHECK (price_fen > 0),
    status         INTEGER NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 9),
    hidden         INTEGER NOT NULL DEFAULT 0,
    prepay_id      TEXT NOT NULL DEFAULT '',
    code_url       TEXT NOT NULL DEFAULT '',
    transaction_id TEXT NOT NULL DEFAULT '',
    create_date    TEXT NOT NULL,
    paid_date      TEXT,
    update_date    TEXT NOT NULL
);
INSERT INTO cs_order_new (id, order_no, post_id, user_id, consultant_id, price_fen, status,
    hidden, prepay_id, code_url, transaction_id, create_date, paid_date, update_date)
SELECT id, order_no, post_id, user_id, consultant_id, price_fen, status,
    hidden, prepay_id, code_url, transaction_id, create_date, paid_date, update_date
FROM cs_order;
DROP TABLE cs_order;
ALTER TABLE cs_order_new RENAME TO cs_order;
CREATE UNIQUE INDEX cs_order_live ON cs_order (post_id) WHERE status BETWEEN 1 AND 5;
CREATE INDEX cs_order_user ON cs_order (user_id, id);
CREATE INDEX cs_order_consultant ON cs_order (consultant_id, id);
