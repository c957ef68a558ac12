-- Version 8: company ids are never reused either.
--
-- Outbox messages, cached access tokens and signed console sessions name a company by id.
-- Without AUTOINCREMENT a deleted company's id went to the next company created, which then
-- inherited whatever still named the old one (a queued push sent with the new company's
-- Work WeChat to a member id of the old). Rebuilt the way 007 rebuilt the principals.

CREATE TABLE zl_company_new (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    name                    TEXT NOT NULL UNIQUE,
    area                    TEXT NOT NULL DEFAULT '',
    address                 TEXT NOT NULL DEFAULT '',
    website_content         TEXT NOT NULL DEFAULT '{}',  -- JSON: cover_picture, content_picture
    mingpian_available_num  INTEGER NOT NULL DEFAULT 100,
    account_expired_time    TEXT,                        -- NULL: never expires
    shopping_type           INTEGER NOT NULL DEFAULT 1,  -- 1 产品, 2 商城
    mp_appid                TEXT NOT NULL DEFAULT '',    -- the company's mini-program
    mp_secret               TEXT NOT NULL DEFAULT '',    -- sealed (src/secrets.rs)
    mp_template_id          TEXT NOT NULL DEFAULT '',
    mp_subscribe_template_id TEXT NOT NULL DEFAULT '',
    work_corp_id            TEXT NOT NULL DEFAULT '',    -- the company's Work WeChat
    work_secret             TEXT NOT NULL DEFAULT '',    -- sealed
    work_agent_id           TEXT NOT NULL DEFAULT '',
    create_date             TEXT NOT NULL,
    parent_id               INTEGER REFERENCES zl_company (id)
);

INSERT INTO zl_company_new (id, name, area, address, website_content, mingpian_available_num,
    account_expired_time, shopping_type, mp_appid, mp_secret, mp_template_id,
    mp_subscribe_template_id, work_corp_id, work_secret, work_agent_id, create_date, parent_id)
SELECT id, name, area, address, website_content, mingpian_available_num,
    account_expired_time, shopping_type, mp_appid, mp_secret, mp_template_id,
    mp_subscribe_template_id, work_corp_id, work_secret, work_agent_id, create_date, parent_id
FROM zl_company;

DROP TABLE zl_company;
ALTER TABLE zl_company_new RENAME TO zl_company;
CREATE INDEX zl_company_parent ON zl_company (parent_id);
