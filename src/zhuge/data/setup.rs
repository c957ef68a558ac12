//! The first-run setup token: while no employee exists, whoever holds it creates the first
//! administrator and company from the browser (`/console/#/setup?token=...`).

use rusqlite::{params, Connection};
use subtle::ConstantTimeEq;

use super::{admin, employee};
use crate::clock;
use crate::db::OptionalExtension;
use crate::error::{ApiError, ApiResult, Code};
use crate::secrets::{Secrets, SETUP_TOKEN};

/// Whether anyone can sign in yet.
pub fn has_employees(c: &Connection) -> ApiResult<bool> {
    let found: Option<i64> = c
        .query_row("SELECT 1 FROM zl_employee LIMIT 1", [], |r| r.get(0))
        .optional()?;
    Ok(found.is_some())
}

/// The token to print while the database has no employee: the stored one, or a new one.
/// `None` once someone can sign in.
pub fn pending_token(c: &Connection, secrets: &Secrets) -> ApiResult<Option<String>> {
    if has_employees(c)? {
        return Ok(None);
    }
    if let Some(token) = stored(c, secrets)? {
        return Ok(Some(token));
    }
    let token = clock::token();
    c.execute(
        "INSERT OR REPLACE INTO setup_token (id, token, created_at) VALUES (1, ?1, ?2)",
        params![secrets.seal(SETUP_TOKEN, &token)?, clock::now()],
    )?;
    Ok(Some(token))
}

/// Whether `token` is the one that sets up this server now.
pub fn is_valid(c: &Connection, secrets: &Secrets, token: &str) -> ApiResult<bool> {
    if has_employees(c)? {
        return Ok(false);
    }
    Ok(stored(c, secrets)?
        .is_some_and(|stored| bool::from(stored.as_bytes().ct_eq(token.as_bytes()))))
}

/// Creates the first administrator and company, and uses the token up. Returns the
/// administrator's id.
pub fn claim(
    c: &Connection,
    secrets: &Secrets,
    token: &str,
    username: &str,
    password_hash: &str,
    company: &str,
) -> ApiResult<i64> {
    if has_employees(c)? {
        return Err(ApiError::forbidden("已有管理员, 设置链接已失效: 请登录"));
    }
    if !is_valid(c, secrets, token)? {
        return Err(ApiError::new(Code::BadToken, "设置链接无效"));
    }
    let id = admin::ensure_admin(c, username, password_hash, Some(company))?;
    // Whoever opened the link chose this password.
    employee::choose_password(c, id, password_hash)?;
    c.execute("DELETE FROM setup_token", [])?;
    employee::touch_login(c, id)?;
    Ok(id)
}

/// The stored token, or `None` when there is none or it no longer opens (another key).
fn stored(c: &Connection, secrets: &Secrets) -> ApiResult<Option<String>> {
    let sealed: Option<String> = c
        .query_row("SELECT token FROM setup_token WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(sealed.and_then(|s| secrets.open(SETUP_TOKEN, &s).ok()))
}
