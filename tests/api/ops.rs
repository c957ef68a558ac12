//! Operating a server: backup while serving, restore and its refusals, schema upgrades,
//! `/metrics`, the access log's redaction, sign-in rate limits and check-credentials.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::common::{FakeServer, TestApp};
use leida::config::Settings;
use leida::db::schema::VERSION;
use leida::db::Db;
use leida::ops::backup::{backup, restore};
use leida::ops::credentials::{self, DUMMY_CODE};
use leida::secrets::{MP_SECRET, WORK_SECRET};
use leida::wechat::WeChat;

const SCHEMA_V1: &str = include_str!("../../schema.sql");

fn db_path(dir: &Path) -> PathBuf {
    dir.join("db").join("leida.db")
}

/// A server on the database under `dir` (the layout `TestApp` uses).
fn serve_at(dir: &Path) -> Client {
    let figment = rocket::Config::figment()
        .merge(("db_path", db_path(dir)))
        .merge(("data_dir", dir.join("files")))
        .merge(("log_level", "off"))
        .merge(("wechat_appid", ""));
    Client::tracked(leida::build(figment).expect("server builds")).expect("valid rocket")
}

fn usernames(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT username FROM zl_employee ORDER BY username")
        .unwrap();
    let names = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    names
}

fn scalar<T: rusqlite::types::FromSql>(path: &Path, sql: &str) -> T {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap()
}

// ---------------------------------------------------------------- backup and restore

#[test]
fn a_backup_taken_while_the_server_writes_is_a_consistent_single_file() {
    let app = TestApp::new();
    app.admin("boss", "甲公司");
    let live = db_path(app.dir.path());
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (live, writing) = (live.clone(), writing.clone());
        std::thread::spawn(move || {
            let conn = Connection::open(&live).unwrap();
            conn.busy_timeout(std::time::Duration::from_secs(5))
                .unwrap();
            let mut n = 0;
            while writing.load(Ordering::Relaxed) || n < 50 {
                conn.execute(
                    "INSERT INTO pay_notify (app, body, verdict, create_date) VALUES ('zhuge', ?1, 'OK', 'now')",
                    [format!("<xml>{n}</xml>")],
                )
                .unwrap();
                n += 1;
            }
            n
        })
    };
    let dest = app.dir.path().join("backup.db");
    let copied = backup(&live, &dest).expect("backup while serving");
    writing.store(false, Ordering::Relaxed);
    let written: i64 = writer.join().unwrap();

    assert_eq!(copied.version, VERSION);
    assert_eq!(copied.bytes, std::fs::metadata(&dest).unwrap().len());
    assert_eq!(scalar::<String>(&dest, "PRAGMA integrity_check"), "ok");
    assert_eq!(scalar::<String>(&dest, "PRAGMA journal_mode"), "delete");
    assert_eq!(usernames(&dest), ["boss"]);
    let in_backup: i64 = scalar(&dest, "SELECT COUNT(*) FROM pay_notify");
    assert!(in_backup <= written, "{in_backup} of {written}");
    // The rows are the first ones written: one moment of the database, no gaps.
    let highest: i64 = scalar(&dest, "SELECT COALESCE(MAX(id), 0) FROM pay_notify");
    assert_eq!(highest, in_backup);
    assert!(!Path::new(&format!("{}-wal", dest.display())).exists());
    // The server kept serving.
    assert_eq!(app.client.get("/healthz").dispatch().status(), Status::Ok);
    assert_eq!(app.login("boss", "S3cret-pw").user_id, 1);
}

#[test]
fn a_backup_onto_the_database_itself_or_of_a_missing_database_is_refused() {
    let app = TestApp::new();
    let live = db_path(app.dir.path());
    let err = backup(&live, &live).unwrap_err();
    assert!(err.contains("数据库本身"), "{err}");
    let missing = app.dir.path().join("nothing.db");
    let err = backup(&missing, &app.dir.path().join("b.db")).unwrap_err();
    assert!(err.contains("不存在"), "{err}");
}

#[test]
fn restore_is_refused_while_a_server_holds_the_database() {
    let app = TestApp::new();
    app.admin("boss", "甲公司");
    let live = db_path(app.dir.path());
    let dest = app.dir.path().join("backup.db");
    backup(&live, &dest).unwrap();
    app.admin("later", "甲公司");

    let err = restore(&live, &dest, None).unwrap_err();
    assert!(err.contains("正被另一个 leida 进程使用"), "{err}");
    assert_eq!(usernames(&live), ["boss", "later"]);
    assert!(!Path::new(&format!("{}.before-restore", live.display())).exists());
    // A second server on the same database is refused the same way.
    let figment = rocket::Config::figment()
        .merge(("db_path", live.clone()))
        .merge(("data_dir", app.dir.path().join("files")))
        .merge(("log_level", "off"));
    let Err(err) = leida::build(figment) else {
        panic!("a second server on the same database must be refused");
    };
    assert!(err.contains("正被另一个 leida 进程使用"), "{err}");
}

#[test]
fn restore_replaces_the_database_keeps_the_old_one_and_the_server_starts_on_it() {
    let app = TestApp::new();
    app.admin("boss", "甲公司");
    let live = db_path(app.dir.path());
    let dest = app.dir.path().join("backup.db");
    backup(&live, &dest).unwrap();
    app.admin("later", "甲公司");
    let TestApp { client, dir } = app;
    drop(client); // the server stops and lets go of its lock

    let done = restore(&live, &dest, None).expect("restore");
    assert_eq!(done.version, VERSION);
    let previous = done.previous.expect("old database kept");
    assert_eq!(usernames(&previous), ["boss", "later"]);
    assert_eq!(usernames(&live), ["boss"]);
    assert!(!Path::new(&format!("{}.restoring", live.display())).exists());

    let client = serve_at(dir.path());
    let body = "username=boss&password=S3cret-pw";
    let json: Value = client
        .post("/zhugeleida/admin/login")
        .header(ContentType::Form)
        .body(body)
        .dispatch()
        .into_json()
        .unwrap();
    assert_eq!(json["code"], 200, "{json}");
    let json: Value = client
        .post("/zhugeleida/admin/login")
        .header(ContentType::Form)
        .body("username=later&password=S3cret-pw")
        .dispatch()
        .into_json()
        .unwrap();
    assert_eq!(json["code"], 401, "{json}");
}

/// A stopped server's database and a directory to put candidate files in.
fn stopped_server() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let live = db_path(dir.path());
    drop(serve_at(dir.path()));
    leida::zhuge::data::admin::ensure_admin(&Connection::open(&live).unwrap(), "boss", "x", None)
        .unwrap();
    (dir, live)
}

#[test]
fn restore_refuses_missing_foreign_newer_and_damaged_files_and_changes_nothing() {
    let (dir, live) = stopped_server();
    let refuse = |file: &Path, why: &str| {
        let err = restore(&live, file, None).unwrap_err();
        assert!(err.contains(why), "{file:?}: {err}");
        assert_eq!(usernames(&live), ["boss"]);
    };
    refuse(&dir.path().join("missing.db"), "不存在");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "this is not a database, just some text ".repeat(200)).unwrap();
    refuse(&text, "不是可用的 SQLite 数据库");

    let foreign = dir.path().join("foreign.db");
    Connection::open(&foreign)
        .unwrap()
        .execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    refuse(&foreign, "不是 leida 数据库");

    let newer = dir.path().join("newer.db");
    backup(&live, &newer).unwrap();
    Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", VERSION + 1)
        .unwrap();
    refuse(&newer, "比本程序支持的版本");

    let damaged = dir.path().join("damaged.db");
    backup(&live, &damaged).unwrap();
    let mut bytes = std::fs::read(&damaged).unwrap();
    let page: usize = 4096;
    assert!(bytes.len() > 6 * page);
    for b in &mut bytes[2 * page + 100..5 * page] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let err = restore(&live, &damaged, None).unwrap_err();
    assert!(
        err.contains("完整性检查") || err.contains("不是可用的 SQLite 数据库"),
        "{err}"
    );
    assert_eq!(usernames(&live), ["boss"]);
    assert!(!Path::new(&format!("{}.before-restore", live.display())).exists());
}

#[test]
fn restore_is_refused_while_another_process_reads_the_database() {
    let (dir, live) = stopped_server();
    let dest = dir.path().join("backup.db");
    backup(&live, &dest).unwrap();
    // Litestream keeps a read transaction open on the live database.
    let reader = Connection::open(&live).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT COUNT(*) FROM zl_employee", [], |r| r.get(0))
        .unwrap();
    leida::zhuge::data::admin::ensure_admin(&Connection::open(&live).unwrap(), "later", "x", None)
        .unwrap();

    let err = restore(&live, &dest, None).unwrap_err();
    assert!(err.contains("仍被其他进程打开"), "{err}");
    drop(reader);
    assert_eq!(usernames(&live), ["boss", "later"]);
    assert!(!Path::new(&format!("{}.restoring", live.display())).exists());
    assert!(!Path::new(&format!("{}.before-restore", live.display())).exists());
}

// ---------------------------------------------------------------- schema upgrades

/// A database as the first release made it: `schema.sql` only, user_version 1, with data.
fn version_one_database(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA_V1).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    let hash = leida::password::hash("Old-pass-1").unwrap();
    conn.execute_batch(
        "INSERT INTO zl_company (id, name, mp_appid, create_date)
             VALUES (7, '老公司', 'wx-old', '2019-01-01T00:00:00.000');
         INSERT INTO zl_role (id, company_id, name, create_date)
             VALUES (3, 7, '管理员', '2019-01-01T00:00:00.000');
         INSERT INTO zl_role_permission (role_id, permission_id) SELECT 3, id FROM zl_permission;
         INSERT INTO zl_customer (id, company_id, openid, token, username, create_date)
             VALUES (11, 7, 'o-old', 'tok-c', '老客户', '2019-01-02T00:00:00.000');
         INSERT INTO wechat_token (key, token, expires_at) VALUES ('mini:wx-old', 'T', 1);
         INSERT INTO outbox (kind, recipient, payload, next_try_at, last_error, created_at)
             VALUES ('work_push', 'work:7:u', '{}', 0, 'errcode 40001 invalid', '2019-01-03');
         INSERT INTO pay_notify (app, body, verdict, create_date)
             VALUES ('zhuge', '<xml/>', '已支付', '2019-01-04');",
    )
    .unwrap();
    conn.execute(
        "INSERT INTO zl_employee (id, company_id, role_id, username, password_hash, token, memo_name, create_date)
         VALUES (5, 7, 3, 'veteran', ?1, 'tok-e', '老员工', '2019-01-01T00:00:00.000')",
        [hash],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO zl_chat (user_id, customer_id, send_type, content, create_date)
         VALUES (5, 11, 2, '你好, 还在吗', '2019-01-05T00:00:00.000')",
        [],
    )
    .unwrap();
    // Customer 11 is bound in two companies (7 and 8) and carries notes; 12 is bound nowhere.
    conn.execute_batch(
        "INSERT INTO zl_company (id, name, create_date) VALUES (8, '另一家', '2019-01-01T00:00:00.000');
         INSERT INTO zl_role (id, company_id, name, create_date)
             VALUES (4, 8, '销售', '2019-01-01T00:00:00.000');
         INSERT INTO zl_employee (id, company_id, role_id, username, password_hash, token, create_date)
             VALUES (6, 8, 4, 'elsewhere', '-', 'tok-f', '2019-01-01T00:00:00.000');
         INSERT INTO zl_customer (id, openid, token, create_date)
             VALUES (12, 'o-lone', 'tok-d', '2019-01-02T00:00:00.000');
         UPDATE zl_customer SET memo_name = '难缠的' WHERE id = 11;
         INSERT INTO zl_relation (user_id, customer_id, create_date) VALUES
             (5, 11, '2019-01-02T00:00:00.000'), (6, 11, '2019-01-02T00:00:00.000');
         INSERT INTO zl_information (customer_id, sex, phone, mem) VALUES
             (11, 0, '13900000011', '要发票'), (12, 1, '13900000012', '无人可见');",
    )
    .unwrap();
}

#[test]
fn a_version_one_database_with_data_is_upgraded_without_loss() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(dir.path());
    version_one_database(&path);
    let tables =
        |p: &Path| -> i64 { scalar(p, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'") };
    let before = tables(&path);

    drop(Db::open(&path).expect("upgrade"));
    assert_eq!(scalar::<i64>(&path, "PRAGMA user_version"), VERSION);
    assert!(tables(&path) > before, "the migrations added tables");
    assert_eq!(scalar::<String>(&path, "PRAGMA integrity_check"), "ok");
    assert_eq!(
        scalar::<i64>(&path, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    for (sql, want) in [
        (
            "SELECT name || mp_appid FROM zl_company WHERE id = 7",
            "老公司wx-old",
        ),
        (
            "SELECT username || memo_name FROM zl_employee WHERE id = 5",
            "veteran老员工",
        ),
        (
            "SELECT username || openid FROM zl_customer WHERE id = 11",
            "老客户o-old",
        ),
        (
            "SELECT content FROM zl_chat WHERE user_id = 5",
            "你好, 还在吗",
        ),
        ("SELECT last_error FROM outbox", "errcode 40001 invalid"),
        ("SELECT verdict FROM pay_notify", "已支付"),
        // The customer's notes: a copy for each company it is bound in, and nothing else.
        (
            "SELECT group_concat(company_id || memo_name || phone || mem || IFNULL(sex, '-'), ',')
             FROM (SELECT * FROM zl_customer_note ORDER BY company_id)",
            "7难缠的13900000011要发票-,8难缠的13900000011要发票-",
        ),
    ] {
        assert_eq!(scalar::<String>(&path, sql), want, "{sql}");
    }
    // A token cached in plain text under the old per-appid name is dropped (issue 14):
    // the next call fetches one and caches it sealed.
    assert_eq!(scalar::<i64>(&path, "SELECT COUNT(*) FROM wechat_token"), 0);
    // Opening again is a no-op, and the server works on the upgraded data.
    drop(Db::open(&path).expect("reopen"));
    assert_eq!(scalar::<i64>(&path, "PRAGMA user_version"), VERSION);
    let client = serve_at(dir.path());
    let json: Value = client
        .post("/zhugeleida/admin/login")
        .header(ContentType::Form)
        .body("username=veteran&password=Old-pass-1")
        .dispatch()
        .into_json()
        .unwrap();
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["user_id"], 5);
}

#[test]
fn an_old_backup_is_restored_as_is_and_upgraded_by_the_next_start() {
    let (dir, live) = stopped_server();
    let old = dir.path().join("old.db");
    version_one_database(&old);
    let done = restore(&live, &old, None).expect("restore old");
    assert_eq!(done.version, 1);
    assert_eq!(scalar::<i64>(&live, "PRAGMA user_version"), 1);
    drop(serve_at(dir.path()));
    assert_eq!(scalar::<i64>(&live, "PRAGMA user_version"), VERSION);
    assert_eq!(usernames(&live), ["elsewhere", "veteran"]);
}

// ---------------------------------------------------------------- metrics and access log

fn metrics_app() -> TestApp {
    TestApp::with(|f| f.merge(("metrics", true)))
}

fn scrape(app: &TestApp) -> String {
    let response = app.client.get("/metrics").dispatch();
    assert_eq!(response.status(), Status::Ok);
    let content_type = response.content_type().unwrap().to_string();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(content_type.contains("version=0.0.4"), "{content_type}");
    response.into_string().unwrap()
}

/// The value of the sample line starting with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[test]
fn metrics_are_not_served_unless_configured() {
    let app = TestApp::new();
    assert_eq!(
        app.client.get("/metrics").dispatch().status(),
        Status::NotFound
    );
}

#[test]
fn metrics_count_requests_by_route_and_status_with_a_latency_histogram() {
    let app = metrics_app();
    for _ in 0..3 {
        app.client.get("/healthz").dispatch();
    }
    app.client.get("/no/such/thing?rand_str=abc").dispatch();
    app.get("/zhugeleida/xiaochengxu/login?code=c1&user_type=2&source=1");
    let text = scrape(&app);

    let series = |route: &str, status: u16| {
        sample(
            &text,
            &format!(
                "leida_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(series("/healthz", 200), Some(3.0), "{text}");
    assert_eq!(series("unmatched", 404), Some(1.0), "{text}");
    assert_eq!(series("/zhugeleida/xiaochengxu/login", 200), Some(1.0));
    assert!(!text.contains("rand_str"));
    let count = sample(&text, "leida_http_request_duration_seconds_count").unwrap();
    assert_eq!(count, 5.0, "the scrape itself is counted after it answers");
    assert_eq!(
        sample(
            &text,
            "leida_http_request_duration_seconds_bucket{le=\"+Inf\"}"
        ),
        Some(5.0)
    );
    let first_bucket = sample(
        &text,
        "leida_http_request_duration_seconds_bucket{le=\"0.001\"}",
    )
    .unwrap();
    assert!(first_bucket <= count);
    assert!(text.contains("# TYPE leida_http_request_duration_seconds histogram"));
    assert!(sample(&text, "leida_db_pool_waits_total").is_some());
    assert!(sample(&text, "leida_db_pool_wait_seconds_total").is_some());

    let again = scrape(&app);
    let scrapes = sample(
        &again,
        "leida_http_requests_total{method=\"GET\",route=\"/metrics\",status=\"200\"}",
    );
    assert_eq!(scrapes, Some(1.0));
}

#[test]
fn metrics_show_the_outbox_pay_notifies_and_counted_events() {
    let app = metrics_app();
    let conn = app.db();
    conn.execute_batch(
        "INSERT INTO outbox (kind, recipient, payload, next_try_at, created_at) VALUES
             ('mini_template', 'a', '{}', 9999999999, 'now');
         INSERT INTO outbox (kind, recipient, payload, next_try_at, last_error, created_at) VALUES
             ('mini_template', 'b', '{}', 9999999999, 'errcode 43101 user refuse to accept the msg', 'now'),
             ('mini_template', 'c', '{}', 9999999999, 'errcode 43101 user refuse to accept the msg', 'now'),
             ('work_push', 'd', '{}', 9999999999, 'errcode 40001 invalid credential', 'now'),
             ('work_push', 'e', '{}', 9999999999, 'HTTP call failed', 'now');
         INSERT INTO outbox (kind, recipient, payload, next_try_at, last_error, created_at, sent_at) VALUES
             ('work_push', 'f', '{}', 0, 'errcode 45009 freq', 'now', 'now');
         INSERT INTO pay_notify (app, body, verdict, create_date) VALUES
             ('zhuge', '', '已支付', 'now'), ('zhuge', '', '已支付', 'now'),
             ('consult', '', '签名无效', 'now');",
    )
    .unwrap();
    leida::events::inc("poster_cache_hit");
    leida::events::inc("poster_cache_hit");
    let text = scrape(&app);

    assert_eq!(sample(&text, "leida_outbox_pending"), Some(5.0), "{text}");
    assert_eq!(
        sample(&text, "leida_outbox_failing{errcode=\"43101\"}"),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, "leida_outbox_failing{errcode=\"40001\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "leida_outbox_failing{errcode=\"none\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "leida_outbox_failing{errcode=\"45009\"}"),
        None
    );
    assert_eq!(
        sample(
            &text,
            "leida_pay_notify_total{app=\"zhuge\",verdict=\"paid\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &text,
            "leida_pay_notify_total{app=\"consult\",verdict=\"bad_signature\"}"
        ),
        Some(1.0)
    );
    // Process-wide counters: other tests may count too, never fewer.
    let hits = sample(&text, "leida_events_total{event=\"poster_cache_hit\"}").unwrap();
    assert!(hits >= 2.0, "{text}");
}

#[test]
fn a_token_refresh_is_counted() {
    let fake = FakeServer::start(|_| {
        (
            200,
            json!({"access_token": "ACCESS", "expires_in": 7200}).to_string(),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("t.db")).unwrap();
    let settings = Settings {
        wechat_api: fake.url.clone(),
        ..Settings::default()
    };
    let wechat = WeChat::new(&settings);
    let app = leida::wechat::mini::MiniApp {
        appid: "wx-metrics".into(),
        secret: "s".into(),
    };
    let before = leida::events::count("wechat_token_refresh");
    assert_eq!(wechat.mini_token(&db, &app).unwrap(), "ACCESS");
    assert_eq!(wechat.mini_token(&db, &app).unwrap(), "ACCESS");
    assert_eq!(
        fake.calls("/cgi-bin/token").len(),
        1,
        "cached the second time"
    );
    assert!(leida::events::count("wechat_token_refresh") > before);
}

#[test]
fn a_stored_poster_counts_as_a_cache_hit_and_a_new_one_as_drawn() {
    let dir = tempfile::tempdir().unwrap();
    let card = leida::poster::PosterCard {
        name: "缓存计数".into(),
        qr_content: "http://127.0.0.1:8000/mp/mingpian?uid=77&source=1".into(),
        ..leida::poster::PosterCard::default()
    };
    let (drawn, hits) = (
        leida::events::count("poster_drawn"),
        leida::events::count("poster_cache_hit"),
    );
    leida::poster::poster_file(dir.path(), &card).unwrap();
    assert!(leida::events::count("poster_drawn") > drawn);
    leida::poster::poster_file(dir.path(), &card).unwrap();
    assert!(leida::events::count("poster_cache_hit") > hits);
}

#[test]
fn the_access_log_line_and_rockets_own_lines_never_carry_the_query_string() {
    let line = leida::metrics::access_line(
        "GET",
        "/zhugeleida/qiyeweixin/user?user_id=1&timestamp=1&rand_str=SECRETSIG",
        200,
        0.0123,
    );
    assert_eq!(line, "GET /zhugeleida/qiyeweixin/user 200 12.3ms");

    let rocket_line = "\u{1b}[32mGET\u{1b}[0m \u{1b}[34m/api/user/signin?phone_number=138&verification_code=123456\u{1b}[0m:";
    let redacted = leida::logging::redact(rocket_line);
    assert_eq!(redacted, "GET /api/user/signin?…:");
    let redacted = leida::logging::redact(
        "No matching routes for GET /x?code=wx-login-code&password=hunter2. Who? me",
    );
    assert_eq!(redacted, "No matching routes for GET /x?… Who? me");
}

// ---------------------------------------------------------------- rate limits

/// Small limits, refilled slowly (one request every 12 or 20 seconds), so that a slow test
/// machine cannot refill a bucket while a test empties it.
const PER_ADDRESS: u32 = 5;
const PER_ACCOUNT: u32 = 3;

fn limited_app() -> TestApp {
    TestApp::with(|f| {
        f.merge(("login_limit_per_address", PER_ADDRESS))
            .merge(("login_limit_per_account", PER_ACCOUNT))
    })
}

fn from(ip: [u8; 4]) -> SocketAddr {
    SocketAddr::from((ip, 40000))
}

fn post_from(app: &TestApp, uri: &str, body: &str, ip: [u8; 4]) -> (Value, Option<String>) {
    let response = app
        .client
        .post(uri.to_string())
        .header(ContentType::Form)
        .body(body)
        .remote(from(ip))
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    let retry = response
        .headers()
        .get_one("Retry-After")
        .map(str::to_string);
    (response.into_json().expect("JSON"), retry)
}

fn get_from(app: &TestApp, uri: &str, ip: [u8; 4]) -> Value {
    let response = app.client.get(uri.to_string()).remote(from(ip)).dispatch();
    assert_eq!(response.status(), Status::Ok);
    response.into_json().expect("JSON")
}

#[test]
fn admin_login_is_limited_per_username_in_the_zhuge_envelope() {
    let app = limited_app();
    app.admin("boss", "甲公司"); // signs in once: the first of boss's tries
    for _ in 1..PER_ACCOUNT {
        let (json, _) = post_from(
            &app,
            "/zhugeleida/admin/login",
            "username=boss&password=wrong-guess",
            [10, 0, 0, 1],
        );
        assert_eq!(json["code"], 401, "{json}");
    }
    // The next try, even with the right password and from elsewhere, is refused unheard.
    let (json, retry) = post_from(
        &app,
        "/zhugeleida/admin/login",
        "username=boss&password=S3cret-pw",
        [10, 0, 0, 2],
    );
    assert_eq!(json["code"], 429, "{json}");
    assert!(json["msg"].as_str().unwrap().contains("请求过于频繁"));
    assert_eq!(json["data"], json!({}));
    let wait: u64 = retry.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another account is not affected, and the count was taken before any handler ran.
    let (json, _) = post_from(
        &app,
        "/zhugeleida/admin/login",
        "username=someone-else&password=x",
        [10, 0, 0, 1],
    );
    assert_eq!(json["code"], 401, "{json}");
    // Other spellings of the path reach the same handler and the same bucket.
    for path in [
        "/zhugeleida//admin/login",
        "/zhugeleida/admin/logi%6E",
        "/zhugeleida/admin/login/",
    ] {
        let (json, _) = post_from(
            &app,
            path,
            "username=boss&password=S3cret-pw",
            [10, 0, 0, 3],
        );
        assert_eq!(json["code"], 429, "{path}: {json}");
    }
    // The query string does not override the body, as in the handlers.
    let (json, _) = post_from(
        &app,
        "/zhugeleida/admin/login?username=decoy",
        "username=boss&password=S3cret-pw",
        [10, 0, 0, 3],
    );
    assert_eq!(json["code"], 429, "{json}");
    // JSON bodies name the account too.
    let response = app
        .client
        .post("/zhugeleida/admin/login")
        .header(ContentType::JSON)
        .body(json!({"username": "BOSS", "password": "S3cret-pw"}).to_string())
        .dispatch();
    assert_eq!(response.into_json::<Value>().unwrap()["code"], 429);
}

#[test]
fn a_username_hidden_behind_padding_shares_one_small_bucket() {
    let app = limited_app();
    let padded = |user: &str| format!("pad={}&username={user}&password=x", "p".repeat(600));
    for n in 0..PER_ACCOUNT {
        let (json, _) = post_from(
            &app,
            "/zhugeleida/admin/login",
            &padded(&format!("user{n}")),
            [10, 6, 0, n as u8],
        );
        assert_eq!(json["code"], 401, "{json}");
    }
    let (json, _) = post_from(
        &app,
        "/zhugeleida/admin/login",
        &padded("another"),
        [10, 6, 1, 1],
    );
    assert_eq!(json["code"], 429, "{json}");
    // An ordinary request for the same account is unaffected.
    let (json, _) = post_from(
        &app,
        "/zhugeleida/admin/login",
        "username=another&password=x",
        [10, 6, 1, 1],
    );
    assert_eq!(json["code"], 401, "{json}");
}

#[test]
fn mini_program_login_is_limited_per_address_and_other_addresses_are_unaffected() {
    let app = limited_app();
    let uri = |n: u32| format!("/zhugeleida/xiaochengxu/login?code=c{n}&user_type=2&source=1");
    for n in 0..PER_ADDRESS {
        assert_eq!(get_from(&app, &uri(n), [10, 0, 0, 9])["code"], 200);
    }
    let customers = app.count("SELECT COUNT(*) FROM zl_customer");
    let json = get_from(&app, &uri(999), [10, 0, 0, 9]);
    assert_eq!(json["code"], 429, "{json}");
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_customer"), customers);
    assert_eq!(get_from(&app, &uri(999), [10, 0, 0, 10])["code"], 200);
}

#[test]
fn consult_sign_in_is_limited_per_phone_in_the_consult_envelope() {
    let app = limited_app();
    let body = |phone: &str| format!("phone_number={phone}&verification_code=000000");
    for _ in 0..PER_ACCOUNT {
        let (json, _) = post_from(
            &app,
            "/api/user/signin",
            &body("13800000001"),
            [10, 1, 0, 1],
        );
        assert_ne!(json["code"], 429, "{json}");
        assert_ne!(json["code"], 0, "{json}");
    }
    let (json, _) = post_from(
        &app,
        "/api/user/signin",
        &body("13800000001"),
        [10, 1, 0, 2],
    );
    assert_eq!(json["code"], 429, "{json}");
    assert_eq!(json["content"], json!([]));
    assert!(json.get("data").is_none());
    let (json, _) = post_from(
        &app,
        "/api/user/signin",
        &body("13800000002"),
        [10, 1, 0, 1],
    );
    assert_ne!(json["code"], 429, "{json}");
    // The SMS endpoint has its own bucket per phone.
    let (json, _) = post_from(
        &app,
        "/api/user/verification_code",
        "phone_number=13800000001",
        [10, 1, 0, 1],
    );
    assert_ne!(json["code"], 429, "{json}");
}

#[test]
fn repair_and_design_sign_in_are_limited_per_address_in_their_envelopes() {
    let app = limited_app();
    for (uri, ip) in [
        ("/api/login", [10, 2, 0, 1]),
        ("/small/getUserInfo", [10, 3, 0, 1]),
    ] {
        for _ in 0..PER_ADDRESS {
            let (json, _) = post_from(&app, uri, "", ip);
            assert_ne!(json["code"], 429, "{uri}: {json}");
        }
        let (json, retry) = post_from(&app, uri, "", ip);
        assert_eq!(json["code"], 429, "{uri}: {json}");
        assert!(retry.is_some());
        let (json, _) = post_from(&app, uri, "", [10, 9, 9, 9]);
        assert_ne!(json["code"], 429, "{uri}: {json}");
    }
    let (json, _) = post_from(&app, "/api/login", "", [10, 2, 0, 1]);
    assert_eq!(json["data"], Value::Null);
    assert!(json.as_object().unwrap().contains_key("data"));
    let (json, _) = post_from(&app, "/small/getUserInfo", "", [10, 3, 0, 1]);
    assert_eq!(json["data"], json!({}));
}

/// Behind a proxy the operator names the header the proxy sets (`ip_header`).
#[test]
fn the_proxy_address_header_separates_clients() {
    let app = TestApp::with(|f| {
        f.merge(("login_limit_per_address", PER_ADDRESS))
            .merge(("ip_header", "X-Real-IP"))
    });
    let uri = "/zhugeleida/xiaochengxu/login?code=x&user_type=2&source=1";
    let send = |real: &str| -> Value {
        app.client
            .get(uri)
            .header(Header::new("X-Real-IP", real.to_string()))
            .dispatch()
            .into_json()
            .unwrap()
    };
    for _ in 0..PER_ADDRESS {
        assert_eq!(send("203.0.113.5")["code"], 200);
    }
    assert_eq!(send("203.0.113.5")["code"], 429);
    assert_eq!(send("203.0.113.6")["code"], 200);
}

#[test]
fn a_limit_of_zero_turns_it_off_and_the_defaults_are_sixty_and_ten() {
    let defaults = Settings::default();
    assert_eq!(
        (
            defaults.login_limit_per_address,
            defaults.login_limit_per_account
        ),
        (60, 10)
    );
    let app = TestApp::with(|f| {
        f.merge(("login_limit_per_address", 0))
            .merge(("login_limit_per_account", 0))
    });
    for _ in 0..3 * PER_ADDRESS {
        let (json, _) = post_from(
            &app,
            "/api/user/signin",
            "phone_number=13800000009&verification_code=1",
            [10, 5, 0, 1],
        );
        assert_ne!(json["code"], 429, "{json}");
    }
}

// ---------------------------------------------------------------- check-credentials

/// A fake WeChat that knows one good mini-program and one good Work WeChat corp.
fn fake_wechat() -> FakeServer {
    FakeServer::start(|r| {
        let answer = match r.path.as_str() {
            "/sns/jscode2session" => {
                match (r.param("appid").as_deref(), r.param("secret").as_deref()) {
                    (Some("wx-good"), Some("good-secret")) => {
                        json!({"errcode": 40029, "errmsg": "invalid code"})
                    }
                    (Some("wx-good"), _) => {
                        json!({"errcode": 40125, "errmsg": "invalid appsecret"})
                    }
                    _ => json!({"errcode": 40013, "errmsg": "invalid appid"}),
                }
            }
            "/cgi-bin/gettoken" => match r.param("corpsecret").as_deref() {
                Some("corp-good") => {
                    json!({"errcode": 0, "errmsg": "ok", "access_token": "W", "expires_in": 7200})
                }
                _ => json!({"errcode": 40001, "errmsg": "invalid credential"}),
            },
            _ => json!({"errcode": -1}),
        };
        (200, answer.to_string())
    })
}

fn credentials_setup(fake: &FakeServer) -> (tempfile::TempDir, Settings, Db, WeChat) {
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        wechat_api: fake.url.clone(),
        work_wechat_api: fake.url.clone(),
        wechat_appid: "wx-good".into(),
        wechat_secret: "good-secret".into(),
        work_wechat_corpid: "corp-1".into(),
        work_wechat_secret: "corp-good".into(),
        ..Settings::default()
    };
    let db = Db::open(&dir.path().join("c.db")).unwrap();
    let wechat = WeChat::new(&settings);
    (dir, settings, db, wechat)
}

#[test]
fn check_credentials_reports_right_configured_credentials_with_wechats_errcodes() {
    let fake = fake_wechat();
    let (_dir, settings, db, wechat) = credentials_setup(&fake);
    let checks = credentials::check(&settings, &db, &wechat, None).unwrap();
    assert_eq!(checks.len(), 2, "no SMS check in SMS dev mode");
    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
    assert_eq!(checks[0].errcode, Some(40029));
    assert!(checks[0].to_string().contains("errcode 40029"));
    assert_eq!(checks[1].errcode, Some(0));

    let call = &fake.calls("/sns/jscode2session")[0];
    assert_eq!(call.param("appid").as_deref(), Some("wx-good"));
    assert_eq!(call.param("secret").as_deref(), Some("good-secret"));
    assert_eq!(call.param("js_code").as_deref(), Some(DUMMY_CODE));
    assert_eq!(
        call.param("grant_type").as_deref(),
        Some("authorization_code")
    );
    let call = &fake.calls("/cgi-bin/gettoken")[0];
    assert_eq!(call.param("corpid").as_deref(), Some("corp-1"));
    assert_eq!(call.param("corpsecret").as_deref(), Some("corp-good"));
    // Nothing was cached: a check is not a sign-in.
    assert_eq!(
        db.reader()
            .unwrap()
            .query_row("SELECT COUNT(*) FROM wechat_token", [], |r| r
                .get::<_, i64>(0))
            .unwrap(),
        0
    );
}

#[test]
fn check_credentials_uses_a_companys_own_and_explains_what_is_wrong() {
    let fake = fake_wechat();
    let (_dir, settings, db, wechat) = credentials_setup(&fake);
    // Secrets stored sealed, as the credentials endpoint stores them (issue 14).
    let seal = |column, plain| db.secrets().seal(column, plain).unwrap();
    let (mistyped, wrong, s) = (
        seal(MP_SECRET, "mistyped"),
        seal(WORK_SECRET, "wrong"),
        seal(MP_SECRET, "s"),
    );
    db.tx_blocking(|c| {
        c.execute(
            "INSERT INTO zl_company (id, name, mp_appid, mp_secret, work_corp_id, work_secret, create_date)
                 VALUES (4, '乙公司', 'wx-good', ?1, 'corp-4', ?2, 'now')",
            [mistyped, wrong],
        )?;
        c.execute(
            "INSERT INTO zl_company (id, name, mp_appid, mp_secret, create_date)
                 VALUES (5, '丙公司', 'wx-typo', ?1, 'now')",
            [s],
        )?;
        Ok(())
    })
    .unwrap();

    let checks = credentials::check(&settings, &db, &wechat, Some(4)).unwrap();
    assert!(!checks[0].ok);
    assert_eq!(checks[0].errcode, Some(40125));
    assert!(checks[0].meaning.contains("secret 无效"), "{:?}", checks[0]);
    assert!(checks[0].subject.contains("公司设置"));
    assert!(!checks[1].ok);
    assert_eq!(checks[1].errcode, Some(40001));
    let call = fake.calls("/cgi-bin/gettoken").pop().unwrap();
    assert_eq!(call.param("corpid").as_deref(), Some("corp-4"));

    // Company 5 has its own mini-program (wrong appid) and falls back to the configured corp.
    let checks = credentials::check(&settings, &db, &wechat, Some(5)).unwrap();
    assert_eq!(checks[0].errcode, Some(40013));
    assert!(checks[0].meaning.contains("appid 无效"));
    assert!(checks[1].ok);
    assert!(checks[1].subject.contains("公司未设置"));

    let err = credentials::check(&settings, &db, &wechat, Some(99)).unwrap_err();
    assert_eq!(err.code.number(), 302);
}

#[test]
fn check_credentials_says_when_nothing_is_configured_or_wechat_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&dir.path().join("c.db")).unwrap();
    let settings = Settings::default();
    let checks = credentials::check(&settings, &db, &WeChat::new(&settings), None).unwrap();
    assert!(checks.iter().all(|c| !c.ok && c.errcode.is_none()));
    assert!(checks[0].meaning.contains("未配置"));

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let settings = Settings {
        wechat_api: url.clone(),
        work_wechat_api: url,
        wechat_appid: "wx".into(),
        wechat_secret: "s".into(),
        work_wechat_corpid: "c".into(),
        work_wechat_secret: "s".into(),
        ..Settings::default()
    };
    let checks = credentials::check(&settings, &db, &WeChat::new(&settings), None).unwrap();
    assert!(checks.iter().all(|c| !c.ok && c.errcode.is_none()));
    assert!(checks[0].meaning.contains("无法连接"), "{:?}", checks[0]);
}
