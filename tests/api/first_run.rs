//! The first run in the browser: on a database without employees the server prints a
//! one-time setup link; whoever opens it creates the first administrator and company and is
//! signed in. Used once, the link is dead; until then every start prints the same one.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::common::{urlencode, Signer, TestApp};
use leida::zhuge::data::setup;

fn pending_token(app: &TestApp) -> Option<String> {
    setup::pending_token(&app.db(), &app.secrets()).expect("pending token")
}

fn set_up(app: &TestApp, token: &str, username: &str, password: &str) -> serde_json::Value {
    let body = format!(
        "token={}&username={username}&password={password}&company={}",
        urlencode(token),
        urlencode("合众康桥")
    );
    app.post_form("/zhugeleida/admin/setup", &body)
}

fn valid(app: &TestApp, token: &str) -> serde_json::Value {
    app.get(&format!(
        "/zhugeleida/admin/setup?token={}",
        urlencode(token)
    ))["data"]["valid"]
        .clone()
}

#[test]
fn the_setup_link_creates_the_first_administrator_once_and_signs_them_in() {
    let app = TestApp::new();
    let token = pending_token(&app).expect("a fresh database has a setup token");
    assert_eq!(
        pending_token(&app).as_deref(),
        Some(token.as_str()),
        "the same link"
    );
    assert_eq!(valid(&app, &token), true);
    assert_eq!(valid(&app, "not-the-token"), false);

    let wrong = set_up(&app, "not-the-token", "boss", "S3cret-pw");
    assert_eq!(wrong["code"], 400, "{wrong}");
    let short = set_up(&app, &token, "boss", "12345");
    assert_eq!(short["code"], 303, "{short}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_employee"),
        0,
        "nothing half-made"
    );

    let done = set_up(&app, &token, "boss", "S3cret-pw");
    assert_eq!(done["code"], 200, "{done}");
    let boss = Signer {
        user_id: done["data"]["user_id"].as_i64().unwrap(),
        token: done["data"]["token"].as_str().unwrap().to_string(),
    };
    // Signed in as a full administrator of the new company.
    let users = app.get(&boss.uri("/zhugeleida/qiyeweixin/user", ""));
    assert_eq!(users["code"], 200, "{users}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_company WHERE name = '合众康桥'"),
        1
    );
    app.login("boss", "S3cret-pw");

    // Used up: the link and any other token are dead, and no new one is made.
    assert_eq!(valid(&app, &token), false);
    let again = set_up(&app, &token, "intruder", "S3cret-pw");
    assert_eq!(again["code"], 403, "{again}");
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_employee"), 1);
    assert_eq!(pending_token(&app), None);
    assert_eq!(app.count("SELECT COUNT(*) FROM setup_token"), 0);
}

#[test]
fn a_server_with_an_administrator_has_no_setup_link() {
    let app = TestApp::new();
    app.admin("boss", "合众康桥");
    assert_eq!(pending_token(&app), None);
    let json = set_up(&app, "anything", "intruder", "S3cret-pw");
    assert_eq!(json["code"], 403, "{json}");
}

#[test]
fn the_token_is_sealed_at_rest() {
    let app = TestApp::new();
    let token = pending_token(&app).unwrap();
    let stored: String = app
        .db()
        .query_row("SELECT token FROM setup_token", [], |r| r.get(0))
        .unwrap();
    assert!(!stored.contains(&token), "{stored}");
}

/// Starts the binary on `dir`'s database, returns the setup link it printed (if any).
fn printed_link(dir: &std::path::Path) -> Option<String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leida"))
        .env("ROCKET_DB_PATH", dir.join("leida.db"))
        .env("ROCKET_DATA_DIR", dir.join("files"))
        .env("ROCKET_PORT", port.to_string())
        .env("ROCKET_PUBLIC_URL", "https://leida.example.com")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start leida");
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let found = line
                .trim()
                .starts_with("https://leida.example.com/console/#/setup");
            if found {
                let _ = tx.send(Some(line.trim().to_string()));
                return;
            }
            if line.contains("Rocket has launched") {
                let _ = tx.send(None);
                return;
            }
        }
        let _ = tx.send(None);
    });
    let link = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the server starts");
    let _ = child.kill();
    let _ = child.wait();
    link
}

#[test]
fn each_start_prints_the_same_link_until_an_administrator_exists() {
    let dir = tempfile::tempdir().unwrap();
    let first = printed_link(dir.path()).expect("a fresh database prints a link");
    assert!(first.contains("?token="), "{first}");
    assert_eq!(printed_link(dir.path()).as_deref(), Some(first.as_str()));

    let hash = leida::password::hash("S3cret-pw").unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("leida.db")).unwrap();
    leida::zhuge::data::admin::ensure_admin(&conn, "boss", &hash, None).unwrap();
    assert_eq!(printed_link(dir.path()), None);
}
