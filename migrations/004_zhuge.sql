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
