//! Health figures for `GET /metrics` (Prometheus text format, served when the config key
//! `metrics` is true) and the access log.
//!
//! Any module may count an event with `events::inc("poster_cache_hit")`: the counter is
//! exposed as `leida_events_total{event="poster_cache_hit"}`. Names are fixed strings in the
//! code (never user input), so the number of series stays bounded.
//!
//! Per request the `Telemetry` fairing counts method, route template and status, observes
//! the latency, and writes one access-log line (method, path without the query, status, ms).
//! Figures that live in the database (outbox, pay notifies) are read at scrape time.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Status};
use rocket::{get, Data, Request, Response, State};
use rusqlite::Connection;

use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;
use crate::events;
use crate::wechat::pay::Verdict;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The HTTP figures of one server (managed state).
#[derive(Default)]
pub struct HttpStats {
    /// (method, route template, status) → requests.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// Non-cumulative counts per bucket, plus one for "above the last bound".
    buckets: [AtomicU64; BUCKETS.len() + 1],
    latency_micros: AtomicU64,
}

impl HttpStats {
    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        {
            let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            *requests
                .entry((method.to_string(), route.to_string(), status))
                .or_insert(0) += 1;
        }
        let slot = BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(BUCKETS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        self.latency_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String) {
        header(
            out,
            "leida_http_requests_total",
            "counter",
            "HTTP requests by method, route template and status.",
        );
        let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        for ((method, route, status), n) in requests.iter() {
            let _ = writeln!(
                out,
                "leida_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        drop(requests);
        let name = "leida_http_request_duration_seconds";
        header(out, name, "histogram", "Time from request to response.");
        let mut cumulative = 0;
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        cumulative += self.buckets[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.latency_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {cumulative}");
    }
}

/// When the request arrived and its path, kept before any fairing rewrites the URI.
struct Started {
    at: Instant,
    path: String,
}

/// Counts requests, observes latency and writes the access log.
pub struct Telemetry;

#[rocket::async_trait]
impl Fairing for Telemetry {
    fn info(&self) -> Info {
        Info {
            name: "metrics and access log",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let path = req.uri().path().as_str().to_string();
        req.local_cache(|| Started {
            at: Instant::now(),
            path,
        });
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let started = req.local_cache(|| Started {
            at: Instant::now(),
            path: req.uri().path().as_str().to_string(),
        });
        let elapsed = started.at.elapsed().as_secs_f64();
        let status = res.status().code;
        let method = req.method().as_str();
        let route = req
            .route()
            .map(|r| r.uri.path().to_string())
            .unwrap_or_else(|| "unmatched".into());
        if let Some(stats) = req.rocket().state::<HttpStats>() {
            stats.observe(method, &route, status, elapsed);
        }
        if req
            .rocket()
            .state::<Settings>()
            .is_some_and(|s| s.access_log)
        {
            // Logged at warn so that it shows at `log_level = "critical"` (Rocket's release
            // default) too; only "off" silences it. `logging` prints it without a level.
            log::warn!(target: ACCESS_TARGET, "{}", access_line(method, &started.path, status, elapsed));
        }
    }
}

/// The log target of access lines.
pub const ACCESS_TARGET: &str = "leida::access";

/// `GET /zhugeleida/admin/login 200 3.2ms`: the path never carries the query string, where
/// signatures (`rand_str`), codes and tokens travel.
pub fn access_line(method: &str, path: &str, status: u16, seconds: f64) -> String {
    let path = path.split('?').next().unwrap_or("");
    format!("{method} {path} {status} {:.1}ms", seconds * 1000.0)
}

/// `GET /metrics`: 404 unless the config key `metrics` is true.
#[get("/metrics")]
pub async fn metrics(
    settings: &State<Settings>,
    stats: &State<HttpStats>,
    db: &State<Db>,
) -> Result<(ContentType, String), Status> {
    if !settings.metrics {
        return Err(Status::NotFound);
    }
    let mut out = String::new();
    stats.render(&mut out);
    render_pool(db, &mut out);
    render_events(&mut out);
    let stored = db
        .run(|c| {
            let mut out = String::new();
            render_stored(c, &mut out)?;
            Ok(out)
        })
        .await
        .map_err(|e| {
            log::error!("metrics: {e}");
            Status::InternalServerError
        })?;
    out.push_str(&stored);
    let format =
        ContentType::new("text", "plain").with_params([("version", "0.0.4"), ("charset", "utf-8")]);
    Ok((format, out))
}

fn render_pool(db: &Db, out: &mut String) {
    let (waits, wait_seconds) = db.pool_waits();
    header(
        out,
        "leida_db_pool_waits_total",
        "counter",
        "Reads that found no idle pooled connection and had to wait.",
    );
    let _ = writeln!(out, "leida_db_pool_waits_total {waits}");
    header(
        out,
        "leida_db_pool_wait_seconds_total",
        "counter",
        "Time spent waiting for a pooled read connection.",
    );
    let _ = writeln!(out, "leida_db_pool_wait_seconds_total {wait_seconds}");
}

fn render_events(out: &mut String) {
    header(
        out,
        "leida_events_total",
        "counter",
        "Events counted by the code (poster_cache_hit, poster_drawn, wechat_token_refresh, ...).",
    );
    for (event, n) in events::all() {
        let _ = writeln!(out, "leida_events_total{{event=\"{}\"}} {n}", escape(event));
    }
}

/// The figures kept in tables: the outbox and WeChat Pay's notifies.
fn render_stored(c: &Connection, out: &mut String) -> ApiResult<()> {
    let pending: i64 = c.query_row(
        "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL",
        [],
        |r| r.get(0),
    )?;
    header(
        out,
        "leida_outbox_pending",
        "gauge",
        "Outbound messages not sent yet (waiting, retrying or given up).",
    );
    let _ = writeln!(out, "leida_outbox_pending {pending}");

    header(
        out,
        "leida_outbox_failing",
        "gauge",
        "Unsent outbound messages whose last attempt failed, by WeChat errcode.",
    );
    let mut failing: BTreeMap<String, i64> = BTreeMap::new();
    let mut stmt = c.prepare(
        "SELECT last_error, COUNT(*) FROM outbox
         WHERE sent_at IS NULL AND last_error IS NOT NULL GROUP BY last_error",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (error, n) = row?;
        *failing.entry(errcode_of(&error)).or_insert(0) += n;
    }
    for (errcode, n) in failing {
        let _ = writeln!(out, "leida_outbox_failing{{errcode=\"{errcode}\"}} {n}");
    }

    render_notifies(c, out)
}

/// Notifies by app and verdict. Both labels come from fixed sets (rows an older version
/// stored with free-form verdicts count as `other`), so no sender can add a series.
fn render_notifies(c: &Connection, out: &mut String) -> ApiResult<()> {
    header(
        out,
        "leida_pay_notify_total",
        "counter",
        "WeChat Pay notifies received, by app and verdict.",
    );
    let mut counts: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let mut stmt =
        c.prepare("SELECT app, verdict, COUNT(*) FROM pay_notify GROUP BY app, verdict")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (app, verdict, n) = row?;
        let app = ["zhuge", "consult"]
            .into_iter()
            .find(|known| *known == app)
            .unwrap_or("other");
        let verdict = Verdict::from_text(&verdict).map_or("other", Verdict::label);
        *counts.entry((app, verdict)).or_insert(0) += n;
    }
    for ((app, verdict), n) in counts {
        let _ = writeln!(
            out,
            "leida_pay_notify_total{{app=\"{app}\",verdict=\"{verdict}\"}} {n}"
        );
    }
    Ok(())
}

/// "errcode 43101 user refuse" → "43101"; errors without one (network...) → "none".
fn errcode_of(error: &str) -> String {
    error
        .split_once("errcode ")
        .map(|(_, rest)| {
            rest.chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect::<String>()
        })
        .filter(|code| !code.is_empty())
        .unwrap_or_else(|| "none".into())
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Label values: backslash, quote and newline escaped (Prometheus text format).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
