//! Users of the design app: who an `openid` is, their level, the staff roster by phone,
//! and their formIds.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::clock;
use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::text::{self, Limit};

/// Opened the mini-program, not yet bound by phone.
pub const VISITOR: i64 = 0;
pub const CUSTOMER: i64 = 1;
pub const DESIGNER: i64 = 2;
pub const SERVICE: i64 = 3;
pub const MANAGER: i64 = 4;

/// A formId is usable for 7 days after the mini-program handed it over (WeChat's rule).
pub const FORM_ID_TTL_SECS: i64 = 7 * 24 * 3600;

pub fn level_name(level: i64) -> &'static str {
    match level {
        CUSTOMER => "客户",
        DESIGNER => "设计师",
        SERVICE => "客服",
        MANAGER => "管理员",
        _ => "未绑定",
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub openid: String,
    pub phone: Option<String>,
    pub level: i64,
}

impl User {
    pub fn is_staff(&self) -> bool {
        self.level >= DESIGNER
    }

    /// Bound by phone (a customer or staff): what every form endpoint requires.
    pub fn require_bound(&self) -> ApiResult<()> {
        if self.level == VISITOR {
            return Err(ApiError::forbidden("请先绑定手机号"));
        }
        Ok(())
    }
}

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        openid: r.get(1)?,
        phone: r.get(2)?,
        level: r.get(3)?,
    })
}

pub fn by_openid(c: &Connection, openid: &str) -> ApiResult<Option<User>> {
    let mut stmt =
        c.prepare_cached("SELECT id, openid, phone, level FROM sm_user WHERE openid = ?1")?;
    Ok(stmt.query_row([openid], user_from_row).optional()?)
}

pub fn by_id(c: &Connection, id: i64) -> ApiResult<Option<User>> {
    let mut stmt =
        c.prepare_cached("SELECT id, openid, phone, level FROM sm_user WHERE id = ?1")?;
    Ok(stmt.query_row([id], user_from_row).optional()?)
}

/// The caller named by `openid`; an unknown openid is 302 (SPEC §4).
pub fn caller(c: &Connection, openid: &str) -> ApiResult<User> {
    by_openid(c, openid)?.ok_or_else(|| ApiError::new(Code::NotFound, "openid 不存在"))
}

/// Records a login: a new openid becomes a visitor; a known one gets the new session key.
pub fn sign_in(c: &Connection, openid: &str, session_key: &str) -> ApiResult<User> {
    c.execute(
        "INSERT INTO sm_user (openid, session_key, create_date) VALUES (?1, ?2, ?3)
         ON CONFLICT (openid) DO UPDATE SET session_key = excluded.session_key",
        params![openid, session_key, clock::now()],
    )?;
    caller(c, openid)
}

/// Keeps the nickname and avatar of decrypted user info.
pub fn save_profile(c: &Connection, id: i64, info: &Value) -> ApiResult<()> {
    let field =
        |k: &str, limit: Limit| limit.cut(info.get(k).and_then(Value::as_str).unwrap_or(""));
    c.execute(
        "UPDATE sm_user SET nickname = ?2, avatar = ?3 WHERE id = ?1",
        params![
            id,
            field("nickName", text::NAME),
            field("avatarUrl", text::URL)
        ],
    )?;
    Ok(())
}

/// Binds a phone: a phone on the staff roster binds as that employee, any other as a
/// customer; the very first phone bound on a fresh install binds as the manager, so a firm
/// can start without any command line (the owner registers first).
pub fn bind_phone(c: &Connection, user: &User, phone: &str) -> ApiResult<i64> {
    let level = match roster_level(c, phone)? {
        Some(level) => level,
        None if !has_manager(c)? => MANAGER,
        None => CUSTOMER,
    };
    c.execute(
        "UPDATE sm_user SET phone = ?2, level = ?3 WHERE id = ?1",
        params![user.id, phone, level],
    )
    .on_unique(Code::NameExists, "该手机号已被其他微信绑定")?;
    Ok(level)
}

fn roster_level(c: &Connection, phone: &str) -> ApiResult<Option<i64>> {
    Ok(c.query_row(
        "SELECT level FROM sm_employee WHERE phone = ?1",
        [phone],
        |r| r.get(0),
    )
    .optional()?)
}

fn has_manager(c: &Connection) -> ApiResult<bool> {
    Ok(c.query_row(
        "SELECT EXISTS (SELECT 1 FROM sm_user WHERE level = ?1)
             OR EXISTS (SELECT 1 FROM sm_employee WHERE level = ?1)",
        [MANAGER],
        |r| r.get(0),
    )?)
}

/// Who may add whom: a manager adds designers, customer service and managers; customer
/// service adds designers; nobody else adds staff.
pub fn may_add(adder_level: i64, level: i64) -> bool {
    match adder_level {
        MANAGER => (DESIGNER..=MANAGER).contains(&level),
        SERVICE => level == DESIGNER,
        _ => false,
    }
}

/// Puts a phone on the staff roster; a user already bound to it takes the level now.
pub fn add_employee(
    c: &Connection,
    adder: &User,
    phone: &str,
    level: i64,
    name: &str,
) -> ApiResult<Value> {
    if adder.phone.as_deref() == Some(phone) {
        return Err(ApiError::new(Code::SelfDelete, "不能修改自己的职位"));
    }
    // Customer service may add designers, but not re-level a colleague or a manager.
    if adder.level != MANAGER && current_level(c, phone)? > CUSTOMER {
        return Err(ApiError::forbidden("只有管理员可以修改员工的职位"));
    }
    c.execute(
        "INSERT INTO sm_employee (phone, level, name, added_by, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (phone) DO UPDATE SET level = excluded.level, name = excluded.name,
             added_by = excluded.added_by",
        params![phone, level, name, adder.id, clock::now()],
    )?;
    let bound = c.execute(
        "UPDATE sm_user SET level = ?2 WHERE phone = ?1",
        params![phone, level],
    )?;
    Ok(
        json!({"phone": phone, "level": level, "level_name": level_name(level),
              "name": name, "bound": bound > 0}),
    )
}

/// The level a phone has now: on the roster, or bound by a user (0 when neither).
fn current_level(c: &Connection, phone: &str) -> ApiResult<i64> {
    Ok(c.query_row(
        "SELECT MAX(COALESCE((SELECT level FROM sm_employee WHERE phone = ?1), 0),
                    COALESCE((SELECT level FROM sm_user WHERE phone = ?1), 0))",
        [phone],
        |r| r.get(0),
    )?)
}

/// Stores a formId; the same one twice is kept once.
pub fn add_form_id(c: &Connection, user_id: i64, form_id: &str) -> ApiResult<()> {
    c.execute(
        "INSERT OR IGNORE INTO sm_form_id (user_id, form_id, expires_at) VALUES (?1, ?2, ?3)",
        params![user_id, form_id, now_secs() + FORM_ID_TTL_SECS],
    )?;
    Ok(())
}

/// Takes the recipient's oldest usable formId (single use): it is marked used here, in the
/// same write as the message that spends it.
pub fn take_form_id(c: &Connection, user_id: i64) -> ApiResult<Option<String>> {
    let found: Option<(i64, String)> = c
        .query_row(
            "SELECT id, form_id FROM sm_form_id WHERE user_id = ?1 AND used = 0 AND expires_at > ?2
             ORDER BY expires_at LIMIT 1",
            params![user_id, now_secs()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, form_id)) = found else {
        return Ok(None);
    };
    c.execute("UPDATE sm_form_id SET used = 1 WHERE id = ?1", [id])?;
    Ok(Some(form_id))
}

pub fn now_secs() -> i64 {
    clock::now_ms() / 1000
}
