//! SMS verification codes for phone sign-in: 6 digits, valid 5 minutes, single use, at most
//! 5 tries, at most one send per phone per minute. Codes go to `sms_api` as JSON
//! `{"phone", "code"}`; with no `sms_api` (dev mode) they are written to the log.

use std::time::Duration;

use rand::Rng;
use rusqlite::{params, Connection};
use subtle::ConstantTimeEq;

use super::Kind;
use crate::db::OptionalExtension;
use crate::error::{ApiError, ApiResult, Code};

pub const VALID_MS: i64 = 5 * 60 * 1000;
pub const RESEND_MS: i64 = 60 * 1000;
pub const MAX_TRIES: i64 = 5;

/// A mainland mobile number: 11 digits starting with 1.
pub fn phone(raw: &str) -> ApiResult<String> {
    let ok = raw.len() == 11 && raw.starts_with('1') && raw.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(raw.to_string())
    } else {
        Err(ApiError::invalid("phone_number", "必须是 11 位手机号"))
    }
}

/// Stores a fresh code for `phone`, unless one was sent to that phone within a minute.
/// The newest code replaces older ones: only it is checked.
pub fn issue(conn: &Connection, kind: Kind, phone: &str, now_ms: i64) -> ApiResult<(i64, String)> {
    let last: Option<i64> = conn.query_row(
        "SELECT MAX(sent_ms) FROM cs_sms_code WHERE phone = ?1",
        [phone],
        |r| r.get(0),
    )?;
    if let Some(wait) = last
        .map(|sent| sent + RESEND_MS - now_ms)
        .filter(|w| *w > 0)
    {
        let secs = (wait + 999) / 1000;
        return Err(ApiError::new(
            Code::Invalid,
            format!("验证码发送过于频繁, 请 {secs} 秒后再试"),
        ));
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000));
    conn.execute(
        "INSERT INTO cs_sms_code (kind, phone, code, sent_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![kind.as_str(), phone, code, now_ms, now_ms + VALID_MS],
    )?;
    Ok((conn.last_insert_rowid(), code))
}

/// Forgets a code whose sending failed, so the caller may ask again at once.
pub fn withdraw(conn: &Connection, id: i64) -> ApiResult<()> {
    conn.execute("DELETE FROM cs_sms_code WHERE id = ?1", [id])?;
    Ok(())
}

/// Sends `code` to `phone` through `sms_api` (blocking: call through `web::blocking`).
pub fn deliver(sms_api: &str, phone: &str, code: &str) -> ApiResult<()> {
    if sms_api.is_empty() {
        log::warn!("sms_api 未配置 (开发模式): 手机 {phone} 的验证码是 {code}");
        return Ok(());
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let answer = agent
        .post(sms_api)
        .send_json(serde_json::json!({"phone": phone, "code": code}));
    match answer {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => {
            log::warn!("sms_api answered HTTP {}", response.status());
            Err(ApiError::upstream("短信发送失败, 请稍后再试"))
        }
        Err(e) => {
            log::warn!("sms_api unreachable: {e}");
            Err(ApiError::upstream("短信发送失败, 请稍后再试"))
        }
    }
}

/// Checks `code` against the newest code of `phone`. A wrong code counts a try; the right
/// one is used up. The refusal is returned as a value so the caller can commit the count.
pub fn check(
    conn: &Connection,
    kind: Kind,
    phone: &str,
    code: &str,
    now_ms: i64,
) -> ApiResult<Result<(), ApiError>> {
    let refuse = |msg: &'static str| Ok(Err(ApiError::new(Code::Invalid, msg)));
    let newest = conn
        .query_row(
            "SELECT id, code, expires_ms, tries, used FROM cs_sms_code
             WHERE kind = ?1 AND phone = ?2 ORDER BY id DESC LIMIT 1",
            params![kind.as_str(), phone],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, bool>(4)?,
                ))
            },
        )
        .optional()?;
    let Some((id, expected, expires_ms, tries, used)) = newest else {
        return refuse("请先获取验证码");
    };
    if used {
        return refuse("验证码已使用, 请重新获取");
    }
    if tries >= MAX_TRIES {
        return refuse("验证码错误次数过多, 请重新获取");
    }
    if now_ms > expires_ms {
        return refuse("验证码已过期, 请重新获取");
    }
    if !bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
        conn.execute(
            "UPDATE cs_sms_code SET tries = tries + 1 WHERE id = ?1",
            [id],
        )?;
        let left = MAX_TRIES - tries - 1;
        return Ok(Err(ApiError::new(
            Code::Invalid,
            format!("验证码错误, 还可尝试 {left} 次"),
        )));
    }
    conn.execute("UPDATE cs_sms_code SET used = 1 WHERE id = ?1", [id])?;
    Ok(Ok(()))
}
