//! Mini-program customers: sign-in by openid, profile, and the name the radar shows.

use rusqlite::{params, Connection};

use crate::clock;
use crate::db::OptionalExtension;
use crate::error::ApiResult;

/// The name shown for a customer who has not shared a nickname (SPEC §7).
pub const ANONYMOUS: &str = "微信用户";

/// The customer's display name in SQL, for a `zl_customer` aliased `cu`.
pub const NAME: &str = "CASE WHEN cu.memo_name != '' THEN cu.memo_name
     WHEN cu.username != '' THEN cu.username ELSE '微信用户' END";

pub fn token(c: &Connection, id: i64) -> ApiResult<Option<String>> {
    let mut stmt = c.prepare_cached("SELECT token FROM zl_customer WHERE id = ?1")?;
    Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
}

/// Signs a customer in: a known (openid, user_type) keeps its token and gets the new
/// session key; an unknown one becomes a new customer. Returns `(id, token)`.
pub fn sign_in(
    c: &Connection,
    openid: &str,
    user_type: i64,
    session_key: &str,
    company_id: Option<i64>,
) -> ApiResult<(i64, String)> {
    c.execute(
        "INSERT INTO zl_customer (openid, user_type, session_key, token, company_id, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (openid, user_type) DO UPDATE SET session_key = excluded.session_key",
        params![
            openid,
            user_type,
            session_key,
            clock::token(),
            company_id,
            clock::now()
        ],
    )?;
    Ok(c.query_row(
        "SELECT id, token FROM zl_customer WHERE openid = ?1 AND user_type = ?2",
        params![openid, user_type],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The customer's display name (`微信用户` until they share a nickname).
pub fn name(c: &Connection, id: i64) -> ApiResult<String> {
    let sql = format!("SELECT {NAME} FROM zl_customer cu WHERE cu.id = ?1");
    let mut stmt = c.prepare_cached(&sql)?;
    Ok(stmt
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| ANONYMOUS.to_string()))
}

pub fn exists(c: &Connection, id: i64) -> ApiResult<bool> {
    Ok(
        c.query_row("SELECT 1 FROM zl_customer WHERE id = ?1", [id], |_| Ok(()))
            .optional()?
            .is_some(),
    )
}

/// What the mini-program sends after the user shares their profile.
#[derive(Debug, Default)]
pub struct Profile {
    pub username: Option<String>,
    pub headimgurl: Option<String>,
    pub sex: Option<i64>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub province: Option<String>,
    pub language: Option<String>,
}

/// Updates the fields that were sent, leaving the others as they are.
pub fn update_profile(c: &Connection, id: i64, p: &Profile) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_customer SET username = COALESCE(?2, username), headimgurl = COALESCE(?3, headimgurl),
                sex = COALESCE(?4, sex), city = COALESCE(?5, city), country = COALESCE(?6, country),
                province = COALESCE(?7, province), language = COALESCE(?8, language)
         WHERE id = ?1",
        params![id, p.username, p.headimgurl, p.sex, p.city, p.country, p.province, p.language],
    )?;
    Ok(())
}

/// Keeps a formId for a later template message; a repeat is ignored.
pub fn add_form_id(c: &Connection, id: i64, form_id: &str) -> ApiResult<()> {
    c.execute(
        "INSERT OR IGNORE INTO zl_form_id (customer_id, form_id, create_date) VALUES (?1, ?2, ?3)",
        params![id, form_id, clock::now()],
    )?;
    Ok(())
}
