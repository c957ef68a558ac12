//! Security regressions: one client may not exhaust memory, disk, connections or limits.

use std::net::SocketAddr;

use leida::config::Settings;
use leida::ratelimit::{Quota, Quotas, RateLimit};
use rocket::figment::Figment;
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};

use crate::common::{FakeServer, TestApp};

fn from(last: u8) -> SocketAddr {
    SocketAddr::from(([198, 51, 100, last], 40000))
}

// ------------------------------------------------------------ proxy headers and the limiter

#[test]
fn rocket_toml_trusts_no_address_header() {
    let config: rocket::Config = rocket::Config::figment().extract().expect("config");
    assert_eq!(
        config.ip_header, None,
        "ip_header is off unless a proxy sets it"
    );
}

#[test]
fn a_forged_real_ip_header_does_not_dodge_the_sign_in_limit() {
    let app = TestApp::with(|f| f.merge(("login_limit_per_address", 3)));
    let uri = "/zhugeleida/xiaochengxu/login?code=x&user_type=2&source=1";
    let codes: Vec<Value> = (0..6)
        .map(|i| {
            let json: Value = app
                .client
                .get(uri)
                .remote(from(7))
                .header(Header::new("X-Real-IP", format!("203.0.113.{i}")))
                .dispatch()
                .into_json()
                .expect("JSON");
            json["code"].clone()
        })
        .collect();
    assert_eq!(&codes[..3], &[200, 200, 200]);
    assert_eq!(&codes[3..], &[429, 429, 429], "one peer, one bucket");
}

fn login_quotas(per_address: u32) -> Quotas {
    Quotas {
        login_per_address: Quota::per_minute(per_address),
        login_per_account: None,
        notify_per_address: None,
        page_per_address: None,
        sms_daily_per_address: None,
    }
}

#[test]
fn when_the_key_table_is_full_new_addresses_share_one_bucket() {
    let limiter = RateLimit::with_max_keys(login_quotas(2), 3);
    let login = "/zhugeleida/admin/login";
    // Three addresses that used their bucket fill the table.
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        assert_eq!(limiter.admit(login, ip, None), Ok(()));
    }
    let fresh: Vec<bool> = (10..20)
        .map(|i| limiter.admit(login, &format!("10.0.1.{i}"), None).is_ok())
        .collect();
    assert_eq!(
        fresh.iter().filter(|ok| **ok).count(),
        2,
        "fresh addresses beyond the table share one bucket of 2: {fresh:?}"
    );
    assert_eq!(
        limiter.admit(login, "10.0.0.1", None),
        Ok(()),
        "known keys keep theirs"
    );
    assert_eq!(limiter.admit("/healthz", "10.0.9.9", None), Ok(()));
}

// ------------------------------------------------------------ pay notifies and /metrics

const NOTIFY_PATHS: [&str; 2] = ["/zhugeleida/xiaochengxu/payback", "/api/pay/notify"];

fn notify_from(app: &TestApp, path: &str, body: &str, peer: u8) -> String {
    app.client
        .post(path)
        .header(ContentType::XML)
        .remote(from(peer))
        .body(body)
        .dispatch()
        .into_string()
        .expect("XML answer")
}

/// Bodies a stranger may send: broken XML whose parser errors differ after 40 characters,
/// unknown orders, unsigned notifies.
fn hostile_bodies() -> Vec<String> {
    let mut bodies = Vec::new();
    for i in 0..4 {
        let pad = "y".repeat(45);
        bodies.push(format!("<xml><{pad}{i}></{pad}></xml>"));
        bodies.push(format!(
            "<xml><out_trade_no>NO{pad}{i}</out_trade_no></xml>"
        ));
        bodies.push(format!("<!DOCTYPE x><xml>{i}</xml>"));
    }
    bodies
}

const KNOWN_VERDICTS: [&str; 13] = [
    "paid",
    "repeat",
    "payment_failed",
    "refund_requested",
    "malformed",
    "unknown_order",
    "bad_signature",
    "merchant_mismatch",
    "amount_mismatch",
    "not_success",
    "order_closed",
    "not_configured",
    "other",
];

#[test]
fn hostile_notifies_add_no_metrics_series_and_only_known_labels() {
    let app = TestApp::with(|f| f.merge(("metrics", true)));
    for path in NOTIFY_PATHS {
        for body in hostile_bodies() {
            assert!(notify_from(&app, path, &body, 1).contains("FAIL"));
        }
    }
    let text = app.client.get("/metrics").dispatch().into_string().unwrap();
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("leida_pay_notify_total{"))
        .map(|l| l.rsplit_once(' ').expect("a sample").0)
        .collect();
    assert!(!series.is_empty(), "{text}");
    let mut unique = series.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), series.len(), "duplicate series: {series:?}");
    for s in &series {
        let verdict = s
            .split("verdict=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .expect("a verdict label");
        assert!(KNOWN_VERDICTS.contains(&verdict), "unknown label in {s}");
        assert!(
            s.contains("app=\"zhuge\"") || s.contains("app=\"consult\""),
            "{s}"
        );
    }
}

#[test]
fn a_refused_notify_keeps_at_most_512_bytes() {
    let app = TestApp::new();
    let body = format!(
        "<xml><out_trade_no>NOPE</out_trade_no><pad>{}</pad></xml>",
        "中".repeat(20_000)
    );
    for path in NOTIFY_PATHS {
        assert!(notify_from(&app, path, &body, 1).contains("FAIL"));
    }
    let longest: i64 = app.count("SELECT MAX(length(CAST(body AS BLOB))) FROM pay_notify");
    assert!(longest <= 512, "a refused body kept {longest} bytes");
    assert_eq!(app.count("SELECT COUNT(*) FROM pay_notify"), 2);
}

#[test]
fn notifies_are_limited_per_address_in_wechats_xml() {
    let app = TestApp::with(|f| f.merge(("notify_limit_per_address", 3)));
    for path in NOTIFY_PATHS {
        for _ in 0..3 {
            let answer = notify_from(&app, path, "<xml></xml>", 2);
            assert!(!answer.contains("频繁"), "{answer}");
        }
        let answer = notify_from(&app, path, "<xml></xml>", 2);
        assert!(answer.contains("<return_code><![CDATA[FAIL]]>"), "{answer}");
        assert!(answer.contains("频繁"), "{answer}");
        let other = notify_from(&app, path, "<xml></xml>", 3);
        assert!(!other.contains("频繁"), "another address is not limited");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pay_notify"),
        8,
        "a limited notify is not stored"
    );
}

// ------------------------------------------------------------ the public card page

#[test]
fn the_public_card_page_and_vcard_are_limited_per_address() {
    let app = TestApp::with(|f| f.merge(("page_limit_per_address", 3)));
    let boss = app.admin("boss", "合众康桥");
    for path in ["/mp/mingpian", "/mp/mingpian.vcf"] {
        let uri = format!("{path}?uid={}", boss.user_id);
        for _ in 0..3 {
            let status = app.client.get(&uri).remote(from(4)).dispatch().status();
            assert_eq!(status, Status::Ok, "{uri}");
        }
        let refused = app.client.get(&uri).remote(from(4)).dispatch();
        assert_eq!(refused.status(), Status::TooManyRequests, "{uri}");
        assert!(refused.headers().get_one("Retry-After").is_some());
        let other = app.client.get(&uri).remote(from(5)).dispatch();
        assert_eq!(other.status(), Status::Ok, "another address is not limited");
    }
}

// ------------------------------------------------------------ offline dev mode

fn settings_with(tweak: impl FnOnce(Figment) -> Figment) -> Settings {
    let figment = tweak(rocket::Config::figment().merge(("wechat_appid", "")));
    Settings::from_figment(&figment).expect("settings")
}

#[test]
fn offline_dev_mode_needs_a_loopback_public_url_or_the_explicit_key() {
    for url in [
        "http://127.0.0.1:8000",
        "http://127.8.9.10",
        "http://localhost:8000/",
        "http://[::1]:8000/x",
    ] {
        let s = settings_with(|f| f.merge(("public_url", url)));
        assert!(s.offline(), "{url} is this machine");
    }
    for url in [
        "https://leida.example.com",
        "http://10.0.0.5:8000",
        "http://127.0.0.1.example.com",
        "http://localhost.example.com",
    ] {
        let s = settings_with(|f| f.merge(("public_url", url)));
        assert!(!s.offline(), "{url} is public");
        let s = settings_with(|f| {
            f.merge(("public_url", url))
                .merge(("offline_dev_mode", true))
        });
        assert!(s.offline(), "{url} with offline_dev_mode = true");
    }
    let s = settings_with(|f| f.merge(("wechat_appid", "wx123")));
    assert!(!s.offline(), "an appid is never offline");
}

fn public_app(dev_mode: bool) -> TestApp {
    TestApp::with(move |f| {
        f.merge(("public_url", "https://leida.example.com"))
            .merge(("offline_dev_mode", dev_mode))
    })
}

/// The WeChat sign-ins of the Zhuge mini-program, design and repair apps.
fn wechat_logins(app: &TestApp) -> Vec<Value> {
    vec![
        app.get("/zhugeleida/xiaochengxu/login?code=known-code&user_type=2&source=1"),
        app.post_form("/small/getUserInfo", "code=known-code&iv=aXY="),
        app.post_json(
            "/api/user",
            &json!({"action": "register", "code": "known-code"}),
        ),
        app.post_json("/api/login", &json!({"code": "known-code"})),
    ]
}

#[test]
fn without_an_appid_a_public_server_refuses_wechat_logins_in_each_envelope() {
    let app = public_app(false);
    for answer in wechat_logins(&app) {
        assert_eq!(answer["code"], 500, "{answer}");
        assert!(
            answer["msg"].as_str().unwrap().contains("wechat_appid"),
            "{answer}"
        );
    }
    for table in ["zl_customer", "sm_user", "rp_user"] {
        assert_eq!(app.count(&format!("SELECT COUNT(*) FROM {table}")), 0);
    }
}

#[test]
fn offline_dev_mode_set_explicitly_fakes_logins_on_a_public_url() {
    let app = public_app(true);
    let answers = wechat_logins(&app);
    assert_eq!(answers[0]["code"], 200, "{}", answers[0]);
    assert_eq!(answers[1]["code"], 200, "{}", answers[1]);
    assert_eq!(answers[2]["code"], 0, "{}", answers[2]);
    assert_eq!(answers[3]["code"], 0, "{}", answers[3]);
}

// ------------------------------------------------------------ decompression bombs

/// A PNG of `side`×`side` black pixels: a few KB that decode to `side`² bytes.
fn bomb_png(side: u32) -> Vec<u8> {
    let mut png = Vec::new();
    image::GrayImage::new(side, side)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    png
}

fn multipart_upload(app: &TestApp, uri: &str, file: &[u8], bearer: Option<&str>) -> Value {
    let boundary = "bombboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = app
        .client
        .post(uri.to_string())
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", boundary)))
        .body(body);
    if let Some(token) = bearer {
        req = req.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    req.dispatch().into_json().expect("JSON")
}

#[test]
fn an_image_beyond_image_max_pixels_is_refused_before_decoding_in_every_app() {
    let app = TestApp::with(|f| f.merge(("image_max_pixels", 1_000_000)));
    let bomb = bomb_png(5000);
    assert!(
        bomb.len() < 200_000,
        "small on the wire: {} bytes",
        bomb.len()
    );
    let boss = app.admin("boss", "合众康桥");
    app.db()
        .execute(
            "INSERT INTO sm_user (openid, phone, level, create_date)
             VALUES ('bomb-user', '13800000009', 1, 'now')",
            [],
        )
        .expect("a bound design user");
    let repair = app.post_json(
        "/api/user",
        &json!({"action": "register", "code": "bomber"}),
    );
    let token = repair["data"]["token"].as_str().expect("repair token");
    let answers = [
        (
            multipart_upload(
                &app,
                &boss.uri("/zhugeleida/qiyeweixin/upload", ""),
                &bomb,
                None,
            ),
            303,
        ),
        (
            multipart_upload(&app, "/small/imgupload?openid=bomb-user", &bomb, None),
            303,
        ),
        (
            multipart_upload(&app, "/api/process/upload", &bomb, Some(token)),
            303,
        ),
    ];
    for (answer, code) in &answers {
        assert_eq!(answer["code"], *code, "{answer}");
        let msg = answer["msg"].as_str().unwrap();
        assert!(
            msg.contains("图片尺寸过大") && msg.contains("5000×5000"),
            "{msg}"
        );
    }
    assert!(
        !app.dir.path().join("files").join("uploads").exists(),
        "nothing stored"
    );
    let small = multipart_upload(&app, "/api/process/upload", &bomb_png(900), Some(token));
    assert_eq!(small["code"], 0, "within the limit: {small}");
}

#[test]
fn decode_image_refuses_by_the_header_and_keeps_the_format() {
    let refused = leida::media::decode_image(&bomb_png(3000), 1_000_000).unwrap_err();
    assert_eq!(refused.code.number(), 303);
    assert!(refused.msg.contains("3000×3000"), "{}", refused.msg);
    let (image, format) = leida::media::decode_image(&bomb_png(1000), 1_000_000).unwrap();
    assert_eq!((image.width(), image.height()), (1000, 1000));
    assert_eq!(format, image::ImageFormat::Png);
}

// ------------------------------------------------------------ consult SMS and session

const PHONE: &str = "13800138000";

fn sms_app(tweak: impl FnOnce(Figment) -> Figment) -> (TestApp, FakeServer) {
    let fake = FakeServer::start(|_| (200, r#"{"ok": true}"#.to_string()));
    let url = format!("{}/sms/send", fake.url);
    let app = TestApp::with(|f| tweak(f.merge(("sms_api", url))));
    (app, fake)
}

fn consult_post(app: &TestApp, uri: &str, body: &str, peer: u8) -> Value {
    app.client
        .post(uri.to_string())
        .header(ContentType::Form)
        .remote(from(peer))
        .body(body)
        .dispatch()
        .into_json()
        .expect("JSON")
}

fn ask_code(app: &TestApp, phone: &str, peer: u8) -> Value {
    let body = format!("phone_number={phone}");
    consult_post(app, "/api/user/verification_code", &body, peer)
}

fn sent_codes(fake: &FakeServer) -> Vec<String> {
    fake.calls("/sms/send")
        .iter()
        .map(|call| {
            let body: Value = serde_json::from_str(&call.body).expect("JSON");
            body["code"].as_str().expect("code").to_string()
        })
        .collect()
}

/// Lets every code look as if it was sent `secs` seconds earlier.
fn age_codes(app: &TestApp, secs: i64) {
    app.db()
        .execute(
            "UPDATE cs_sms_code SET sent_ms = sent_ms - ?1, expires_ms = expires_ms - ?1",
            [secs * 1000],
        )
        .expect("age codes");
}

#[test]
fn a_strangers_new_sms_code_leaves_the_owners_code_valid() {
    let (app, fake) = sms_app(|f| f);
    assert_eq!(ask_code(&app, PHONE, 1)["code"], 0);
    age_codes(&app, 61);
    assert_eq!(ask_code(&app, PHONE, 2)["code"], 0, "a stranger asks again");
    let codes = sent_codes(&fake);
    assert_eq!(codes.len(), 2);
    let body = format!("phone_number={PHONE}&verification_code={}", codes[0]);
    let answer = consult_post(&app, "/api/user/signin", &body, 1);
    assert_eq!(answer["code"], 0, "the owner's code still works: {answer}");
    let again = consult_post(&app, "/api/user/signin", &body, 1);
    assert_ne!(again["code"], 0, "and is single use");
}

#[test]
fn sms_codes_are_capped_per_phone_and_per_address_a_day() {
    let (app, fake) = sms_app(|f| {
        f.merge(("sms_daily_per_phone", 2))
            .merge(("sms_daily_per_address", 3))
    });
    for _ in 0..2 {
        assert_eq!(ask_code(&app, PHONE, 1)["code"], 0);
        age_codes(&app, 61);
    }
    let capped = ask_code(&app, PHONE, 1);
    assert_eq!(capped["code"], 303, "{capped}");
    assert!(capped["msg"].as_str().unwrap().contains("上限"), "{capped}");
    assert_eq!(sent_codes(&fake).len(), 2);

    assert_eq!(ask_code(&app, "13900139000", 2)["code"], 0);
    assert_eq!(ask_code(&app, "13700137000", 2)["code"], 0);
    assert_eq!(ask_code(&app, "13600136000", 2)["code"], 0);
    let limited = ask_code(&app, "13500135000", 2);
    assert_eq!(limited["code"], 429, "{limited}");
    assert_eq!(sent_codes(&fake).len(), 5);
}

fn session_cookie(public_url: &str) -> String {
    let app = TestApp::with(|f| f.merge(("public_url", public_url)));
    let body = "username=zhangsan&password=S3cret-pw-1&password_again=S3cret-pw-1";
    let response = app
        .client
        .post("/api/user/register")
        .header(ContentType::Form)
        .body(body)
        .dispatch();
    let cookie = response
        .headers()
        .get("Set-Cookie")
        .find(|c| c.contains("HttpOnly"))
        .map(str::to_string);
    let json: Value = response.into_json().expect("JSON");
    assert_eq!(json["code"], 0, "{json}");
    cookie.expect("a session cookie")
}

#[test]
fn the_consult_session_cookie_is_secure_behind_https() {
    assert!(session_cookie("https://consult.example").contains("Secure"));
    assert!(!session_cookie("http://127.0.0.1:8000").contains("Secure"));
}

// ------------------------------------------------------------ the console's and docs' headers

#[test]
fn the_console_and_docs_forbid_inline_code_framing_and_sniffing() {
    let app = TestApp::new();
    for path in [
        "/console/",
        "/console/app.js",
        "/console/style.css",
        "/docs",
        "/docs/docs.js",
        "/docs/docs.css",
    ] {
        let response = app.client.get(path).dispatch();
        assert_eq!(response.status(), Status::Ok, "{path}");
        let csp = response
            .headers()
            .get_one("Content-Security-Policy")
            .unwrap_or_else(|| panic!("{path} has no CSP"))
            .to_string();
        assert!(csp.starts_with("default-src 'self';"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        for host in ["thirdwx.qlogo.cn", "wx.qlogo.cn", "mmbiz.qpic.cn"] {
            assert!(csp.contains(host), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(
            response.headers().get_one("X-Content-Type-Options"),
            Some("nosniff"),
            "{path}"
        );
        if path == "/console/" || path == "/docs" {
            let html = response.into_string().unwrap();
            assert!(!html.contains("<style"), "{path} has an inline style");
            assert!(!html.contains(" style="), "{path} has a style attribute");
            assert!(!html.contains("href=\"data:"), "{path} loads a data: URL");
            for script in html.split("<script").skip(1) {
                assert!(script.contains(" src="), "{path} has an inline script");
            }
        }
    }
}

// ------------------------------------------------------------ stored free text

/// A field of a little under 1 MiB: the whole JSON body stays within Rocket's `json` limit.
fn huge() -> String {
    "x".repeat(1_000_000)
}

/// A field for bodies that carry several: 150 000 characters.
fn big() -> String {
    "x".repeat(150_000)
}

fn post_json_as(app: &TestApp, uri: &str, body: &Value, bearer: Option<&str>) -> Value {
    let mut req = app
        .client
        .post(uri.to_string())
        .header(ContentType::JSON)
        .body(body.to_string());
    if let Some(token) = bearer {
        req = req.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    req.dispatch().into_json().expect("JSON")
}

fn refused_naming(answer: &Value, code: i64, field: &str) {
    assert_eq!(answer["code"], code, "{answer}");
    let msg = answer["msg"].as_str().unwrap_or("");
    assert!(msg.contains(field), "the refusal names {field}: {msg}");
}

/// The longest text stored in any column of any table, in characters.
fn longest_stored_text(app: &TestApp) -> i64 {
    let db = app.db();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut longest = 0;
    for table in tables {
        let columns: Vec<String> = db
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for column in columns {
            let sql = format!(
                "SELECT COALESCE(MAX(length(\"{column}\")), 0) FROM \"{table}\" WHERE typeof(\"{column}\") = 'text'"
            );
            longest = longest.max(db.query_row(&sql, [], |r| r.get::<_, i64>(0)).unwrap());
        }
    }
    longest
}

#[test]
fn zhuge_mini_program_profile_text_from_wechat_is_cut_and_so_are_its_copies() {
    let app = TestApp::new();
    let (boss, customer) = app.boss_and_customer();
    let profile = json!({"nickName": huge()});
    let answer = app.post_json(
        &customer.uri("/zhugeleida/xiaochengxu/login/send_user_info", ""),
        &profile,
    );
    assert_eq!(answer["code"], 200, "{answer}");
    let profile = json!({"avatarUrl": big(), "city": big(), "province": big(),
                         "country": big(), "language": big()});
    let answer = app.post_json(
        &customer.uri("/zhugeleida/xiaochengxu/login/send_user_info", ""),
        &profile,
    );
    assert_eq!(answer["code"], 200, "{answer}");
    let (name, avatar): (String, String) = app
        .db()
        .query_row(
            "SELECT username, headimgurl FROM zl_customer WHERE id = ?1",
            [customer.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((name.chars().count(), avatar.chars().count()), (64, 512));
    for _ in 0..3 {
        let view = app.get(&customer.uri(
            "/zhugeleida/xiaochengxu/mingpian",
            &format!("uid={}", boss.user_id),
        ));
        assert_eq!(view["code"], 200, "{view}");
    }
    let chat = app.post_json(
        &customer.uri("/zhugeleida/xiaochengxu/chat/send_msg/0", ""),
        &json!({"u_id": boss.user_id, "content": json!({"info_type": 1, "msg": huge()}).to_string()}),
    );
    refused_naming(&chat, 303, "content");
    let form_id = app.post_json(
        &customer.uri("/zhugeleida/xiaochengxu/login/send_form_id", ""),
        &json!({"formId": huge()}),
    );
    refused_naming(&form_id, 303, "formId");
    assert!(longest_stored_text(&app) <= 5000, "nothing stored whole");
}

#[test]
fn zhuge_enterprise_text_beyond_its_limit_is_refused_naming_the_field() {
    let app = TestApp::new();
    let (boss, _) = app.boss_and_customer();
    let cases = [
        (
            "/zhugeleida/qiyeweixin/product/add/0",
            json!({"name": "p", "content": huge()}),
            "content",
        ),
        (
            "/zhugeleida/qiyeweixin/product/add/0",
            json!({"name": huge()}),
            "name",
        ),
        (
            "/zhugeleida/qiyeweixin/product/add/0",
            json!({"name": "p", "reason": huge()}),
            "reason",
        ),
        (
            "/zhugeleida/qiyeweixin/mingpian",
            json!({"sign": huge()}),
            "sign",
        ),
        (
            "/zhugeleida/qiyeweixin/follow_language/add/0",
            json!({"custom_language": huge()}),
            "custom_language",
        ),
    ];
    for (path, body, field) in cases {
        let answer = app.post_json(&boss.uri(path, ""), &body);
        refused_naming(&answer, 303, field);
    }
    assert!(longest_stored_text(&app) <= 5000, "nothing stored whole");
}

#[test]
fn design_text_beyond_its_limit_is_refused_naming_the_field() {
    let app = TestApp::new();
    app.db()
        .execute(
            "INSERT INTO sm_user (openid, phone, level, create_date)
             VALUES ('writer', '13800000009', 1, 'now')",
            [],
        )
        .unwrap();
    let cases = [
        (
            "/small/store",
            json!({"openid": "writer", "title": "t", "content": huge()}),
            "content",
        ),
        (
            "/small/store",
            json!({"openid": "writer", "title": huge()}),
            "title",
        ),
        (
            "/small/formId",
            json!({"openid": "writer", "formid": huge()}),
            "formid",
        ),
        (
            "/small/sendTemplate",
            json!({"openid": "writer", "data": huge()}),
            "data",
        ),
    ];
    for (path, body, field) in cases {
        refused_naming(&app.post_json(path, &body), 303, field);
    }
    assert!(longest_stored_text(&app) <= 5000, "nothing stored whole");
}

#[test]
fn consult_text_beyond_its_limit_is_refused_naming_the_field() {
    let app = TestApp::new();
    let registration = json!({"username": "zhangsan", "password": "S3cret-pw-1",
                              "password_again": "S3cret-pw-1", "email": format!("a@{}.cn", huge())});
    let refused = post_json_as(&app, "/api/user/register", &registration, None);
    assert_eq!(refused["code"], 303, "{refused}");
    assert!(
        refused["msg"].as_str().unwrap().contains("email"),
        "{refused}"
    );
    let mut registration = registration;
    registration["email"] = json!("a@b.cn");
    let buyer = post_json_as(&app, "/api/user/register", &registration, None);
    let token = buyer["token"].as_str().expect("token").to_string();
    for (title, content, field) in [("t", huge(), "content"), (&huge()[..], "c".into(), "title")] {
        let post = json!({"tag_id": "[1]", "title": title, "content": content, "price": "88"});
        let answer = post_json_as(&app, "/api/user/post/publish", &post, Some(&token));
        assert_eq!(answer["code"], 303, "{answer}");
        assert!(answer["msg"].as_str().unwrap().contains(field), "{answer}");
    }
    assert!(longest_stored_text(&app) <= 5000, "nothing stored whole");
}

#[test]
fn repair_text_is_refused_naming_the_field_and_wechat_profile_text_cut() {
    let app = TestApp::new();
    let wx = json!({"nickName": big(), "avatarUrl": big(), "extra": big()});
    let joined = post_json_as(
        &app,
        "/api/user",
        &json!({"action": "register", "code": "long", "wx_userinfo": wx}),
        None,
    );
    assert_eq!(joined["code"], 0, "{joined}");
    let token = joined["data"]["token"].as_str().expect("token").to_string();
    let stored = &joined["data"]["user"]["wx_userinfo"];
    assert_eq!(stored["nickName"].as_str().unwrap().chars().count(), 64);
    assert_eq!(stored["avatarUrl"].as_str().unwrap().chars().count(), 512);
    assert!(
        stored.get("extra").is_none(),
        "only WeChat's profile fields: {stored}"
    );
    let create = |form: Value| {
        post_json_as(
            &app,
            "/api/process/instance",
            &json!({"action": "create", "process_name": "repair_apply", "form": form}),
            Some(&token),
        )
    };
    refused_naming(
        &create(json!({"title": "t", "content": huge()})),
        303,
        "form.content",
    );
    refused_naming(&create(json!({"title": huge()})), 303, "form.title");
    let profile = post_json_as(
        &app,
        "/api/user",
        &json!({"action": "update", "userinfo": {"address": huge()}}),
        Some(&token),
    );
    refused_naming(&profile, 303, "userinfo.address");
    assert!(longest_stored_text(&app) <= 5000, "nothing stored whole");
}

#[test]
fn pushed_text_is_capped_when_queued() {
    let app = TestApp::new();
    let conn = app.db();
    let push = leida::outbox::Message::WorkText {
        corpid: "corp".into(),
        agentid: "1".into(),
        touser: "u".into(),
        content: "长".repeat(400_000),
    };
    leida::outbox::enqueue(&conn, &push).unwrap();
    let template = leida::outbox::Message::MiniTemplate {
        appid: "wx".into(),
        body: json!({"touser": "o", "data": {"keyword1": {"value": huge()}}}),
    };
    leida::outbox::enqueue(&conn, &template).unwrap();
    let longest: i64 = app.count("SELECT MAX(length(CAST(payload AS BLOB))) FROM outbox");
    assert!(longest < 2048 + 300, "a queued payload of {longest} bytes");
}
