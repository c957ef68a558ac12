-- What a company notes about a customer (seed 003 `customer/update_information`: the memo
-- name and the contact details a salesperson writes down). Until version 4 these lived on
-- the customer (`zl_customer.memo_name`, `zl_information`), so a customer bound to the
-- salespeople of two firms showed each firm the other's notes. Now each company has its own.
CREATE TABLE zl_customer_note (
    company_id   INTEGER NOT NULL REFERENCES zl_company (id) ON DELETE CASCADE,
    customer_id  INTEGER NOT NULL REFERENCES zl_customer (id) ON DELETE CASCADE,
    memo_name    TEXT NOT NULL DEFAULT '',
    sex          INTEGER,                      -- NULL: not noted, the customer's own shows
    phone        TEXT NOT NULL DEFAULT '',
    email        TEXT NOT NULL DEFAULT '',
    company      TEXT NOT NULL DEFAULT '',
    position     TEXT NOT NULL DEFAULT '',
    address      TEXT NOT NULL DEFAULT '',
    birthday     TEXT NOT NULL DEFAULT '',
    mem          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (company_id, customer_id)
) WITHOUT ROWID;

-- Each company the customer is bound in keeps a copy of what it could see until now; no
-- other company gets one.
INSERT INTO zl_customer_note (company_id, customer_id, memo_name, sex, phone, email, company,
                              position, address, birthday, mem)
SELECT DISTINCT e.company_id, cu.id, cu.memo_name, NULLIF(i.sex, 0), IFNULL(i.phone, ''),
       IFNULL(i.email, ''), IFNULL(i.company, ''), IFNULL(i.position, ''),
       IFNULL(i.address, ''), IFNULL(i.birthday, ''), IFNULL(i.mem, '')
FROM zl_customer cu
JOIN zl_relation r ON r.customer_id = cu.id
JOIN zl_employee e ON e.id = r.user_id
LEFT JOIN zl_information i ON i.customer_id = cu.id
WHERE cu.memo_name != '' OR i.customer_id IS NOT NULL;

DROP TABLE zl_information;
ALTER TABLE zl_customer DROP COLUMN memo_name;
