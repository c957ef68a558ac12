-- Version 10: a record of every time a person exported or deleted their own data (issue 17).
--
-- Who (the app and the principal's id in it), when, and what kind of request; never what
-- was exported or deleted. A deleted principal's id stays behind as a row with no person in
-- it (the ids are AUTOINCREMENT, never handed out again), so the record names nobody.
CREATE TABLE privacy_audit (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    app           TEXT NOT NULL CHECK (app IN ('zhuge', 'design', 'consult', 'repair')),
    principal_id  INTEGER NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('export', 'delete')),
    create_date   TEXT NOT NULL
);
CREATE INDEX privacy_audit_principal ON privacy_audit (app, principal_id);
