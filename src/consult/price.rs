//! Prices: yuan with at most two decimals on the wire (`"12.5"`, `"12.50"`), fen inside.

use crate::error::{ApiError, ApiResult};

/// The largest price a demand may ask, in yuan.
const MAX_YUAN: i64 = 1_000_000;

/// `"12.5"` → 1250 fen, without floating point. Refuses signs, more than two decimals,
/// and more than `MAX_YUAN`.
pub fn parse_yuan(field: &str, raw: &str) -> ApiResult<i64> {
    let wrong = || ApiError::invalid(field, "必须是元为单位、最多两位小数的金额");
    let (whole, cents) = raw.trim().split_once('.').unwrap_or((raw.trim(), ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || whole.len() > 7 || !digits(whole) || cents.len() > 2 || !digits(cents) {
        return Err(wrong());
    }
    let yuan: i64 = whole.parse().map_err(|_| wrong())?;
    let fen: i64 = format!("{cents:0<2}").parse().map_err(|_| wrong())?;
    if yuan > MAX_YUAN || (yuan == MAX_YUAN && fen > 0) {
        return Err(ApiError::invalid(field, "不能超过 1000000 元"));
    }
    Ok(yuan * 100 + fen)
}

/// 1250 → `"12.50"`.
pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}
