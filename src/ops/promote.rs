//! `leida promote`: the operator grants the roles nobody may take by arriving first, the
//! design app's staff levels and the repair app's roles.

use rusqlite::Connection;

use crate::design::data::user as design;
use crate::error::{ApiError, ApiResult, Code};
use crate::repair::data as repair;

/// Sets `who`'s role in `app` and says what changed: a design user by openid (`customer`,
/// `designer`, `service`, `manager`), a repair user by id (`normal`, `repair`, `admin`).
pub fn promote(c: &Connection, app: &str, who: &str, role: &str) -> ApiResult<String> {
    match app {
        "design" => promote_design(c, who, role),
        "repair" => promote_repair(c, who, role),
        _ => Err(refused(format!(
            "未知的应用 {app:?}: 只能是 design 或 repair"
        ))),
    }
}

fn refused(msg: String) -> ApiError {
    ApiError::new(Code::Invalid, msg)
}

fn promote_design(c: &Connection, openid: &str, role: &str) -> ApiResult<String> {
    let level = design::parse_level(role).ok_or_else(|| {
        refused(format!(
            "design 的职位只能是 customer, designer, service 或 manager, 而不是 {role:?}"
        ))
    })?;
    let before = design::set_level(c, openid, level).map_err(|e| match e.code {
        Code::NotFound => ApiError::new(
            Code::NotFound,
            format!("design 没有 openid 为 {openid:?} 的用户 (须先在小程序中登录一次)"),
        ),
        _ => e,
    })?;
    Ok(format!(
        "design 用户 {openid} (id {}): {} → {}",
        before.id,
        design::level_name(before.level),
        design::level_name(level)
    ))
}

fn promote_repair(c: &Connection, id: &str, role: &str) -> ApiResult<String> {
    let id: i64 = id
        .trim()
        .parse()
        .map_err(|_| refused(format!("repair 用户须以 id (数字) 指定, 而不是 {id:?}")))?;
    let role = repair::parse_role(role).map_err(|_| {
        refused(format!(
            "repair 的角色只能是 normal, repair 或 admin, 而不是 {role:?}"
        ))
    })?;
    let before = repair::role_of(c, id)?
        .ok_or_else(|| ApiError::new(Code::NotFound, format!("repair 没有 id 为 {id} 的用户")))?;
    repair::set_role(c, id, role)?;
    Ok(format!("repair 用户 {id}: {before} → {role}"))
}
