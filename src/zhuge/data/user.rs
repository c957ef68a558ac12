//! Employee management (seed 003 `user`): the list, its search, and changes by an admin.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::clock;
use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::web::params::Page;
use crate::zhuge::data::company;
use crate::zhuge::data::employee::CARD_NAME;

/// Search terms of the user list; text terms match anywhere in the name.
#[derive(Debug, Default, Clone)]
pub struct Search {
    pub username: Option<String>,
    pub role_name: Option<String>,
    pub company_name: Option<String>,
    pub create_date: Option<String>,
}

/// `%term%` for LIKE, with the term's own `%`, `_` and `\` taken literally.
fn contains(term: &Option<String>) -> Option<String> {
    term.as_ref().map(|t| {
        let escaped = t
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    })
}

/// The company's employees, newest first, as seed 003 `user` lists them, with the total.
pub fn list(
    c: &Connection,
    company_id: i64,
    s: &Search,
    page: Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let from = "FROM zl_employee e JOIN zl_role r ON r.id = e.role_id
         JOIN zl_company co ON co.id = e.company_id
         WHERE e.company_id = ?1
           AND (?2 IS NULL OR e.username LIKE ?2 ESCAPE '\\')
           AND (?3 IS NULL OR r.name LIKE ?3 ESCAPE '\\')
           AND (?4 IS NULL OR co.name LIKE ?4 ESCAPE '\\')
           AND (?5 IS NULL OR substr(e.create_date, 1, 10) = ?5)";
    let (username, role, company) = (
        contains(&s.username),
        contains(&s.role_name),
        contains(&s.company_name),
    );
    let args = params![company_id, username, role, company, s.create_date];
    let total: i64 = c.query_row(&format!("SELECT COUNT(*) {from}"), args, |r| r.get(0))?;
    let sql = format!(
        "SELECT e.id, e.username, r.name, e.role_id, e.create_date, e.last_login_date, e.status,
                e.userid, co.name, e.company_id, {CARD_NAME}
         {from} ORDER BY e.id DESC LIMIT {} OFFSET {}",
        page.limit, page.offset
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(args, |r| {
        let status: i64 = r.get(6)?;
        Ok(json!({
            "id": r.get::<_, i64>(0)?,
            "username": r.get::<_, String>(1)?,
            "role_name": r.get::<_, String>(2)?,
            "role_id": r.get::<_, i64>(3)?,
            "create_date": r.get::<_, String>(4)?,
            "last_login_date": r.get::<_, Option<String>>(5)?.unwrap_or_default(),
            "status": if status == 1 { "启用" } else { "未启用" },
            "status_code": status,
            "userid": r.get::<_, String>(7)?,
            "company_name": r.get::<_, String>(8)?,
            "company_id": r.get::<_, i64>(9)?,
            "name": r.get::<_, String>(10)?,
        }))
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// 403 when the company has opened as many cards as it may (`mingpian_available_num`).
pub fn check_quota(c: &Connection, company_id: i64) -> ApiResult<()> {
    let (used, allowed): (i64, i64) = c.query_row(
        "SELECT (SELECT COUNT(*) FROM zl_employee WHERE company_id = ?1), mingpian_available_num
         FROM zl_company WHERE id = ?1",
        [company_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if used >= allowed {
        return Err(ApiError::forbidden("超过名片最大开通数,请联系管理员"));
    }
    Ok(())
}

/// 300 when another employee of the company already has this Work WeChat UserID.
pub fn check_userid_free(
    c: &Connection,
    company_id: i64,
    userid: &str,
    except: i64,
) -> ApiResult<()> {
    let taken: Option<i64> = c
        .query_row(
            "SELECT id FROM zl_employee WHERE company_id = ?1 AND userid = ?2 AND id != ?3",
            params![company_id, userid, except],
            |r| r.get(0),
        )
        .optional()?;
    match taken {
        Some(_) => Err(ApiError::new(
            Code::NameExists,
            "该企业微信 UserID 已被使用",
        )),
        None => Ok(()),
    }
}

/// The changes `user/update` may make (`None` leaves a field as it is).
#[derive(Debug, Default)]
pub struct Changes {
    pub username: Option<String>,
    pub password_hash: Option<String>,
    pub role_id: Option<i64>,
    pub userid: Option<String>,
    pub status: Option<i64>,
}

/// Applies the changes; a new password also replaces the token (old signatures stop working).
pub fn update(c: &Connection, id: i64, ch: &Changes) -> ApiResult<()> {
    let new_token = ch.password_hash.as_ref().map(|_| clock::token());
    c.execute(
        "UPDATE zl_employee SET username = COALESCE(?2, username),
                password_hash = COALESCE(?3, password_hash), token = COALESCE(?4, token),
                role_id = COALESCE(?5, role_id), userid = COALESCE(?6, userid),
                status = COALESCE(?7, status)
         WHERE id = ?1",
        params![
            id,
            ch.username,
            ch.password_hash,
            new_token,
            ch.role_id,
            ch.userid,
            ch.status
        ],
    )
    .on_unique(Code::NameExists, "用户名已存在")?;
    Ok(())
}

/// Deletes an employee and their card; customers' relations to the card go with it.
pub fn delete(c: &Connection, id: i64) -> ApiResult<()> {
    company::in_use(
        c.execute("DELETE FROM zl_employee WHERE id = ?1", [id]),
        "该用户仍有关联数据",
    )?;
    Ok(())
}
