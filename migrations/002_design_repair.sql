-- Version 2: the design-firm demand forms (seed 000, `/small/`) and the repair requests
-- (seed 004, `/api/user`, `/api/login`, `/api/process/instance`). Each app keeps its own
-- users: a WeChat openid is an account of one app, never shared between them.

------------------------------------------------------------------------------------------
-- Design-firm demand forms: `sm_` tables
------------------------------------------------------------------------------------------

-- Anyone who opened the mini-program (`getUserInfo`). `level`: 0 not yet bound by phone,
-- 1 customer, 2 designer, 3 customer service, 4 manager.
CREATE TABLE IF NOT EXISTS sm_user (
    id           INTEGER PRIMARY KEY,
    openid       TEXT NOT NULL UNIQUE,
    session_key  TEXT NOT NULL DEFAULT '',
    nickname     TEXT NOT NULL DEFAULT '',
    avatar       TEXT NOT NULL DEFAULT '',
    phone        TEXT UNIQUE,                -- NULL until `register`
    level        INTEGER NOT NULL DEFAULT 0 CHECK (level BETWEEN 0 AND 4),
    create_date  TEXT NOT NULL
);

-- The staff roster by phone (`addEmploye`): a phone listed here binds as that employee.
CREATE TABLE IF NOT EXISTS sm_employee (
    phone        TEXT PRIMARY KEY,
    level        INTEGER NOT NULL CHECK (level BETWEEN 2 AND 4),
    name         TEXT NOT NULL DEFAULT '',
    added_by     INTEGER REFERENCES sm_user (id),
    create_date  TEXT NOT NULL
);

-- A customer's demand. `status`: 1 new, 2 assigned, 3 in progress, 4 done.
CREATE TABLE IF NOT EXISTS sm_form (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES sm_user (id),
    title        TEXT NOT NULL DEFAULT '',
    content      TEXT NOT NULL DEFAULT '',
    type         INTEGER NOT NULL DEFAULT 0,
    status       INTEGER NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 4),
    designer_id  INTEGER REFERENCES sm_user (id),
    service_id   INTEGER REFERENCES sm_user (id),
    create_date  TEXT NOT NULL,
    update_date  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sm_form_customer ON sm_form (customer_id, id);
CREATE INDEX IF NOT EXISTS sm_form_status ON sm_form (status, id);

-- Every change of a form: creation, edits, assignment, status moves.
CREATE TABLE IF NOT EXISTS sm_form_log (
    id           INTEGER PRIMARY KEY,
    form_id      INTEGER NOT NULL REFERENCES sm_form (id) ON DELETE CASCADE,
    actor_id     INTEGER NOT NULL REFERENCES sm_user (id),
    from_status  INTEGER,
    to_status    INTEGER NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    create_date  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sm_form_log_form ON sm_form_log (form_id, id);

-- A form's room: the conversation between its customer and the firm.
CREATE TABLE IF NOT EXISTS sm_message (
    id           INTEGER PRIMARY KEY,
    room_id      INTEGER NOT NULL REFERENCES sm_form (id) ON DELETE CASCADE,
    sender_id    INTEGER NOT NULL REFERENCES sm_user (id),
    content      TEXT NOT NULL,
    create_date  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sm_message_room ON sm_message (room_id, id);

-- One review per form, by its customer, once it is done.
CREATE TABLE IF NOT EXISTS sm_assess (
    id              INTEGER PRIMARY KEY,
    form_id         INTEGER NOT NULL UNIQUE REFERENCES sm_form (id) ON DELETE CASCADE,
    customer_id     INTEGER NOT NULL REFERENCES sm_user (id),
    employe_id      INTEGER REFERENCES sm_user (id),
    designer_stars  INTEGER CHECK (designer_stars BETWEEN 1 AND 5),
    service_stars   INTEGER CHECK (service_stars BETWEEN 1 AND 5),
    content         TEXT NOT NULL DEFAULT '',
    create_date     TEXT NOT NULL
);

-- formIds (template messages): single use, valid 7 days (`expires_at`, unix seconds).
CREATE TABLE IF NOT EXISTS sm_form_id (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES sm_user (id) ON DELETE CASCADE,
    form_id      TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, form_id)
);

------------------------------------------------------------------------------------------
-- Repair requests: `rp_` tables
------------------------------------------------------------------------------------------

-- `role`: 'normal' (applies for repairs), 'repair' (handles them), 'admin' (assigns).
CREATE TABLE IF NOT EXISTS rp_user (
    id           INTEGER PRIMARY KEY,
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

-- A `repair_apply` instance. `status`: pending, assigned, processing, finished, closed,
-- cancelled (see the workflow in src/repair/workflow.rs and the README).
CREATE TABLE IF NOT EXISTS rp_request (
    id            INTEGER PRIMARY KEY,
    applicant_id  INTEGER NOT NULL REFERENCES rp_user (id),
    assignee_id   INTEGER REFERENCES rp_user (id),
    title         TEXT NOT NULL DEFAULT '',
    content       TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    phone         TEXT NOT NULL DEFAULT '',
    images        TEXT NOT NULL DEFAULT '[]',  -- JSON list of upload URLs
    status        TEXT NOT NULL DEFAULT 'pending',
    create_date   TEXT NOT NULL,
    update_date   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rp_request_applicant ON rp_request (applicant_id, id);
CREATE INDEX IF NOT EXISTS rp_request_assignee ON rp_request (assignee_id, id);

-- Every transition and comment, with its actor and time.
CREATE TABLE IF NOT EXISTS rp_event (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES rp_request (id) ON DELETE CASCADE,
    actor_id     INTEGER NOT NULL REFERENCES rp_user (id),
    action       TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    create_date  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS rp_event_request ON rp_event (request_id, id);

-- formIds of repair users, so an assignee can be notified: single use, valid 7 days.
CREATE TABLE IF NOT EXISTS rp_form_id (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES rp_user (id) ON DELETE CASCADE,
    form_id      TEXT NOT NULL,
    expires_at   INTEGER NOT NULL,
    used         INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, form_id)
);
