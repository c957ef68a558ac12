//! Rate limits on the sign-in and SMS endpoints, per client address and per account (phone
//! number or username), answered in the app's own envelope with code 429.
//!
//! A request fairing checks the limits before any handler runs (so a refused SMS request
//! sends nothing and a refused password is never hashed) and reroutes a refused request to
//! `/__leida/limited/<app>`, which answers the refusal. Each (rule, address|account) key is a
//! token bucket; memory is bounded by `MAX_KEYS`.
//!
//! Behind a proxy the address is the `X-Real-IP` header (Rocket's `ip_header`), which the
//! proxy must set; see docs/operating.md.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{Header, RawStr, Status};
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;
use rocket::{get, post, routes, Data, Request, Route};
use serde_json::{json, Value};

/// Whose envelope a refusal is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    Zhuge,
    Design,
    Consult,
    Repair,
}

impl App {
    fn name(self) -> &'static str {
        match self {
            App::Zhuge => "zhuge",
            App::Design => "design",
            App::Consult => "consult",
            App::Repair => "repair",
        }
    }

    fn from_name(name: &str) -> Option<App> {
        [App::Zhuge, App::Design, App::Consult, App::Repair]
            .into_iter()
            .find(|a| a.name() == name)
    }
}

/// A limited endpoint: its path (a prefix when it ends with `/`), app, and the field naming
/// the account when there is one.
struct Rule {
    path: &'static str,
    app: App,
    account: Option<&'static str>,
}

const RULES: &[Rule] = &[
    rule("/zhugeleida/admin/login", App::Zhuge, Some("username")),
    rule("/zhugeleida/xiaochengxu/login", App::Zhuge, None),
    rule("/zhugeleida/qiyeweixin/work_weixin_auth/", App::Zhuge, None),
    rule("/small/getUserInfo", App::Design, None),
    rule(
        "/api/user/verification_code",
        App::Consult,
        Some("phone_number"),
    ),
    rule("/api/user/signin", App::Consult, Some("phone_number")),
    rule("/api/user/login", App::Consult, Some("username")),
    rule(
        "/api/consultant/verification_code",
        App::Consult,
        Some("phone_number"),
    ),
    rule("/api/consultant/signin", App::Consult, Some("phone_number")),
    rule("/api/consultant/login", App::Consult, Some("username")),
    rule("/api/login", App::Repair, None),
    rule("/auth/login", App::Repair, None),
];

const fn rule(path: &'static str, app: App, account: Option<&'static str>) -> Rule {
    Rule { path, app, account }
}

fn rule_for(path: &str) -> Option<(usize, &'static Rule)> {
    RULES.iter().enumerate().find(|(_, r)| {
        if r.path.ends_with('/') {
            path.starts_with(r.path)
        } else {
            path == r.path
        }
    })
}

/// How many requests a key may make at once, refilled evenly over `per`.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub burst: u32,
    pub per: Duration,
}

impl Quota {
    /// `n` requests a minute; 0 means no limit.
    pub fn per_minute(n: u32) -> Option<Quota> {
        (n > 0).then_some(Quota {
            burst: n,
            per: Duration::from_secs(60),
        })
    }
}

/// The most keys tracked; beyond it, full buckets are forgotten first.
pub const MAX_KEYS: usize = 50_000;

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

/// The buckets of one server (a fairing).
pub struct RateLimit {
    per_address: Option<Quota>,
    per_account: Option<Quota>,
    buckets: Mutex<HashMap<(usize, bool, String), Bucket>>,
}

impl RateLimit {
    /// Limits from the config keys `login_limit_per_address` and `login_limit_per_account`.
    pub fn new(per_address: Option<Quota>, per_account: Option<Quota>) -> RateLimit {
        RateLimit {
            per_address,
            per_account,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Spends one token of the key's bucket; `Err(seconds)` when it is empty.
    fn spend(&self, rule: usize, account: bool, key: &str, quota: Quota) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let id = (rule, account, key.to_string());
        if !buckets.contains_key(&id) && buckets.len() >= MAX_KEYS {
            // Forget the buckets that are full again: they hold no information.
            let (per_address, per_account) = (self.per_address, self.per_account);
            buckets.retain(|(_, is_account, _), b| {
                match if *is_account {
                    per_account
                } else {
                    per_address
                } {
                    Some(q) => {
                        b.refill(q, now);
                        b.tokens < f64::from(q.burst)
                    }
                    None => false,
                }
            });
            if buckets.len() >= MAX_KEYS {
                return Ok(());
            }
        }
        let bucket = buckets.entry(id).or_insert(Bucket {
            tokens: f64::from(quota.burst),
            at: now,
        });
        bucket.refill(quota, now);
        bucket.take(quota)
    }

    /// Both limits must allow the request; the longer wait is reported.
    fn check(&self, rule: usize, address: &str, account: Option<&str>) -> Result<(), u64> {
        let by_address = match self.per_address {
            Some(quota) => self.spend(rule, false, address, quota),
            None => Ok(()),
        };
        let by_account = match (account, self.per_account) {
            (Some(account), Some(quota)) => self.spend(rule, true, account, quota),
            _ => Ok(()),
        };
        match (by_address, by_account) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(a.max(b)),
            (Err(w), _) | (_, Err(w)) => Err(w),
        }
    }
}

#[rocket::async_trait]
impl Fairing for RateLimit {
    fn info(&self) -> Info {
        Info {
            name: "sign-in rate limits",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, data: &mut Data<'_>) {
        // Matched on decoded segments, as Rocket's router matches: `/a//b` and `logi%6E`
        // reach the same handler and so count in the same bucket.
        let segments: Vec<&str> = req.uri().path().segments().collect();
        let path = format!("/{}", segments.join("/"));
        let Some((index, rule)) = rule_for(&path) else {
            return;
        };
        let address = req
            .client_ip()
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into());
        let account = match rule.account {
            Some(field) => account(req, data, field).await,
            None => None,
        };
        if let Err(wait) = self.check(index, &address, account.as_deref()) {
            let uri = format!("/__leida/limited/{}?wait={wait}", rule.app.name());
            if let Ok(origin) = Origin::parse_owned(uri) {
                req.set_uri(origin);
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

/// A refusal in the app's envelope, HTTP 200 like every answer, with `Retry-After`.
pub struct Limited {
    app: App,
    wait: u64,
}

impl<'r> Responder<'r, 'static> for Limited {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let msg = format!("请求过于频繁, 请 {} 秒后再试", self.wait);
        let body = match self.app {
            App::Zhuge | App::Design => json!({"code": 429, "msg": msg, "data": {}}),
            App::Consult => json!({"code": 429, "msg": msg, "content": []}),
            App::Repair => json!({"code": 429, "msg": msg, "data": null}),
        };
        Response::build_from(Json(body).respond_to(req)?)
            .status(Status::Ok)
            .header(Header::new("Retry-After", self.wait.to_string()))
            .ok()
    }
}

fn limited(app: &str, wait: Option<u64>) -> Result<Limited, Status> {
    let app = App::from_name(app).ok_or(Status::NotFound)?;
    Ok(Limited {
        app,
        wait: wait.unwrap_or(60).clamp(1, 3600),
    })
}

#[get("/__leida/limited/<app>?<wait>")]
fn limited_get(app: &str, wait: Option<u64>) -> Result<Limited, Status> {
    limited(app, wait)
}

#[post("/__leida/limited/<app>?<wait>")]
fn limited_post(app: &str, wait: Option<u64>) -> Result<Limited, Status> {
    limited(app, wait)
}

pub fn routes() -> Vec<Route> {
    routes![limited_get, limited_post]
}
