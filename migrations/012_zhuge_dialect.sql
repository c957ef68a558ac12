-- Version 12: what the clients of the original 2018 server expect (docs/zhuge.md,
-- "Clients of the original server").
--
-- `zl_company.dialect`: NULL follows the `zhuge_dialect` config key; 'seed' or 'original'
-- overrides it for the company's cards, chats and radar.
-- `zl_company.mp_version`: the released version of the company's mini-program; a client
-- reporting another `user_version` at login is a preview build (`is_release_version_num`).
-- `zl_company.wechat_qr_code`: the company's Work WeChat QR code, shown after sign-in.
-- `zl_employee.password_changed`: the employee chose their own password (`is_reset_password`).
-- `zl_employee.country`: the country on the card.

ALTER TABLE zl_company ADD COLUMN dialect TEXT CHECK (dialect IN ('seed', 'original'));
ALTER TABLE zl_company ADD COLUMN mp_version TEXT NOT NULL DEFAULT '';
ALTER TABLE zl_company ADD COLUMN wechat_qr_code TEXT NOT NULL DEFAULT '';
ALTER TABLE zl_employee ADD COLUMN password_changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE zl_employee ADD COLUMN country TEXT NOT NULL DEFAULT '';
