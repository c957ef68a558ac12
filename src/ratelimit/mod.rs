//! Rate limits per client address (and per account on sign-in): sign-in and SMS, WeChat Pay
//! notifies, the public card page, and design chat images uploaded without `openid`. A refusal is answered in the caller's terms (the
//! app's envelope with code 429, WeChat Pay's XML, or HTTP 429 for a page).
//!
//! A request fairing checks the limits before any handler runs (so a refused SMS request
//! sends nothing and a refused password is never hashed) and reroutes a refused request to
//! `/__leida/limited/<answer>`, which answers the refusal. Each (rule, address|account) key
//! is a token bucket; memory is bounded by `MAX_KEYS`: when the table is full, new keys
//! share one bucket per rule, so a flood of fresh addresses is limited, not waved through.
//!
//! The address is the connection's peer. Behind a proxy it is the header named by Rocket's
//! `ip_header` (off by default: a client could forge it), which the proxy must then set.

mod refusal;
mod rules;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::RawStr;
use rocket::{Data, Request};
use serde_json::Value;

pub use refusal::{routes, Limited};
pub use rules::Answer;
use rules::{rules_for, Family, RULES};

use crate::config::Settings;

/// How many requests a key may make at once, refilled evenly over `per`.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub burst: u32,
    pub per: Duration,
}

impl Quota {
    /// `n` requests in 10 minutes (refilled evenly); 0 means no limit.
    pub fn per_ten_minutes(n: u32) -> Option<Quota> {
        (n > 0).then_some(Quota {
            burst: n,
            per: Duration::from_secs(10 * 60),
        })
    }

    /// `n` requests a minute; 0 means no limit.
    pub fn per_minute(n: u32) -> Option<Quota> {
        (n > 0).then_some(Quota {
            burst: n,
            per: Duration::from_secs(60),
        })
    }

    /// `n` requests a day (refilled evenly); 0 means no limit.
    pub fn per_day(n: u32) -> Option<Quota> {
        (n > 0).then_some(Quota {
            burst: n,
            per: Duration::from_secs(24 * 60 * 60),
        })
    }
}

/// The configured quotas of each family of rules (`None`: no limit).
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub login_per_address: Option<Quota>,
    pub login_per_account: Option<Quota>,
    pub notify_per_address: Option<Quota>,
    pub page_per_address: Option<Quota>,
    pub sms_daily_per_address: Option<Quota>,
    pub anonymous_upload_per_address: Option<Quota>,
}

impl Quotas {
    pub fn from_settings(s: &Settings) -> Quotas {
        Quotas {
            login_per_address: Quota::per_minute(s.login_limit_per_address),
            login_per_account: Quota::per_minute(s.login_limit_per_account),
            notify_per_address: Quota::per_minute(s.notify_limit_per_address),
            page_per_address: Quota::per_minute(s.page_limit_per_address),
            sms_daily_per_address: Quota::per_day(s.sms_daily_per_address),
            anonymous_upload_per_address: Quota::per_ten_minutes(s.anonymous_upload_limit),
        }
    }

    fn of(&self, family: Family, account: bool) -> Option<Quota> {
        match (family, account) {
            (Family::Login, false) => self.login_per_address,
            (Family::Login, true) => self.login_per_account,
            (Family::Notify, false) => self.notify_per_address,
            (Family::Page, false) => self.page_per_address,
            (Family::SmsDaily, false) => self.sms_daily_per_address,
            (Family::AnonymousUpload, false) => self.anonymous_upload_per_address,
            (Family::Notify | Family::Page | Family::SmsDaily | Family::AnonymousUpload, true) => {
                None
            }
        }
    }
}

/// The most keys tracked; beyond it, full buckets are forgotten first, then new keys share
/// the bucket `OVERFLOW` of their rule.
pub const MAX_KEYS: usize = 50_000;
const OVERFLOW: &str = "(overflow)";

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, quota: Quota, now: Instant) {
        let rate = f64::from(quota.burst) / quota.per.as_secs_f64();
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(f64::from(quota.burst));
        self.at = now;
    }

    /// Takes a token, or says how many seconds until one is there.
    fn take(&mut self, quota: Quota) -> Result<(), u64> {
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Ok(());
        }
        let rate = f64::from(quota.burst) / quota.per.as_secs_f64();
        Err(((1.0 - self.tokens) / rate).ceil().max(1.0) as u64)
    }
}

/// (rule index, whether the key is an account, the address or account).
type Key = (usize, bool, String);

/// The buckets of one server: attached as the fairing, and managed as state for the rules
/// only a handler can apply (clones share the buckets).
#[derive(Clone)]
pub struct RateLimit {
    quotas: Quotas,
    max_keys: usize,
    buckets: Arc<Mutex<HashMap<Key, Bucket>>>,
}

impl RateLimit {
    pub fn new(quotas: Quotas) -> RateLimit {
        RateLimit::with_max_keys(quotas, MAX_KEYS)
    }

    /// A limiter that tracks at most `max_keys` keys (tests use a small table).
    pub fn with_max_keys(quotas: Quotas, max_keys: usize) -> RateLimit {
        RateLimit {
            quotas,
            max_keys,
            buckets: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Whether a request for `path` (decoded segments joined by `/`) from `address`, naming
    /// `account`, may go on; `Err(seconds to wait)` when a limit is spent. Paths no rule
    /// names always may.
    pub fn admit(&self, path: &str, address: &str, account: Option<&str>) -> Result<(), u64> {
        rules_for(path).try_for_each(|(index, rule)| {
            let account = rule.account.and(account);
            self.check(index, rule.family, address, account)
        })
    }

    /// Both limits must allow the request; the longer wait is reported.
    fn check(
        &self,
        rule: usize,
        family: Family,
        address: &str,
        account: Option<&str>,
    ) -> Result<(), u64> {
        let by_address = match self.quotas.of(family, false) {
            Some(quota) => self.spend((rule, false, address.to_string()), quota),
            None => Ok(()),
        };
        let by_account = match (account, self.quotas.of(family, true)) {
            (Some(account), Some(quota)) => self.spend((rule, true, account.to_string()), quota),
            _ => Ok(()),
        };
        match (by_address, by_account) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(w), _) | (_, Err(w)) => Err(w),
        }
    }

    /// Spends one token of the key's bucket; `Err(seconds)` when it is empty.
    fn spend(&self, key: Key, quota: Quota) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let mut key = key;
        if !buckets.contains_key(&key) && buckets.len() >= self.max_keys {
            self.forget_full(&mut buckets, now);
            if buckets.len() >= self.max_keys {
                key.2 = OVERFLOW.to_string();
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: f64::from(quota.burst),
            at: now,
        });
        bucket.refill(quota, now);
        bucket.take(quota)
    }

    /// Forgets the buckets that are full again: they hold no information.
    fn forget_full(&self, buckets: &mut HashMap<Key, Bucket>, now: Instant) {
        buckets.retain(|(rule, account, _), b| {
            match self.quotas.of(RULES[*rule].family, *account) {
                Some(q) => {
                    b.refill(q, now);
                    b.tokens < f64::from(q.burst)
                }
                None => false,
            }
        });
    }
}

#[rocket::async_trait]
impl Fairing for RateLimit {
    fn info(&self) -> Info {
        Info {
            name: "rate limits",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, data: &mut Data<'_>) {
        // Matched on decoded segments, as Rocket's router matches: `/a//b` and `logi%6E`
        // reach the same handler and so count in the same bucket.
        let segments: Vec<&str> = req.uri().path().segments().collect();
        let path = format!("/{}", segments.join("/"));
        let address = req
            .client_ip()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into());
        for (index, rule) in rules_for(&path).filter(|(_, r)| r.family.checked_by_fairing()) {
            let account = match rule.account {
                Some(field) => account(req, data, field).await,
                None => None,
            };
            if let Err(wait) = self.check(index, rule.family, &address, account.as_deref()) {
                let uri = format!("/__leida/limited/{}?wait={wait}", rule.answer.name());
                if let Ok(origin) = Origin::parse_owned(uri) {
                    req.set_uri(origin);
                }
                return;
            }
        }
    }
}

/// The most of a body Rocket lets a fairing see.
const PEEK: usize = 512;

/// The account named by `field`, read as `web::Params` reads it (body first, JSON or
/// urlencoded, then the query string; the first non-empty value wins), normalised.
/// Only the first 512 bytes of a body are seen: a body that hides the field beyond them
/// shares the one bucket `(unread)`, so padding cannot dodge the limit.
async fn account(req: &Request<'_>, data: &mut Data<'_>, field: &str) -> Option<String> {
    let head = data.peek(PEEK).await.to_vec();
    // A full peek may have left part of the body unseen, whatever `peek_complete` says
    // (a body already in memory counts as complete though only `PEEK` bytes are shown).
    let whole = data.peek_complete() && head.len() < PEEK;
    let from_body = std::str::from_utf8(&head).ok().and_then(|body| {
        let body = body.trim_start();
        if body.starts_with('{') {
            let json: Value = serde_json::from_str(body).ok()?;
            match json.get(field)? {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            }
        } else {
            form_value(body.trim(), field)
        }
    });
    let value = match from_body {
        Some(v) => Some(v),
        None if !whole => Some("(unread)".to_string()),
        None => req
            .uri()
            .query()
            .and_then(|q| form_value(q.as_str(), field)),
    };
    value
        .map(|v| v.trim().to_lowercase().chars().take(64).collect::<String>())
        .filter(|v| !v.is_empty())
}

/// The first non-empty value of `field` in `a=1&b=2`.
fn form_value(encoded: &str, field: &str) -> Option<String> {
    encoded.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        let v = RawStr::new(v).url_decode_lossy();
        (RawStr::new(k).url_decode_lossy() == field && !v.is_empty()).then(|| v.into_owned())
    })
}
