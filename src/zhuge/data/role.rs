//! Roles of a company and the permissions granted to them.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::clock;
use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::web::params::Page;
use crate::zhuge::data::{company, permission};

/// The company a role belongs to, if the role exists.
pub fn company_of(c: &Connection, role_id: i64) -> ApiResult<Option<i64>> {
    Ok(c.query_row(
        "SELECT company_id FROM zl_role WHERE id = ?1",
        [role_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// 302 for an unknown role, 403 for one of another company.
pub fn check(c: &Connection, company_id: i64, role_id: i64) -> ApiResult<()> {
    company::check_owner(company_of(c, role_id)?, company_id, "角色")
}

/// The company's roles, newest first, each with the ids of its permissions.
pub fn list(c: &Connection, company_id: i64, page: Page) -> ApiResult<(Vec<Value>, i64)> {
    let total: i64 = c.query_row(
        "SELECT COUNT(*) FROM zl_role WHERE company_id = ?1",
        [company_id],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare(
        "SELECT r.id, r.name, r.create_date,
                (SELECT group_concat(rp.permission_id) FROM zl_role_permission rp WHERE rp.role_id = r.id),
                (SELECT COUNT(*) FROM zl_employee e WHERE e.role_id = r.id)
         FROM zl_role r WHERE r.company_id = ?1 ORDER BY r.id DESC LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt.query_map(params![company_id, page.limit, page.offset], |r| {
        let granted: Option<String> = r.get(3)?;
        let mut ids: Vec<i64> = granted
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| id.parse().ok())
            .collect();
        ids.sort_unstable();
        Ok(json!({
            "id": r.get::<_, i64>(0)?,
            "name": r.get::<_, String>(1)?,
            "role_id": r.get::<_, i64>(0)?,
            "create_date": r.get::<_, String>(2)?,
            "permissionsList": ids,
            "user_count": r.get::<_, i64>(4)?,
        }))
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// A new role, holding no permission; a name the company already uses is 300.
pub fn insert(c: &Connection, company_id: i64, name: &str) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_role (company_id, name, create_date) VALUES (?1, ?2, ?3)",
        params![company_id, name, clock::now()],
    )
    .on_unique(Code::NameExists, "角色名已存在")?;
    Ok(c.last_insert_rowid())
}

pub fn rename(c: &Connection, role_id: i64, name: &str) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_role SET name = ?2 WHERE id = ?1",
        params![role_id, name],
    )
    .on_unique(Code::NameExists, "角色名已存在")?;
    Ok(())
}

/// The role holds exactly these permissions afterwards; each must be one the company sees.
pub fn grant_exactly(
    c: &Connection,
    company_id: i64,
    role_id: i64,
    permission_ids: &[i64],
) -> ApiResult<()> {
    for &id in permission_ids {
        permission::check_visible(c, company_id, id)?;
    }
    c.execute(
        "DELETE FROM zl_role_permission WHERE role_id = ?1",
        [role_id],
    )?;
    let mut stmt = c.prepare(
        "INSERT OR IGNORE INTO zl_role_permission (role_id, permission_id) VALUES (?1, ?2)",
    )?;
    for id in permission_ids {
        stmt.execute(params![role_id, id])?;
    }
    Ok(())
}

/// Adds one permission to a role (a repeat changes nothing).
pub fn grant(c: &Connection, role_id: i64, permission_id: i64) -> ApiResult<()> {
    c.execute(
        "INSERT OR IGNORE INTO zl_role_permission (role_id, permission_id) VALUES (?1, ?2)",
        params![role_id, permission_id],
    )?;
    Ok(())
}

/// Deletes a role no employee holds (304 while one does).
pub fn delete(c: &Connection, role_id: i64) -> ApiResult<()> {
    let holders: i64 = c.query_row(
        "SELECT COUNT(*) FROM zl_employee WHERE role_id = ?1",
        [role_id],
        |r| r.get(0),
    )?;
    if holders > 0 {
        return Err(ApiError::new(
            Code::HasChildren,
            "该角色下存在用户,请转移用户后再试",
        ));
    }
    company::in_use(
        c.execute("DELETE FROM zl_role WHERE id = ?1", [role_id]),
        "该角色仍有关联数据",
    )?;
    Ok(())
}
