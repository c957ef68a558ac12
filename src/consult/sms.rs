//! SMS verification codes for phone sign-in: 6 digits, valid 5 minutes, single use, at most
//! one send per phone per minute and `sms_daily_per_phone` a day. Every unexpired code of
//! a phone stays valid (the newest `LIVE` of them), so a stranger asking for a code cannot
//! cancel the one its owner is typing; a wrong guess counts against all of them, 5 tries.
//! Codes go through `sms_provider`: the webhook (`sms_api` gets JSON `{"phone", "code"}`;
//! with no `sms_api`, dev mode, they are written to the log), Tencent Cloud or Aliyun.

use std::time::Duration;

use rand::Rng;
use rusqlite::{params, Connection};
use subtle::ConstantTimeEq;

use super::Kind;
use crate::error::{ApiError, ApiResult, Code};
use crate::sms::{SmsConfig, SmsMessage, SmsProvider};

pub const VALID_MS: i64 = 5 * 60 * 1000;
pub const RESEND_MS: i64 = 60 * 1000;
pub const MAX_TRIES: i64 = 5;
/// How many of a phone's newest codes are checked.
const LIVE: i64 = 5;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A mainland mobile number: 11 digits starting with 1.
pub fn phone(raw: &str) -> ApiResult<String> {
    let ok = raw.len() == 11 && raw.starts_with('1') && raw.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(raw.to_string())
    } else {
        Err(ApiError::invalid("phone_number", "必须是 11 位手机号"))
    }
}

/// Stores a fresh code for `phone`, unless one was sent to that phone within a minute or
/// it had `daily_cap` codes in the last 24 hours (0: no cap).
pub fn issue(
    conn: &Connection,
    kind: Kind,
    phone: &str,
    now_ms: i64,
    daily_cap: u32,
) -> ApiResult<(i64, String)> {
    let (last, today): (Option<i64>, i64) = conn.query_row(
        "SELECT MAX(sent_ms), COUNT(*) FROM cs_sms_code WHERE phone = ?1 AND sent_ms > ?2",
        params![phone, now_ms - DAY_MS],
        |r| Ok((r.get(0)?, r.get(1)?)),
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
    if daily_cap > 0 && today >= i64::from(daily_cap) {
        return Err(ApiError::new(
            Code::Invalid,
            "该手机号今天的验证码已达上限, 请明天再试",
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

/// Sends `code` to `phone` through the configured provider (blocking: call through
/// `task::blocking`). The webhook without `sms_api` is dev mode: the code goes to the log.
/// A provider's refusal reaches the caller with its code and message, and the log.
pub fn deliver(config: &SmsConfig, phone: &str, code: &str) -> ApiResult<()> {
    if config.provider == SmsProvider::Webhook && config.api.trim().is_empty() {
        log::warn!("sms_api 未配置 (开发模式): 手机 {phone} 的验证码是 {code}");
        return Ok(());
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    let message = SmsMessage {
        phone,
        params: &[("code", code)],
    };
    crate::sms::send(&agent, config, &message).map_err(|e| {
        log::warn!("SMS to {phone} not sent ({:?}): {e}", config.provider);
        ApiError::from(e)
    })
}

/// One stored code of a phone.
struct Sent {
    id: i64,
    code: String,
    expires_ms: i64,
    tries: i64,
    used: bool,
}

impl Sent {
    fn live(&self, now_ms: i64) -> bool {
        !self.used && self.tries < MAX_TRIES && now_ms <= self.expires_ms
    }
}

fn newest(conn: &Connection, kind: Kind, phone: &str) -> ApiResult<Vec<Sent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, code, expires_ms, tries, used FROM cs_sms_code
         WHERE kind = ?1 AND phone = ?2 ORDER BY id DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![kind.as_str(), phone, LIVE], |r| {
        Ok(Sent {
            id: r.get(0)?,
            code: r.get(1)?,
            expires_ms: r.get(2)?,
            tries: r.get(3)?,
            used: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Checks `code` against every live code of `phone`. A wrong code counts a try on each of
/// them; the right one is used up. The refusal is returned as a value so the caller can
/// commit the count.
pub fn check(
    conn: &Connection,
    kind: Kind,
    phone: &str,
    code: &str,
    now_ms: i64,
) -> ApiResult<Result<(), ApiError>> {
    let refuse = |msg: &'static str| Ok(Err(ApiError::new(Code::Invalid, msg)));
    let sent = newest(conn, kind, phone)?;
    let live: Vec<&Sent> = sent.iter().filter(|s| s.live(now_ms)).collect();
    let Some(newest) = sent.first() else {
        return refuse("请先获取验证码");
    };
    if live.is_empty() {
        return if newest.used {
            refuse("验证码已使用, 请重新获取")
        } else if newest.tries >= MAX_TRIES {
            refuse("验证码错误次数过多, 请重新获取")
        } else {
            refuse("验证码已过期, 请重新获取")
        };
    }
    // Every candidate is compared, so the time taken does not say which one matched.
    let matched = live.iter().fold(None, |found, s| {
        let same = bool::from(s.code.as_bytes().ct_eq(code.as_bytes()));
        found.or(same.then_some(s.id))
    });
    if let Some(id) = matched {
        conn.execute("UPDATE cs_sms_code SET used = 1 WHERE id = ?1", [id])?;
        return Ok(Ok(()));
    }
    for s in &live {
        conn.execute(
            "UPDATE cs_sms_code SET tries = tries + 1 WHERE id = ?1",
            [s.id],
        )?;
    }
    let left = live
        .iter()
        .map(|s| MAX_TRIES - s.tries - 1)
        .max()
        .unwrap_or(0);
    Ok(Err(ApiError::new(
        Code::Invalid,
        format!("验证码错误, 还可尝试 {left} 次"),
    )))
}

/// Deletes codes older than a day (a batch of at most `retention::BATCH`): by then they
/// have expired and no longer count towards the daily cap.
pub fn prune_expired(conn: &Connection, rules: &crate::retention::Rules) -> ApiResult<usize> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM cs_sms_code WHERE id IN (
                 SELECT id FROM cs_sms_code WHERE sent_ms < ?1 AND expires_ms < ?2 LIMIT ?3)",
        )?
        .execute(params![
            rules.now_ms - DAY_MS,
            rules.now_ms,
            crate::retention::BATCH as i64
        ])?)
}
