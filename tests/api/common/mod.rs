//! The test harness: a server on a temporary database, signers for both principals,
//! and a fake WeChat.

pub mod fake;

use rocket::figment::Figment;
use rocket::http::{ContentType, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

pub use fake::FakeServer;

pub struct TestApp {
    pub client: Client,
    pub dir: TempDir,
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with(|f| f)
    }

    /// A server whose configuration `tweak` may change (point `wechat_api` at a fake...).
    pub fn with(tweak: impl FnOnce(Figment) -> Figment) -> TestApp {
        TestApp::in_dir(tempfile::tempdir().expect("temp dir"), tweak)
    }

    /// Stops this server and starts another on the same database and files (a restart).
    pub fn restart(self, tweak: impl FnOnce(Figment) -> Figment) -> TestApp {
        let TestApp { client, dir } = self;
        drop(client);
        TestApp::in_dir(dir, tweak)
    }

    fn in_dir(dir: TempDir, tweak: impl FnOnce(Figment) -> Figment) -> TestApp {
        let figment = rocket::Config::figment()
            .merge(("db_path", dir.path().join("db").join("leida.db")))
            .merge(("data_dir", dir.path().join("files")))
            .merge(("log_level", "off"))
            .merge(("ip_header", false))
            .merge(("wechat_appid", ""));
        let rocket = leida::build(tweak(figment)).expect("server builds");
        TestApp {
            client: Client::tracked(rocket).expect("valid rocket"),
            dir,
        }
    }

    /// A direct connection, to prove what a request did or did not write.
    pub fn db(&self) -> Connection {
        Connection::open(self.dir.path().join("db").join("leida.db")).expect("open db")
    }

    /// The server's key, to seal values a test stores directly and to open stored ones.
    pub fn secrets(&self) -> leida::secrets::Secrets {
        let db = self.client.rocket().state::<leida::db::Db>().expect("db");
        db.secrets().clone()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db()
            .query_row(sql, [], |r| r.get(0))
            .expect("count query")
    }

    /// An administrator made through the CLI's code path, signed in through the login route.
    pub fn admin(&self, username: &str, company: &str) -> Signer {
        let hash = leida::password::hash("S3cret-pw").expect("hash");
        let conn = self.db();
        leida::zhuge::data::admin::ensure_admin(&conn, username, &hash, Some(company))
            .expect("admin");
        self.login(username, "S3cret-pw")
    }

    /// Grants a design level or repair role through `leida promote`'s code path.
    pub fn promote(&self, app: &str, who: &str, role: &str) {
        leida::ops::promote::promote(&self.db(), app, who, role).expect("promote");
    }

    pub fn login(&self, username: &str, password: &str) -> Signer {
        let body = format!("username={username}&password={password}");
        let json = self.post_form("/zhugeleida/admin/login", &body);
        assert_eq!(json["code"], 200, "login: {json}");
        Signer {
            user_id: json["data"]["user_id"].as_i64().expect("user_id"),
            token: json["data"]["token"].as_str().expect("token").to_string(),
        }
    }

    /// A mini-program customer signed in through `login` in offline dev mode.
    pub fn customer(&self, code: &str) -> Signer {
        let json = self.get(&format!(
            "/zhugeleida/xiaochengxu/login?code={code}&user_type=2&source=1"
        ));
        assert_eq!(json["code"], 200, "customer login: {json}");
        Signer {
            user_id: json["data"]["cid"].as_i64().expect("cid"),
            token: json["data"]["token"].as_str().expect("token").to_string(),
        }
    }

    /// Binds `customer` to the card of employee `uid`, as the mini-program does on a scan.
    pub fn bind(&self, customer: &Signer, uid: i64) {
        let bind = customer.uri(
            "/zhugeleida/xiaochengxu/login/binding",
            &format!("uid={uid}"),
        );
        assert_eq!(self.get(&bind)["code"], 200, "binding");
    }

    /// The usual cast: `boss`, administrator of 合众康桥, and customer `c1` bound to their card.
    pub fn boss_and_customer(&self) -> (Signer, Signer) {
        let boss = self.admin("boss", "合众康桥");
        let customer = self.customer("c1");
        self.bind(&customer, boss.user_id);
        (boss, customer)
    }

    pub fn get(&self, uri: &str) -> Value {
        envelope(self.client.get(uri.to_string()).dispatch())
    }

    pub fn post_form(&self, uri: &str, body: &str) -> Value {
        envelope(
            self.client
                .post(uri.to_string())
                .header(ContentType::Form)
                .body(body)
                .dispatch(),
        )
    }

    pub fn post_json(&self, uri: &str, body: &Value) -> Value {
        envelope(
            self.client
                .post(uri.to_string())
                .header(ContentType::JSON)
                .body(body.to_string())
                .dispatch(),
        )
    }
}

/// Every Leida answer is HTTP 200 with a JSON envelope.
pub fn envelope(response: LocalResponse<'_>) -> Value {
    assert_eq!(response.status(), Status::Ok, "every answer is HTTP 200");
    let json: Value = response.into_json().expect("JSON envelope");
    assert!(
        json.get("code").is_some() && json.get("msg").is_some() && json.get("data").is_some(),
        "{json}"
    );
    json
}

pub struct Signer {
    pub user_id: i64,
    pub token: String,
}

impl Signer {
    /// `user_id`, `timestamp` and `rand_str` for now.
    pub fn query(&self) -> String {
        self.query_at(chrono::Utc::now().timestamp_millis())
    }

    pub fn query_at(&self, ts: i64) -> String {
        let sig = md5::compute(format!("{ts}{}", self.token));
        format!("user_id={}&timestamp={ts}&rand_str={sig:x}", self.user_id)
    }

    /// `path?signature&extra`.
    pub fn uri(&self, path: &str, extra: &str) -> String {
        if extra.is_empty() {
            format!("{path}?{}", self.query())
        } else {
            format!("{path}?{}&{extra}", self.query())
        }
    }
}

/// Waits (up to 8 s) for something a background task does, such as an outbox delivery.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(8),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Percent-encodes a form value (JSON text in a form body).
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every `(table, column)` of the database, for checks that search all stored text.
pub fn table_columns(conn: &Connection) -> Vec<(String, String)> {
    conn.prepare(
        "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
         WHERE m.type = 'table'",
    )
    .expect("columns")
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
    .expect("columns")
    .collect::<Result<_, _>>()
    .expect("columns")
}
