//! Events the code counts (`poster_cache_hit`, `wechat_token_refresh`, ...), served by
//! `/metrics` as `leida_events_total`. Names are fixed strings, never user input.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock};

/// Counts one occurrence of `event` (process-wide).
pub fn inc(event: &'static str) {
    let mut events = counts().lock().unwrap_or_else(|p| p.into_inner());
    *events.entry(event).or_insert(0) += 1;
}

/// The current count of `event`.
pub fn count(event: &str) -> u64 {
    let events = counts().lock().unwrap_or_else(|p| p.into_inner());
    events.get(event).copied().unwrap_or(0)
}

fn counts() -> &'static Mutex<BTreeMap<&'static str, u64>> {
    static EVENTS: OnceLock<Mutex<BTreeMap<&'static str, u64>>> = OnceLock::new();
    EVENTS.get_or_init(Mutex::default)
}

/// Every event counted so far, by name.
pub fn all() -> Vec<(&'static str, u64)> {
    let events = counts().lock().unwrap_or_else(|p| p.into_inner());
    events.iter().map(|(e, n)| (*e, *n)).collect()
}
