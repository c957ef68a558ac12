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
    /// WeChat proved the phone is the user's; only such a phone counts for the roster.
    pub phone_verified: bool,
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
        phone_verified: r.get(3)?,
        level: r.get(4)?,
    })
}

pub fn by_openid(c: &Connection, openid: &str) -> ApiResult<Option<User>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, openid, phone, phone_verified, level FROM sm_user WHERE openid = ?1",
    )?;
    Ok(stmt.query_row([openid], user_from_row).optional()?)
}

pub fn by_id(c: &Connection, id: i64) -> ApiResult<Option<User>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, openid, phone, phone_verified, level FROM sm_user WHERE id = ?1",
    )?;
    Ok(stmt.query_row([id], user_from_row).optional()?)
}

/// The caller named by `openid`; an unknown openid is 302 (SPEC §4).
pub fn caller(c: &Connection, openid: &str) -> ApiResult<User> {
    by_openid(c, openid)?.ok_or_else(|| ApiError::new(Code::NotFound, "openid 不存在"))
}

/// The session key of the user's last login (decrypts what the mini-program seals).
pub fn session_key(c: &Connection, openid: &str) -> ApiResult<String> {
    c.query_row(
        "SELECT session_key FROM sm_user WHERE openid = ?1",
        [openid],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| ApiError::new(Code::NotFound, "openid 不存在"))
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

/// A phone as `register` received it.
#[derive(Debug, Clone)]
pub enum Claim {
    /// WeChat vouched for it: it binds at its roster level, and no one else may prove it.
    Proven(String),
    /// Typed by the client: contact data that grants nothing.
    Typed(String),
}

impl Claim {
    fn parts(&self) -> (&str, bool) {
        match self {
            Claim::Proven(phone) => (phone, true),
            Claim::Typed(phone) => (phone, false),
        }
    }
}

/// Binds the caller's phone. A proven phone on the staff roster binds as that employee, any
/// other phone as a customer (a level the user holds stays). A proven phone is final; a
/// typed one gives way only to a proven one. Nobody becomes staff by arriving first: the
/// operator grants the first manager (`leida promote design`).
pub fn register(c: &Connection, openid: &str, claim: &Claim) -> ApiResult<User> {
    let me = caller(c, openid)?;
    let (phone, proven) = claim.parts();
    if me.phone.is_some() && (me.phone_verified || !proven) {
        if me.phone.as_deref() == Some(phone) {
            return Ok(me);
        }
        return Err(ApiError::new(Code::NameExists, "该微信已绑定其他手机号"));
    }
    let roster = if proven {
        roster_level(c, phone)?
    } else {
        None
    };
    let level = me.level.max(roster.unwrap_or(CUSTOMER));
    c.execute(
        "UPDATE sm_user SET phone = ?2, phone_verified = ?3, level = ?4 WHERE id = ?1",
        params![me.id, phone, proven, level],
    )
    .on_unique(Code::NameExists, "该手机号已被其他微信绑定")?;
    caller(c, openid)
}

fn roster_level(c: &Connection, phone: &str) -> ApiResult<Option<i64>> {
    Ok(c.query_row(
        "SELECT level FROM sm_employee WHERE phone = ?1",
        [phone],
        |r| r.get(0),
    )
    .optional()?)
}

/// The level named by `leida promote design` (`customer`, `designer`, `service`, `manager`).
pub fn parse_level(name: &str) -> Option<i64> {
    match name {
        "customer" => Some(CUSTOMER),
        "designer" => Some(DESIGNER),
        "service" => Some(SERVICE),
        "manager" => Some(MANAGER),
        _ => None,
    }
}

/// The operator sets a user's level (`leida promote`); returns the user as it was before.
pub fn set_level(c: &Connection, openid: &str, level: i64) -> ApiResult<User> {
    let before = caller(c, openid)?;
    c.execute(
        "UPDATE sm_user SET level = ?2 WHERE id = ?1",
        params![before.id, level],
    )?;
    Ok(before)
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

/// Puts a phone on the staff roster; a user who proved that phone takes the level now.
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
        "UPDATE sm_user SET level = ?2 WHERE phone = ?1 AND phone_verified = 1",
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

/// Deletes formIds that are spent or expired (a batch of at most `retention::BATCH`).
pub fn prune_form_ids(c: &Connection, rules: &crate::retention::Rules) -> ApiResult<usize> {
    Ok(c.prepare_cached(
        "DELETE FROM sm_form_id WHERE id IN (
             SELECT id FROM sm_form_id WHERE used = 1 OR expires_at <= ?1 LIMIT ?2)",
    )?
    .execute(params![rules.now_secs(), crate::retention::BATCH as i64])?)
}
