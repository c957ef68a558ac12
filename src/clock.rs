//! Time in the firm's zone (UTC+8), as the seeds print it, and random tokens.

use chrono::{DateTime, FixedOffset, NaiveDate, Offset, Utc};
use rand::RngCore;

/// The seeds' format: `2018-06-13T11:49:57.123`.
pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.3f";

pub fn zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| Utc.fix())
}

pub fn now_local() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&zone())
}

/// Now, as stored and shown.
pub fn now() -> String {
    now_local().format(FORMAT).to_string()
}

/// Today's date in the firm's zone.
pub fn today() -> NaiveDate {
    now_local().date_naive()
}

pub fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// `days` days ago, at midnight, in the stored format (for default time windows).
pub fn days_ago(days: i64) -> String {
    let day = today() - chrono::Duration::days(days);
    format!("{day}T00:00:00.000")
}

/// A date parameter (`2018-06-07`, also `2018-6-7`), normalised to `YYYY-MM-DD`.
pub fn parse_date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok()
}

/// 32 random hex characters: sign-in tokens and nonces.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stored time as a contact list shows it: `11:49` today, `昨天`, `06-12` this year, else `2017`.
pub fn relative_day_time(stored: &str, today: NaiveDate) -> String {
    let Ok(when) = chrono::NaiveDateTime::parse_from_str(stored, FORMAT) else {
        return stored.to_string();
    };
    let day = when.date();
    if day == today {
        when.format("%H:%M").to_string()
    } else if Some(day) == today.pred_opt() {
        "昨天".to_string()
    } else if day.format("%Y").to_string() == today.format("%Y").to_string() {
        when.format("%m-%d").to_string()
    } else {
        when.format("%Y").to_string()
    }
}
