//! The consulting app's SMS codes and session cookie.

use rocket::figment::Figment;
use rocket::http::ContentType;
use serde_json::Value;

use super::from;
use crate::common::{FakeServer, TestApp};

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
