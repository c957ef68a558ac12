//! The fuzzer: walks every route of the table in `src/docs/table.rs` (which a test keeps
//! equal to the mounted routes) on a demo database, signed in as the right caller, and
//! sends missing, empty, wrongly typed, huge, negative, non-UTF-8 and SQL-looking values
//! for every parameter, one at a time, the others kept at valid-looking values.
//!
//! What is asserted, for every request:
//! - never HTTP 500, and never the internal-error answer ("服务器内部错误"): no panic, no
//!   unhandled database error;
//! - the answer is the app's envelope: HTTP 200, JSON with `code`, `msg` and `data` (or
//!   consult's `content`) — pay notifies always answer WeChat's XML (an unreadable or
//!   oversized body too), files and health answer raw; `/api/<not a side>/login`, a path
//!   no route serves, is refused in the marketplace's envelope;
//! - a value that cannot be valid is refused (a `code` other than the app's success code):
//!   a missing or empty required parameter; anything but a number for an `int`, `id`,
//!   `num` or `date` parameter (wrong type, 30 digits, non-UTF-8, SQL); a negative `id`;
//!   a body that is not JSON, not UTF-8 or too large; no signature or session where the
//!   route needs one. A parameter marked `~` in the table (read only by some `action`s) may
//!   be ignored. Other values may be accepted (a negative filter, SQL-looking text
//!   stored as text): then only the first two points hold;
//! - a refused request changed nothing: a hash of every row of every table is the same
//!   after it as before (the token cache and the outbox worker's bookkeeping are left
//!   out; the outbox's ids are in). Pay notifies are allowed one new `pay_notify` row,
//!   the ledger of refused notifies.
//!
//! One value per kind of fault by default (about 20 s); `LEIDA_FUZZ_FULL=1` sends several.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use leida::docs::{App, Body, Caller, Kind, Op, Param, Place, ROUTES};
use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::blocking::LocalResponse;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::common::{FakeServer, Signer, TestApp};

const INTERNAL: &str = "服务器内部错误";
/// The huge text value sent by default; no field may store more than `text::NOTE` of it.
const HUGE_TEXT: usize = 20_000;
const UPLOAD_MAX: u64 = 256 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Missing,
    Empty,
    WrongType,
    Huge,
    Negative,
    NonUtf8,
    Sql,
}

const FAULTS: [Fault; 7] = [
    Fault::Missing,
    Fault::Empty,
    Fault::WrongType,
    Fault::Huge,
    Fault::Negative,
    Fault::NonUtf8,
    Fault::Sql,
];

fn full() -> bool {
    std::env::var("LEIDA_FUZZ_FULL").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Percent-encodes every byte but ASCII letters and digits.
fn enc(raw: &str) -> String {
    raw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The values (already percent-encoded) sent for `fault` in a parameter of `kind`;
/// `None` = leave the parameter out.
fn values(fault: Fault, kind: Kind) -> Vec<Option<String>> {
    let numeric = matches!(kind, Kind::Int | Kind::Id | Kind::Num | Kind::Date);
    let mut out: Vec<String> = match fault {
        Fault::Missing => return vec![None],
        Fault::Empty => vec![String::new(), enc("   ")],
        Fault::WrongType if numeric => vec![enc("abc"), enc("1.5x"), enc("[1]")],
        Fault::WrongType if kind == Kind::Json => vec![enc("{not json"), enc("\"text\"")],
        Fault::WrongType => vec![enc(r#"{"a":[1,{"b":null}]}"#), enc("true")],
        Fault::Huge if numeric => vec!["9".repeat(30), enc("1e400"), "9".repeat(19)],
        // Under the form body limit (64 KiB), so the value reaches the handler.
        Fault::Huge => vec![
            "x".repeat(HUGE_TEXT),
            "x".repeat(70_000),
            enc(&"中".repeat(5_000)),
        ],
        Fault::Negative => vec![enc("-1"), enc("-9223372036854775808"), "0".into()],
        Fault::NonUtf8 => vec!["%FF%FE%FD".into(), "a%C3%28b".into()],
        Fault::Sql => vec![
            enc("1' OR '1'='1"),
            enc("x'); DROP TABLE zl_employee;--"),
            enc("1 UNION SELECT password_hash FROM zl_employee"),
        ],
    };
    if !full() {
        out.truncate(1);
    }
    out.into_iter().map(Some).collect()
}

/// Whether `fault` in a parameter like `p` can never be valid (see the module comment).
fn must_refuse(fault: Fault, p: &Param) -> bool {
    if p.conditional {
        return false;
    }
    let numeric = matches!(p.kind, Kind::Int | Kind::Id | Kind::Num | Kind::Date);
    match fault {
        Fault::Missing | Fault::Empty => p.required,
        Fault::WrongType | Fault::NonUtf8 | Fault::Sql => numeric,
        // `1e400` is not a finite number, 30 digits overflow every integer type.
        Fault::Huge => numeric && p.kind != Kind::Date,
        Fault::Negative => p.kind == Kind::Id,
    }
}

/// The callers of every kind, all from the demo data.
struct Callers {
    employee: Signer,
    customer: Signer,
    openid: String,
    buyer: String,
    consultant: String,
    member: String,
}

struct Fuzz {
    app: TestApp,
    _fake: FakeServer,
    callers: Callers,
    db: Connection,
    print: u64,
    version: i64,
    failures: Vec<String>,
    requests: usize,
    refused: usize,
}

/// One request: the parameters are already percent-encoded.
struct Call {
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<(ContentType, Vec<u8>)>,
    bearer: Option<String>,
}

impl Fuzz {
    fn new() -> Fuzz {
        // Every outside service answers "ok" so that no refusal is an upstream failure.
        let fake = FakeServer::start(|_| {
            (
                200,
                json!({"errcode": 0, "errmsg": "ok", "access_token": "fuzz-token",
                       "expires_in": 7200, "UserId": "fuzz-user", "openid": "o-fuzz",
                       "session_key": "c2Vzc2lvbi1rZXktMTIzNA=="})
                .to_string(),
            )
        });
        let url = &fake.url;
        // Untracked: no cookie a sign-in set may stand in for a missing session.
        let dir = tempfile::tempdir().expect("temp dir");
        let figment = rocket::Config::figment()
            .merge(("db_path", dir.path().join("db").join("leida.db")))
            .merge(("data_dir", dir.path().join("files")))
            .merge(("log_level", "off"))
            .merge(("wechat_appid", ""))
            .merge(("wechat_api", url.clone()))
            .merge(("work_wechat_api", url.clone()))
            .merge(("pay_api", url.clone()))
            .merge(("sms_api", format!("{url}/sms")))
            .merge(("upload_max_bytes", UPLOAD_MAX));
        let rocket = leida::build(figment).expect("server builds");
        let client = rocket::local::blocking::Client::untracked(rocket).expect("valid rocket");
        let app = TestApp { client, dir };
        let db_path = app.dir.path().join("db").join("leida.db");
        let demo = leida::db::Db::open(&db_path).expect("open demo db");
        leida::demo::fill(&demo).expect("demo data");
        drop(demo);
        let callers = sign_in(&app);
        let db = app.db();
        let mut fuzz = Fuzz {
            app,
            _fake: fake,
            callers,
            db,
            print: 0,
            version: 0,
            failures: Vec::new(),
            requests: 0,
            refused: 0,
        };
        fuzz.print = fuzz.fingerprint(&[]);
        fuzz.version = fuzz.data_version();
        fuzz
    }

    /// A hash of every row of every table (see the module comment for what is left out).
    /// SQLite's count of commits by other connections: unchanged means nothing was written.
    fn data_version(&self) -> i64 {
        self.db
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .expect("data_version")
    }

    fn fingerprint(&self, skip: &[&str]) -> u64 {
        let mut hasher = DefaultHasher::new();
        let mut tables = self
            .db
            .prepare_cached("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .expect("tables");
        let names: Vec<String> = tables
            .query_map([], |r| r.get(0))
            .expect("tables")
            .collect::<Result<_, _>>()
            .expect("tables");
        for name in names {
            let sql = match name.as_str() {
                "wechat_token" => continue,
                name if skip.contains(&name) => continue,
                "outbox" => "SELECT id FROM outbox ORDER BY id".to_string(),
                // A full scan reads rows in key order, the same order for the same rows.
                _ => format!("SELECT * FROM \"{name}\""),
            };
            name.hash(&mut hasher);
            let mut stmt = self.db.prepare_cached(&sql).expect("select");
            let width = stmt.column_count();
            let mut rows = stmt.query([]).expect("rows");
            while let Some(row) = rows.next().expect("row") {
                for i in 0..width {
                    match row.get_ref(i).expect("value") {
                        ValueRef::Null => 0u8.hash(&mut hasher),
                        ValueRef::Integer(v) => v.hash(&mut hasher),
                        ValueRef::Real(v) => v.to_bits().hash(&mut hasher),
                        ValueRef::Text(v) | ValueRef::Blob(v) => v.hash(&mut hasher),
                    }
                }
            }
        }
        hasher.finish()
    }

    fn send(&self, call: &Call) -> LocalResponse<'_> {
        let mut uri = call.path.clone();
        if !call.query.is_empty() {
            let pairs: Vec<String> = call.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            uri = format!("{uri}?{}", pairs.join("&"));
        }
        let mut req = self.app.client.req(call.method, uri);
        if let Some(token) = &call.bearer {
            req = req.header(Header::new("Authorization", format!("Bearer {token}")));
        }
        if let Some((ct, body)) = &call.body {
            req = req.header(ct.clone()).body(body);
        }
        req.dispatch()
    }

    /// Sends `call` and checks the answer (module comment); `what` names the case.
    fn check(&mut self, op: &Op, call: &Call, what: &str, refuse: bool) {
        let skip = may_write_when_refused(op);
        let before = if skip.is_empty() {
            self.print
        } else {
            self.fingerprint(skip)
        };
        let (status, content_type, bytes) = {
            let response = self.send(call);
            let (status, content_type) = (response.status(), response.content_type());
            // An accepted event stream never ends: its acceptance is the answer.
            if status == Status::Ok && content_type == Some(ContentType::EventStream) {
                drop(response);
                self.requests += 1;
                return;
            }
            // An accepted download (a firm's archive) is a zip, not an envelope.
            if status == Status::Ok && content_type == Some(ContentType::ZIP) {
                let bytes = response.into_bytes().unwrap_or_default();
                assert!(
                    bytes.starts_with(b"PK"),
                    "{what}: a download is a zip archive"
                );
                self.requests += 1;
                return;
            }
            (
                status,
                content_type,
                response.into_bytes().unwrap_or_default(),
            )
        };
        self.requests += 1;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let mut problems: Vec<String> = Vec::new();
        let mut fail = |why: String| problems.push(why);
        if status.code >= 500 {
            fail("server error".into());
        }
        let refused = match (op.app, op.body()) {
            (App::Server, _) => status != Status::Ok,
            // WeChat's XML, whatever the body was (too large, not UTF-8 included).
            (_, Body::Xml) => {
                if !text.contains("return_code") {
                    fail("a notify answers WeChat's XML".into());
                }
                !(text.contains("<return_code><![CDATA[SUCCESS]]>")
                    || text.contains("<return_code>SUCCESS</return_code>"))
            }
            (app, _) => {
                let envelope = serde_json::from_slice::<Value>(&bytes).ok().filter(|v| {
                    v["code"].is_i64()
                        && v["msg"].is_string()
                        && v.get(app.payload_key().unwrap_or("data")).is_some()
                });
                match envelope {
                    None => {
                        fail(format!("not the {} envelope ({content_type:?})", app.tag()));
                        true
                    }
                    Some(envelope) => {
                        if status != Status::Ok {
                            fail("an envelope comes with HTTP 200".into());
                        }
                        if envelope["msg"] == INTERNAL {
                            fail("internal error".into());
                        }
                        Some(envelope["code"].as_i64().unwrap_or(-1)) != app.success_code()
                    }
                }
            }
        };
        if refuse && !refused {
            fail("accepted a value that cannot be valid".into());
        }
        let version = self.data_version();
        if refused {
            self.refused += 1;
            if version != self.version && self.fingerprint(skip) != before {
                problems.push("a refused request changed the database".into());
            }
        }
        if version != self.version {
            self.print = self.fingerprint(&[]);
            self.version = version;
        }
        let shown: String = text.chars().take(200).collect();
        for why in problems {
            self.failures.push(format!(
                "{} {} [{what}]: {why} — HTTP {status}, {shown}",
                op.method, op.path
            ));
        }
    }

    /// No text column holds more of the huge value than the longest field may (`text::NOTE`):
    /// every stored free-text field is refused or cut beyond its limit.
    fn nothing_stored_whole(&mut self, op: &Op, what: &str) {
        let run = "x".repeat(leida::text::NOTE.chars() + 1);
        let columns = crate::common::table_columns(&self.db);
        for (table, column) in columns {
            let sql = format!("SELECT COUNT(*) FROM \"{table}\" WHERE instr(\"{column}\", ?1) > 0");
            let found: i64 = self
                .db
                .query_row(&sql, [&run], |r| r.get(0))
                .expect("search");
            if found > 0 {
                self.failures.push(format!(
                    "{} {} [{what}]: {table}.{column} stored a huge value whole",
                    op.method, op.path
                ));
            }
        }
    }

    /// The valid-looking value of a parameter when it is not the one under test.
    fn baseline(&self, p: &Param) -> String {
        let c = &self.callers;
        match p.name.as_str() {
            "openid" => return enc(&c.openid),
            "uid" | "u_id" => return c.employee.user_id.to_string(),
            "customer_id" => return c.customer.user_id.to_string(),
            _ => {}
        }
        if let Some(example) = &p.example {
            return enc(example);
        }
        match p.kind {
            Kind::Id | Kind::Int | Kind::Num => "1".into(),
            Kind::Date => "2026-01-01".into(),
            Kind::Json => enc("{}"),
            Kind::Str | Kind::File | Kind::Xml => "fuzz".into(),
        }
    }

    /// The request for `op` with `fields` (name, encoded value) and path parameter values.
    fn call(
        &self,
        op: &Op,
        path_values: &[String],
        fields: &[(String, String)],
        signed: bool,
    ) -> Call {
        let mut values = path_values.iter();
        let path = op
            .path
            .split('/')
            .map(|seg| {
                if seg.starts_with('<') {
                    values.next().cloned().unwrap_or_default()
                } else {
                    seg.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let mut query = Vec::new();
        let mut bearer = None;
        if signed {
            let c = &self.callers;
            match op.caller {
                Caller::Employee => query.extend(signature(&c.employee)),
                Caller::Customer => query.extend(signature(&c.customer)),
                Caller::Buyer => bearer = Some(c.buyer.clone()),
                Caller::Consultant => bearer = Some(c.consultant.clone()),
                Caller::Member => bearer = Some(c.member.clone()),
                Caller::Public | Caller::Openid => {}
            }
        }
        let body = match op.body() {
            Body::None => {
                query.extend(fields.iter().cloned());
                None
            }
            _ => {
                let encoded: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                Some((ContentType::Form, encoded.join("&").into_bytes()))
            }
        };
        Call {
            method: op.method.parse().expect("an HTTP method"),
            path,
            query,
            body,
            bearer,
        }
    }

    fn baseline_fields(&self, fields: &[Param]) -> Vec<(String, String)> {
        fields
            .iter()
            .filter(|p| p.required || p.example.is_some() || p.name == "openid")
            .map(|p| (p.name.clone(), self.baseline(p)))
            .collect()
    }

    fn route(&mut self, op: &Op) {
        let params = op.parameters();
        let (path_params, fields): (Vec<Param>, Vec<Param>) =
            params.into_iter().partition(|p| p.place == Place::Path);
        let path_base: Vec<String> = path_params.iter().map(|p| self.baseline(p)).collect();
        let base = self.baseline_fields(&fields);

        let call = self.call(op, &path_base, &base, true);
        self.check(op, &call, "baseline", false);
        if !matches!(op.caller, Caller::Public | Caller::Openid) {
            let call = self.call(op, &path_base, &base, false);
            self.check(op, &call, "unsigned", true);
        }
        for (i, p) in path_params.iter().enumerate() {
            // An empty segment addresses another route, not this one with a bad value.
            for fault in FAULTS
                .into_iter()
                .filter(|f| !matches!(f, Fault::Missing | Fault::Empty))
            {
                for value in values(fault, p.kind).into_iter().flatten() {
                    let mut path_values = path_base.clone();
                    path_values[i] = value;
                    let call = self.call(op, &path_values, &base, true);
                    let what = format!("path {} {fault:?}", p.name);
                    // `/api/<not a side>/...` is no route, refused in the marketplace's envelope.
                    let refuse = p.name == "kind" || must_refuse(fault, p);
                    self.check(op, &call, &what, refuse);
                }
            }
        }
        for p in fields
            .iter()
            .filter(|p| !matches!(p.kind, Kind::File | Kind::Xml))
        {
            for fault in FAULTS {
                for value in values(fault, p.kind) {
                    let mut with: Vec<(String, String)> =
                        base.iter().filter(|(k, _)| *k != p.name).cloned().collect();
                    if let Some(value) = value {
                        with.push((p.name.clone(), value));
                    }
                    let call = self.call(op, &path_base, &with, true);
                    let what = format!("{} {fault:?}", p.name);
                    let version = self.version;
                    self.check(op, &call, &what, must_refuse(fault, p));
                    if fault == Fault::Huge && self.version != version {
                        self.nothing_stored_whole(op, &what);
                    }
                }
            }
            if op.body() == Body::Fields {
                self.json_values(op, &path_base, &fields, p);
            }
        }
        match op.body() {
            Body::Fields if !fields.is_empty() => self.bad_bodies(op, &path_base),
            Body::Multipart => self.uploads(op, &path_base, &fields),
            Body::Xml => self.notifies(op),
            Body::Fields | Body::None => {}
        }
    }

    /// The same fields as JSON, with `p` of the wrong JSON type.
    fn json_values(&mut self, op: &Op, path_base: &[String], fields: &[Param], p: &Param) {
        let strict = !p.conditional;
        let numeric = strict && matches!(p.kind, Kind::Int | Kind::Id | Kind::Num | Kind::Date);
        let mut cases = vec![
            (json!([1, 2]), numeric),
            (json!(-1), strict && p.kind == Kind::Id),
            (Value::Null, p.required),
        ];
        if full() {
            cases.extend([(json!({"a": 1}), numeric), (json!(true), numeric)]);
        }
        for (value, refuse) in cases {
            let mut object = serde_json::Map::new();
            for f in fields
                .iter()
                .filter(|f| f.required || f.example.is_some() || f.name == "openid")
            {
                let raw = self.baseline(f);
                let plain = rocket::http::RawStr::new(&raw)
                    .url_decode_lossy()
                    .into_owned();
                object.insert(f.name.clone(), json!(plain));
            }
            object.insert(p.name.clone(), value.clone());
            let mut call = self.call(op, path_base, &[], true);
            call.body = Some((
                ContentType::JSON,
                Value::Object(object).to_string().into_bytes(),
            ));
            self.check(op, &call, &format!("json {} = {value}", p.name), refuse);
        }
    }

    /// Bodies no route may accept: broken JSON, bytes that are not UTF-8, too large.
    fn bad_bodies(&mut self, op: &Op, path_base: &[String]) {
        let cases: [(ContentType, Vec<u8>, &str); 4] = [
            (ContentType::JSON, br#"{"a": "#.to_vec(), "broken JSON"),
            (ContentType::JSON, b"[1, 2]".to_vec(), "JSON list"),
            (
                ContentType::Form,
                b"a=\xff\xfe&b=\xc3\x28".to_vec(),
                "non-UTF-8 body",
            ),
            (ContentType::Form, vec![b'a'; 2 * 1024 * 1024], "2 MiB body"),
        ];
        for (ct, body, what) in cases {
            let mut call = self.call(op, path_base, &[], true);
            let refuse = what != "JSON list"
                || op
                    .parameters()
                    .iter()
                    .any(|p| p.required && p.place == Place::Field);
            call.body = Some((ct, body));
            self.check(op, &call, what, refuse);
        }
    }

    fn uploads(&mut self, op: &Op, path_base: &[String], fields: &[Param]) {
        let openid = fields
            .iter()
            .any(|p| p.name == "openid")
            .then(|| self.callers.openid.clone());
        let png = tiny_png();
        let cases: Vec<(&str, Option<Vec<u8>>, bool)> = vec![
            ("a PNG", Some(png.clone()), false),
            ("no file", None, true),
            (
                "not an image",
                Some(b"GIF89a? no, plain text".to_vec()),
                true,
            ),
            ("empty file", Some(Vec::new()), true),
            ("a PNG cut short", Some(png[..png.len() / 2].to_vec()), true),
            (
                "too large",
                Some(vec![0x89; UPLOAD_MAX as usize + 1024]),
                true,
            ),
        ];
        for (what, file, refuse) in cases {
            let mut call = self.call(op, path_base, &[], true);
            call.body = Some(multipart(openid.as_deref(), file.as_deref()));
            self.check(op, &call, what, refuse);
        }
        if openid.is_some() {
            let mut call = self.call(op, path_base, &[], true);
            call.body = Some(multipart(Some("o-nobody"), Some(&png)));
            self.check(op, &call, "unknown openid", true);
        }
        let mut call = self.call(op, path_base, &[], true);
        call.body = Some((ContentType::Form, b"file=abc".to_vec()));
        self.check(op, &call, "urlencoded instead of multipart", true);
        let mut call = self.call(op, path_base, &[], true);
        let (ct, _) = multipart(None, Some(&png));
        call.body = Some((ct, b"--wrong-boundary\r\nnonsense".to_vec()));
        self.check(op, &call, "broken multipart", true);
    }

    /// Pay notifies: nothing but a correctly signed notify for a real order is accepted.
    fn notifies(&mut self, op: &Op) {
        let cases: [(&str, Vec<u8>); 7] = [
            ("empty", Vec::new()),
            ("not XML", b"hello".to_vec()),
            (
                "external entity",
                br#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><return_code>&e;</return_code></xml>"#.to_vec(),
            ),
            (
                "unsigned",
                b"<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><out_trade_no>1</out_trade_no><total_fee>1</total_fee></xml>".to_vec(),
            ),
            (
                "wrong signature",
                b"<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><out_trade_no>1' OR '1'='1</out_trade_no><total_fee>-1</total_fee><sign>00000000000000000000000000000000</sign></xml>".to_vec(),
            ),
            ("non-UTF-8", b"<xml><a>\xff\xfe</a></xml>".to_vec()),
            ("huge", format!("<xml><a>{}</a></xml>", "x".repeat(300_000)).into_bytes()),
        ];
        for (what, body) in cases {
            let mut call = self.call(op, &[], &[], true);
            call.body = Some((ContentType::XML, body));
            self.check(op, &call, what, true);
        }
    }
}

/// Tables a refused request may write: failed sign-in attempts are counted (five tries
/// per code), and every notify, refused or not, goes into the notify ledger.
fn may_write_when_refused(op: &Op) -> &'static [&'static str] {
    if op.body() == Body::Xml {
        &["pay_notify"]
    } else if op.path.ends_with("/signin") {
        &["cs_sms_code"]
    } else {
        &[]
    }
}

fn signature(s: &Signer) -> Vec<(String, String)> {
    s.query()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sign_in(app: &TestApp) -> Callers {
    let employee = app.login(leida::demo::ADMIN_USERNAME, leida::demo::ADMIN_PASSWORD);
    let customer = app.customer("fuzz-customer");
    let bound = app.get(&customer.uri(
        "/zhugeleida/xiaochengxu/login/binding",
        &format!("uid={}&source=1", employee.user_id),
    ));
    assert_eq!(bound["code"], 200, "{bound}");
    let consult = |kind: &str, username: &str| {
        let response = app
            .client
            .post(format!("/api/{kind}/login"))
            .header(ContentType::Form)
            .body(format!(
                "username={username}&password={}",
                leida::demo::ADMIN_PASSWORD
            ))
            .dispatch();
        let json: Value = response.into_json().expect("consult login");
        json["token"]
            .as_str()
            .unwrap_or_else(|| panic!("{json}"))
            .to_string()
    };
    let member = app.post_form("/api/login", "code=repair-admin");
    Callers {
        openid: format!("dev-{:x}", md5::compute("design-manager")),
        buyer: consult("user", "buyer"),
        consultant: consult("consultant", "consultant"),
        member: member["data"]["token"]
            .as_str()
            .unwrap_or_else(|| panic!("{member}"))
            .to_string(),
        employee,
        customer,
    }
}

fn tiny_png() -> Vec<u8> {
    let mut png = Vec::new();
    image::GrayImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    png
}

fn multipart(openid: Option<&str>, file: Option<&[u8]>) -> (ContentType, Vec<u8>) {
    const BOUNDARY: &str = "leida-fuzz-boundary";
    let mut body = Vec::new();
    if let Some(openid) = openid {
        body.extend(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"openid\"\r\n\r\n{openid}\r\n")
                .as_bytes(),
        );
    }
    if let Some(file) = file {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
                 Content-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(file);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    let ct = ContentType::new("multipart", "form-data").with_params(("boundary", BOUNDARY));
    (ct, body)
}

/// Routes that delete go last, so that the others see the demo data whole.
fn in_fuzz_order() -> Vec<&'static Op> {
    let mut ops: Vec<&Op> = ROUTES.iter().collect();
    ops.sort_by_key(|op| op.path.contains("delete"));
    ops
}

#[test]
fn every_route_refuses_bad_values_in_its_envelope_and_changes_nothing() {
    let mut fuzz = Fuzz::new();
    let started = std::time::Instant::now();
    let mut slowest = Vec::new();
    for op in in_fuzz_order() {
        let start = std::time::Instant::now();
        fuzz.route(op);
        slowest.push((start.elapsed(), op.method, op.path));
    }
    slowest.sort();
    println!(
        "slowest routes: {:?}",
        &slowest[slowest.len().saturating_sub(6)..]
    );
    println!(
        "fuzz: {} routes, {} requests ({} refused) in {:.1} s",
        ROUTES.len(),
        fuzz.requests,
        fuzz.refused,
        started.elapsed().as_secs_f64()
    );
    assert!(
        fuzz.failures.is_empty(),
        "{} failures:\n{}",
        fuzz.failures.len(),
        fuzz.failures.join("\n")
    );
}

#[test]
fn files_outside_the_media_store_are_never_served() {
    let app = TestApp::new();
    for path in [
        "/statics/../Cargo.toml",
        "/statics/..%2f..%2fCargo.toml",
        "/statics/%2e%2e/%2e%2e/etc/passwd",
        "/statics/%FF%FE",
        "/statics/uploads/nothing.png",
        "/statics/",
    ] {
        let response = app.client.get(path).dispatch();
        assert!(
            response.status().code >= 400 && response.status().code < 500,
            "{path}: {}",
            response.status()
        );
    }
}
