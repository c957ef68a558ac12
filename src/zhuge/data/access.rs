//! Who may do what: a role holds permissions by path (`user`, `role`, `customer`...; the
//! seeded menu of schema.sql), and every id is checked against the signer's company.
//! Nobody climbs above their own role: a signer grants only permissions they hold, manages
//! only roles and accounts that can do no more than they can, and every company keeps an
//! enabled full administrator.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{ApiError, ApiResult};
use crate::zhuge::data::permission;
use crate::zhuge::principal::Employee;

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

/// Whether `holder` holds every permission of `role_id` (a role may hold no more than this
/// for `holder` to grant it, assign it, or manage it and its people).
fn covers(c: &Connection, holder: i64, role_id: i64) -> ApiResult<bool> {
    Ok(c.prepare_cached(
        "SELECT NOT EXISTS (SELECT 1 FROM zl_role_permission t WHERE t.role_id = ?2
             AND t.permission_id NOT IN
                 (SELECT permission_id FROM zl_role_permission WHERE role_id = ?1))",
    )?
    .query_row(params![holder, role_id], |r| r.get(0))?)
}

/// 403 unless the signer holds every permission of `role_id`: nobody manages, or puts
/// anyone into, a role that can do more than they can.
pub fn require_covers(c: &Connection, who: &Employee, role_id: i64) -> ApiResult<()> {
    if covers(c, who.role_id, role_id)? {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "该角色拥有您没有的权限, 您不能管理它或把它分配给别人",
        ))
    }
}

/// 403 unless the signer holds every one of `permission_ids` (only those may be granted);
/// an id that does not exist is 302, another company's 403, as everywhere.
pub fn require_holds_all(c: &Connection, who: &Employee, permission_ids: &[i64]) -> ApiResult<()> {
    let mut stmt = c.prepare_cached(
        "SELECT 1 FROM zl_role_permission WHERE role_id = ?1 AND permission_id = ?2",
    )?;
    for &id in permission_ids {
        if stmt
            .query_row(params![who.role_id, id], |_| Ok(()))
            .optional()?
            .is_none()
        {
            permission::check_visible(c, who.company_id, id)?;
            return Err(ApiError::forbidden("不能授予自己没有的权限"));
        }
    }
    Ok(())
}

/// 403 unless the signer's role covers the employee's: nobody changes or deletes an account
/// that can do more than they can.
pub fn require_covers_employee(c: &Connection, who: &Employee, employee_id: i64) -> ApiResult<()> {
    let role_id: i64 = c.query_row(
        "SELECT role_id FROM zl_employee WHERE id = ?1",
        [employee_id],
        |r| r.get(0),
    )?;
    if covers(c, who.role_id, role_id)? {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "该账号拥有您没有的权限, 您不能修改或删除它",
        ))
    }
}

/// Enabled employees of the company whose role holds every built-in permission.
fn full_administrators(c: &Connection, company_id: i64) -> ApiResult<i64> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM zl_employee e WHERE e.company_id = ?1 AND e.status = 1
           AND NOT EXISTS (SELECT 1 FROM zl_permission p WHERE p.company_id IS NULL
                 AND NOT EXISTS (SELECT 1 FROM zl_role_permission rp
                                 WHERE rp.role_id = e.role_id AND rp.permission_id = p.id))",
    )?
    .query_row([company_id], |r| r.get(0))?)
}

/// Runs `change` (inside the caller's transaction), refusing it with 403 when it would
/// leave a company that had an enabled full administrator without one.
pub fn keeping_a_full_administrator<T>(
    c: &Connection,
    company_id: i64,
    change: impl FnOnce() -> ApiResult<T>,
) -> ApiResult<T> {
    let before = full_administrators(c, company_id)?;
    let value = change()?;
    if before > 0 && full_administrators(c, company_id)? == 0 {
        return Err(ApiError::forbidden(
            "公司至少要保留一个启用的全权管理员 (拥有全部权限的账号)",
        ));
    }
    Ok(value)
}
