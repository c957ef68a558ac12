//! Radar at scale: fills a temporary database with 1M radar events for 50 salespeople (one
//! of them heavy: a fifth of all events), then times `action/time`, `action/customer` and
//! `action/count` for a typical and the heavy salesperson, twice: the query alone on a read
//! connection, and the whole signed request through Rocket. Baselines in the same run: a
//! primary-key lookup (query) and `/healthz` (request).
//!
//! `bench/radar.sh [events] [iterations]` runs it in release mode.

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use leida::web::params::Page;
use leida::zhuge::data::radar::{self, Filter};
use rocket::local::blocking::Client;
use rusqlite::{params, Connection};

const SALESPEOPLE: i64 = 50;
const CUSTOMERS: i64 = 20_000;
/// The heavy salesperson's share of the events and of the customers.
const HEAVY_SHARE: f64 = 0.2;
const HEAVY_CUSTOMERS: i64 = 4_000;
const DAYS: i64 = 180;

type Run<'a> = Box<dyn FnMut() -> Result<(), String> + 'a>;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let events: i64 = arg(args.next(), 1_000_000)?;
    let iterations: usize = arg(args.next(), 300)?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    // A third argument keeps the database there (for EXPLAIN QUERY PLAN afterwards).
    let path = args
        .next()
        .map_or_else(|| dir.path().join("radar.db"), std::path::PathBuf::from);
    drop(leida::db::Db::open(&path)?);

    let started = Instant::now();
    let people = fill(&path, events).map_err(|e| e.to_string())?;
    println!(
        "{events} events, {SALESPEOPLE} salespeople, {CUSTOMERS} customers: filled in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let conn = Connection::open(&path).map_err(|e| e.to_string())?;
    let count = |id: i64| -> Result<i64, String> {
        conn.query_row(
            "SELECT COUNT(*) FROM zl_radar WHERE user_id = ?1",
            [id],
            |r| r.get(0),
        )
        .map_err(|e| e.to_string())
    };
    let (heavy, typical) = (people[0].clone(), people[1].clone());
    println!(
        "heavy salesperson: {} events; typical: {} events\n",
        count(heavy.0)?,
        count(typical.0)?
    );

    let figment = rocket::Config::figment()
        .merge(("db_path", &path))
        .merge(("data_dir", dir.path().join("files")))
        .merge(("log_level", "off"))
        .merge(("auth_max_skew_secs", 0));
    let client = Client::untracked(leida::build(figment)?).map_err(|e| e.to_string())?;

    println!("{:<44} {:>9} {:>9}", "", "p50 ms", "p99 ms");
    report(
        "baseline: primary-key lookup (query)",
        iterations,
        point_lookup(&path, events)?,
    )?;
    for (label, who) in [("typical", &typical), ("heavy", &heavy)] {
        for (name, run) in queries(&path, who.0)? {
            report(&format!("{name}, {label} (query)"), iterations, run)?;
        }
    }
    report(
        "baseline: GET /healthz (request)",
        iterations,
        request(&client, "/healthz".into()),
    )?;
    for (label, who) in [("typical", &typical), ("heavy", &heavy)] {
        for endpoint in ["action/time", "action/customer", "action/count"] {
            let uri = signed(&format!("/zhugeleida/qiyeweixin/{endpoint}"), who);
            report(
                &format!("{endpoint}, {label} (request)"),
                iterations,
                request(&client, uri),
            )?;
        }
    }
    report(
        "write: one radar event with tallies",
        iterations,
        insert_event(&path, &heavy)?,
    )?;
    Connection::open(&path)
        .and_then(|c| c.execute_batch("DROP TRIGGER zl_radar_tally_insert;"))
        .map_err(|e| e.to_string())?;
    report(
        "write: one radar event without tallies",
        iterations,
        insert_event(&path, &heavy)?,
    )?;
    Ok(())
}

/// One event in its own transaction (WAL, synchronous NORMAL), as a card view writes it.
fn insert_event(path: &Path, who: &(i64, String)) -> Result<Run<'static>, String> {
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    conn.execute_batch("PRAGMA synchronous = NORMAL;")
        .map_err(|e| e.to_string())?;
    let (user_id, mut rng) = (who.0, Rng(11));
    Ok(Box::new(move || {
        let (customer, action) = (1 + rng.below(HEAVY_CUSTOMERS), 1 + rng.below(10));
        conn.prepare_cached(
            "INSERT INTO zl_radar (user_id, customer_id, action, remark, create_date) VALUES (?1, ?2, ?3, '拨打您的手机', ?4)",
        )
        .and_then(|mut s| s.execute(params![user_id, customer, action, leida::clock::now()]))
        .map(|_| ())
        .map_err(|e| e.to_string())
    }))
}

fn arg<T: std::str::FromStr>(raw: Option<String>, default: T) -> Result<T, String> {
    raw.map_or(Ok(default), |r| {
        r.parse().map_err(|_| format!("not a number: {r}"))
    })
}

/// A deterministic xorshift, so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as i64
    }
}

/// One company, its salespeople (returned as `(id, token)`, the heavy one first), the
/// customers, and `events` radar events in time order over the last `DAYS` days.
fn fill(path: &Path, events: i64) -> rusqlite::Result<Vec<(i64, String)>> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")?;
    let tx = conn.transaction()?;
    let now = leida::clock::now();
    tx.execute(
        "INSERT INTO zl_company (name, create_date) VALUES ('雷达压测', ?1)",
        [&now],
    )?;
    let company = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO zl_role (company_id, name, create_date) VALUES (?1, '销售', ?2)",
        params![company, now],
    )?;
    let role = tx.last_insert_rowid();
    let mut people = Vec::new();
    for i in 0..SALESPEOPLE {
        let token = leida::clock::token();
        tx.execute(
            "INSERT INTO zl_employee (company_id, role_id, username, token, create_date) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![company, role, format!("sales{i}"), token, now],
        )?;
        people.push((tx.last_insert_rowid(), token));
    }
    let first_customer = {
        let mut stmt = tx.prepare(
            "INSERT INTO zl_customer (company_id, openid, token, username, create_date) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for i in 0..CUSTOMERS {
            stmt.execute(params![
                company,
                format!("bench-{i}"),
                leida::clock::token(),
                format!("客户{i}"),
                now
            ])?;
        }
        tx.last_insert_rowid() - CUSTOMERS + 1
    };
    // Bulk loading skips the per-event tally trigger; migration 004 then rebuilds the
    // tallies from the events and puts the trigger back, as it does on an existing database.
    tx.execute_batch("DROP TRIGGER zl_radar_tally_insert;")?;
    insert_events(&tx, &people, first_customer, events)?;
    tx.execute_batch(include_str!("../migrations/004_zhuge.sql"))?;
    tx.commit()?;
    conn.execute_batch("ANALYZE;")?;
    Ok(people)
}

fn insert_events(
    tx: &Connection,
    people: &[(i64, String)],
    first_customer: i64,
    events: i64,
) -> rusqlite::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let start = leida::clock::now_local().naive_local() - chrono::Duration::days(DAYS);
    let step_ms = DAYS * 86_400_000 / events.max(1);
    let others = CUSTOMERS - HEAVY_CUSTOMERS;
    let per_other = others / (SALESPEOPLE - 1);
    let mut stmt = tx.prepare(
        "INSERT INTO zl_radar (user_id, customer_id, action, remark, is_new_msg, create_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for i in 0..events {
        let heavy = rng.below(1_000_000) < (HEAVY_SHARE * 1_000_000.0) as i64;
        let (who, customer) = if heavy {
            (0, rng.below(HEAVY_CUSTOMERS))
        } else {
            let who = 1 + rng.below(SALESPEOPLE - 1);
            (
                who,
                HEAVY_CUSTOMERS + (who - 1) * per_other + rng.below(per_other),
            )
        };
        let action = 1 + rng.below(10);
        let at: NaiveDateTime =
            start + chrono::Duration::milliseconds(i * step_ms + rng.below(step_ms.max(1)));
        stmt.execute(params![
            people[who as usize].0,
            first_customer + customer,
            action,
            "查看您的名片第3次,建议标注重点客户",
            i >= events - events / 100,
            at.format(leida::clock::FORMAT).to_string(),
        ])?;
    }
    Ok(())
}

fn point_lookup(path: &Path, events: i64) -> Result<Run<'static>, String> {
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    let mut rng = Rng(7);
    Ok(Box::new(move || {
        let id = 1 + rng.below(events);
        conn.prepare_cached(
            "SELECT user_id, customer_id, action, remark, create_date FROM zl_radar WHERE id = ?1",
        )
        .and_then(|mut s| s.query_row([id], |r| r.get::<_, i64>(0)))
        .map(|_| ())
        .map_err(|e| e.to_string())
    }))
}

/// The three handlers' queries with the handlers' defaults (page 1 of 20; count over 7 days).
fn queries(path: &Path, user_id: i64) -> Result<Vec<(&'static str, Run<'static>)>, String> {
    let page = Page {
        limit: 20,
        offset: 0,
    };
    let open = || Connection::open(path).map_err(|e| e.to_string());
    let (a, b, c) = (open()?, open()?, open()?);
    let week = Filter {
        since: Some(leida::clock::days_ago(6)),
        ..Filter::default()
    };
    Ok(vec![
        (
            "action/time",
            Box::new(move || {
                radar::by_time(&a, user_id, &Filter::default(), page)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }) as Run<'static>,
        ),
        (
            "action/customer",
            Box::new(move || {
                radar::by_customer(&b, user_id, &Filter::default(), page)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        ),
        (
            "action/count",
            Box::new(move || {
                radar::count_by_action(&c, user_id, &week)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }),
        ),
    ])
}

fn signed(path: &str, who: &(i64, String)) -> String {
    let ts = leida::clock::now_ms();
    let sig = md5::compute(format!("{ts}{}", who.1));
    format!("{path}?user_id={}&timestamp={ts}&rand_str={sig:x}", who.0)
}

fn request(client: &Client, uri: String) -> Run<'_> {
    Box::new(move || {
        let response = client.get(uri.clone()).dispatch();
        let body = response.into_string().unwrap_or_default();
        if body.contains("\"code\":200") || body.contains("\"status\":\"ok\"") {
            Ok(())
        } else {
            Err(format!("{uri}: {body}"))
        }
    })
}

/// Warms up, then runs `iterations` times and prints p50 and p99.
fn report(label: &str, iterations: usize, mut run: Run<'_>) -> Result<(), String> {
    for _ in 0..iterations.div_ceil(10) {
        run()?;
    }
    let mut times: Vec<Duration> = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        run()?;
        times.push(t.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p50 = times[iterations / 2];
    let p99 = times[(iterations * 99 / 100).min(iterations - 1)];
    println!("{label:<44} {:>9.3} {:>9.3}", ms(p50), ms(p99));
    Ok(())
}
