//! Who may do what: a role holds permissions by path (`user`, `role`, `customer`...; the
//! seeded menu of schema.sql), and every id is checked against the signer's company.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{ApiError, ApiResult};
use crate::web::signed::Employee;

/// Whether `role_id` holds the permission whose path is `path`.
pub fn holds(c: &Connection, role_id: i64, path: &str) -> ApiResult<bool> {
    let found: Option<i64> = c
        .prepare_cached(
            "SELECT 1 FROM zl_role_permission rp JOIN zl_permission p ON p.id = rp.permission_id
             WHERE rp.role_id = ?1 AND p.path = ?2",
        )?
        .query_row(params![role_id, path], |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

/// 403 unless the signer's role holds `path`.
pub fn require(c: &Connection, who: &Employee, path: &str) -> ApiResult<()> {
    if holds(c, who.role_id, path)? {
        Ok(())
    } else {
        Err(ApiError::forbidden("没有权限"))
    }
}

/// 302 for an employee id that does not exist, 403 for one of another company.
pub fn same_company_employee(c: &Connection, who: &Employee, user_id: i64) -> ApiResult<()> {
    let company: Option<i64> = c
        .prepare_cached("SELECT company_id FROM zl_employee WHERE id = ?1")?
        .query_row([user_id], |r| r.get(0))
        .optional()?;
    match company {
        None => Err(ApiError::not_found("用户")),
        Some(company) if company != who.company_id => {
            Err(ApiError::forbidden("无权操作其他公司的数据"))
        }
        Some(_) => Ok(()),
    }
}
