//! Repair users (`rp_user`): registration, profile, roles, tokens and formIds.

use rusqlite::{params, Connection, Row};
use serde_json::{json, Map, Value};

use crate::clock;
use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::text::{self, Limit};

pub const NORMAL: &str = "normal";
pub const REPAIR: &str = "repair";
pub const ADMIN: &str = "admin";

/// A formId is usable for 7 days after the mini-program handed it over (WeChat's rule).
pub const FORM_ID_TTL_SECS: i64 = 7 * 24 * 3600;

/// The signed-in caller.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: i64,
    pub role: String,
}

impl Member {
    pub fn is_admin(&self) -> bool {
        self.role == ADMIN
    }
}

pub fn by_token(c: &Connection, token: &str) -> ApiResult<Option<Member>> {
    let mut stmt = c.prepare_cached("SELECT id, role FROM rp_user WHERE token = ?1")?;
    Ok(stmt
        .query_row([token], |r| {
            Ok(Member {
                id: r.get(0)?,
                role: r.get(1)?,
            })
        })
        .optional()?)
}

pub fn parse_role(raw: &str) -> ApiResult<&'static str> {
    match raw {
        NORMAL => Ok(NORMAL),
        REPAIR => Ok(REPAIR),
        ADMIN => Ok(ADMIN),
        _ => Err(ApiError::invalid(
            "userinfo.role",
            "只能是 normal, repair 或 admin",
        )),
    }
}

/// The `userinfo` dict of register/update, checked field by field.
#[derive(Debug, Default, Clone)]
pub struct Profile {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub company: Option<String>,
    pub age: Option<i64>,
    pub email: Option<String>,
    pub role: Option<&'static str>,
}

impl Profile {
    pub fn parse(info: &Map<String, Value>) -> ApiResult<Profile> {
        let text = |k: &str, limit: Limit| -> ApiResult<Option<String>> {
            match info.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => {
                    limit.check(&format!("userinfo.{k}"), s)?;
                    Ok(Some(s.trim().to_string()))
                }
                Some(_) => Err(ApiError::wrong_type(&format!("userinfo.{k}"))),
            }
        };
        let wrong_age = || ApiError::wrong_type("userinfo.age");
        let age = match info.get("age") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(wrong_age)?),
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim().parse().map_err(|_| wrong_age())?),
            Some(_) => return Err(wrong_age()),
        };
        if age.is_some_and(|a| !(0..=150).contains(&a)) {
            return Err(ApiError::invalid("userinfo.age", "必须在 0 到 150 之间"));
        }
        let email = text("email", text::LINE)?;
        if email
            .as_deref()
            .is_some_and(|e| !e.is_empty() && !e.contains('@'))
        {
            return Err(ApiError::invalid("userinfo.email", "不是有效的邮箱"));
        }
        let role = match text("role", text::NAME)? {
            Some(r) if !r.is_empty() => Some(parse_role(&r)?),
            _ => None,
        };
        Ok(Profile {
            name: text("name", text::NAME)?,
            phone: text("phone", text::NAME)?,
            address: text("address", text::LINE)?,
            company: text("company", text::NAME)?,
            age,
            email,
            role,
        })
    }
}

/// Self-registration: the role asked for is ignored. Only an admin gives `repair` or
/// `admin`, and the operator grants the first admin (`leida promote repair ID admin`).
/// Returns the new user's id and token.
pub fn register(
    c: &Connection,
    openid: &str,
    session_key: &str,
    profile: &Profile,
    wx_userinfo: &Value,
) -> ApiResult<(i64, String)> {
    let token = clock::token();
    let now = clock::now();
    c.execute(
        "INSERT INTO rp_user (openid, session_key, token, wx_userinfo, create_date, update_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![
            openid,
            session_key,
            token,
            wechat_profile(wx_userinfo).to_string(),
            now
        ],
    )
    .on_unique(Code::NameExists, "该微信已注册, 请直接登录")?;
    let id = c.last_insert_rowid();
    save_profile(c, id, profile)?;
    Ok((id, token))
}

/// Writes the given profile fields; absent ones stay as they are.
pub fn save_profile(c: &Connection, id: i64, p: &Profile) -> ApiResult<()> {
    c.execute(
        "UPDATE rp_user SET name = COALESCE(?2, name), phone = COALESCE(?3, phone),
             address = COALESCE(?4, address), company = COALESCE(?5, company),
             age = COALESCE(?6, age), email = COALESCE(?7, email), update_date = ?8
         WHERE id = ?1",
        params![
            id,
            p.name,
            p.phone,
            p.address,
            p.company,
            p.age,
            p.email,
            clock::now()
        ],
    )?;
    Ok(())
}

pub fn set_role(c: &Connection, id: i64, role: &str) -> ApiResult<()> {
    c.execute(
        "UPDATE rp_user SET role = ?2 WHERE id = ?1",
        params![id, role],
    )?;
    Ok(())
}

pub fn set_wx_userinfo(c: &Connection, id: i64, info: &Value) -> ApiResult<()> {
    c.execute(
        "UPDATE rp_user SET wx_userinfo = ?2 WHERE id = ?1",
        params![id, wechat_profile(info).to_string()],
    )?;
    Ok(())
}

/// The fields of WeChat's `userInfo` that are kept, and how long each may be.
const WECHAT_PROFILE: [(&str, Limit); 7] = [
    ("nickName", text::NAME),
    ("avatarUrl", text::URL),
    ("gender", text::NAME),
    ("city", text::NAME),
    ("province", text::NAME),
    ("country", text::NAME),
    ("language", text::NAME),
];

/// `wx_userinfo` as stored: WeChat's profile fields only, text cut to its limit (the client
/// relays what WeChat gave; the person never chose its length).
fn wechat_profile(info: &Value) -> Value {
    let mut kept = Map::new();
    for (key, limit) in WECHAT_PROFILE {
        let value = match info.get(key) {
            Some(Value::String(s)) => Value::String(limit.cut(s)),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => v.clone(),
            _ => continue,
        };
        kept.insert(key.to_string(), value);
    }
    Value::Object(kept)
}

/// A login: a fresh token (the previous one stops working) and the new session key.
pub fn sign_in(c: &Connection, openid: &str, session_key: &str) -> ApiResult<(i64, String)> {
    let token = clock::token();
    let id: Option<i64> = c
        .query_row(
            "UPDATE rp_user SET token = ?2, session_key = ?3 WHERE openid = ?1 RETURNING id",
            params![openid, token, session_key],
            |r| r.get(0),
        )
        .optional()?;
    let id = id.ok_or_else(|| ApiError::new(Code::NotFound, "用户未注册, 请先注册"))?;
    Ok((id, token))
}

const COLUMNS: &str =
    "id, name, phone, address, company, age, email, role, wx_userinfo, create_date";

fn to_json(r: &Row<'_>) -> rusqlite::Result<Value> {
    let wx: String = r.get(8)?;
    Ok(json!({
        "id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?, "phone": r.get::<_, String>(2)?,
        "address": r.get::<_, String>(3)?, "company": r.get::<_, String>(4)?,
        "age": r.get::<_, Option<i64>>(5)?, "email": r.get::<_, String>(6)?,
        "role": r.get::<_, String>(7)?,
        "wx_userinfo": serde_json::from_str::<Value>(&wx).unwrap_or(Value::Null),
        "create_date": r.get::<_, String>(9)?,
    }))
}

pub fn one(c: &Connection, id: i64) -> ApiResult<Option<Value>> {
    let sql = format!("SELECT {COLUMNS} FROM rp_user WHERE id = ?1");
    Ok(c.query_row(&sql, [id], to_json).optional()?)
}

/// Every user, or those of one role (for an admin choosing a repairer).
pub fn list(c: &Connection, role: Option<&str>) -> ApiResult<Vec<Value>> {
    let sql = format!("SELECT {COLUMNS} FROM rp_user WHERE ?1 IS NULL OR role = ?1 ORDER BY id");
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map([role], to_json)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn role_of(c: &Connection, id: i64) -> ApiResult<Option<String>> {
    Ok(
        c.query_row("SELECT role FROM rp_user WHERE id = ?1", [id], |r| r.get(0))
            .optional()?,
    )
}

pub fn add_form_id(c: &Connection, user_id: i64, form_id: &str) -> ApiResult<()> {
    c.execute(
        "INSERT OR IGNORE INTO rp_form_id (user_id, form_id, expires_at) VALUES (?1, ?2, ?3)",
        params![user_id, form_id, clock::now_ms() / 1000 + FORM_ID_TTL_SECS],
    )?;
    Ok(())
}

/// The user's oldest usable formId, marked used in the same write as its message.
pub fn take_form_id(c: &Connection, user_id: i64) -> ApiResult<Option<String>> {
    let found: Option<(i64, String)> = c
        .query_row(
            "SELECT id, form_id FROM rp_form_id WHERE user_id = ?1 AND used = 0 AND expires_at > ?2
             ORDER BY expires_at LIMIT 1",
            params![user_id, clock::now_ms() / 1000],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((id, form_id)) = found else {
        return Ok(None);
    };
    c.execute("UPDATE rp_form_id SET used = 1 WHERE id = ?1", [id])?;
    Ok(Some(form_id))
}

pub fn openid(c: &Connection, id: i64) -> ApiResult<String> {
    Ok(
        c.query_row("SELECT openid FROM rp_user WHERE id = ?1", [id], |r| {
            r.get(0)
        })?,
    )
}

/// Deletes formIds that are spent or expired (a batch of at most `retention::BATCH`).
pub fn prune_form_ids(c: &Connection, rules: &crate::retention::Rules) -> ApiResult<usize> {
    Ok(c.prepare_cached(
        "DELETE FROM rp_form_id WHERE id IN (
             SELECT id FROM rp_form_id WHERE used = 1 OR expires_at <= ?1 LIMIT ?2)",
    )?
    .execute(params![rules.now_secs(), crate::retention::BATCH as i64])?)
}
