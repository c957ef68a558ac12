//! Companies, their roles, and the credentials they carry.

use rusqlite::{params, Connection};

use crate::clock;
use crate::db::OptionalExtension;
use crate::error::ApiResult;

/// The role `leida admin` gives: every permission of the menu.
pub const ADMIN_ROLE: &str = "管理员";

/// The company with this name, created if missing.
pub fn ensure(c: &Connection, name: &str) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_company (name, create_date) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        params![name, clock::now()],
    )?;
    Ok(
        c.query_row("SELECT id FROM zl_company WHERE name = ?1", [name], |r| {
            r.get(0)
        })?,
    )
}

pub fn name(c: &Connection, company_id: i64) -> ApiResult<Option<String>> {
    Ok(c.query_row(
        "SELECT name FROM zl_company WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// The company's administrator role, holding every permission (created if missing).
pub fn ensure_admin_role(c: &Connection, company_id: i64) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_role (company_id, name, create_date) VALUES (?1, ?2, ?3)
         ON CONFLICT (company_id, name) DO NOTHING",
        params![company_id, ADMIN_ROLE, clock::now()],
    )?;
    let role_id: i64 = c.query_row(
        "SELECT id FROM zl_role WHERE company_id = ?1 AND name = ?2",
        params![company_id, ADMIN_ROLE],
        |r| r.get(0),
    )?;
    c.execute(
        "INSERT OR IGNORE INTO zl_role_permission (role_id, permission_id)
         SELECT ?1, id FROM zl_permission",
        [role_id],
    )?;
    Ok(role_id)
}

/// The mini-program credentials a company set, if any: `(appid, secret)`.
pub fn mini_app(c: &Connection, company_id: i64) -> ApiResult<Option<(String, String)>> {
    Ok(c.query_row(
        "SELECT mp_appid, mp_secret FROM zl_company WHERE id = ?1 AND mp_appid != ''",
        [company_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}
