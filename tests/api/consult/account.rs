//! Accounts: register, login, sessions (cookie and Bearer), and phone sign-in by SMS code
//! with its limits (expired, reused, wrong, too many tries, resent within a minute).

use rocket::http::Method;
use serde_json::Value;

use super::{call, content_envelope, done, get, refused, register};
use crate::common::{FakeServer, TestApp};

fn form(app: &TestApp, uri: &str, body: &str) -> Value {
    call(app, Method::Post, uri, body, None)
}

#[test]
fn register_then_login_gives_the_same_id_and_a_session() {
    let app = TestApp::new();
    let buyer = register(&app, "user", "zhangsan");
    let json = form(
        &app,
        "/api/user/login",
        "username=zhangsan&password=long-enough-pw",
    );
    assert_eq!(done(json.clone()), vec![Value::from(buyer.id)]);
    let token = json["token"].as_str().unwrap();
    assert_ne!(token, buyer.token, "every login opens its own session");
    assert_eq!(
        done(get(&app, "/api/user/post/check", token)),
        Vec::<Value>::new()
    );

    let stored: String = app
        .db()
        .query_row(
            "SELECT password_hash FROM cs_account WHERE id = ?1",
            [buyer.id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(stored.starts_with("$argon2"), "argon2, never the password");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM cs_session WHERE token_hash = '{token}'"
        )),
        0,
        "only the token's hash is stored"
    );
}

#[test]
fn login_sets_an_httponly_cookie_that_signs_later_requests() {
    let app = TestApp::new();
    register(&app, "consultant", "wanglaoshi");
    let response = app
        .client
        .post("/api/consultant/login")
        .header(rocket::http::ContentType::Form)
        .body("username=wanglaoshi&password=long-enough-pw")
        .dispatch();
    let cookie = response
        .headers()
        .get("Set-Cookie")
        .find(|c| c.starts_with("consult_consultant="))
        .expect("session cookie")
        .to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    content_envelope(response);
    // The tracked client sends the cookie back; no Authorization header here.
    let listed = call(&app, Method::Get, "/api/consultant/order/offered", "", None);
    assert_eq!(done(listed), Vec::<Value>::new());
}

#[test]
fn register_refusals_name_the_field() {
    let app = TestApp::new();
    register(&app, "user", "zhangsan");
    let cases = [
        ("username=zhangsan&password=long-enough-pw&password_again=long-enough-pw", 300, "用户名已存在"),
        ("username=lisi&password=long-enough-pw&password_again=other-pw-123", 303, "password_again"),
        ("username=lisi&password=short&password_again=short", 303, "password"),
        ("username=lisi&password=long-enough-pw&password_again=long-enough-pw&email=not-an-email", 303, "email"),
        ("username=lisi&password=long-enough-pw&password_again=long-enough-pw&gender=2", 303, "gender"),
        ("password=long-enough-pw&password_again=long-enough-pw", 303, "username"),
        ("username=ab&password=long-enough-pw&password_again=long-enough-pw", 303, "username"),
    ];
    for (body, code, words) in cases {
        refused(&form(&app, "/api/user/register", body), code, words);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM cs_account"), 1);
    // The same username is free on the other side of the marketplace.
    register(&app, "consultant", "zhangsan");
    let ok = form(
        &app,
        "/api/user/register",
        "username=lisi&password=long-enough-pw&password_again=long-enough-pw&email=li%40si.example",
    );
    done(ok);
}

#[test]
fn login_refuses_a_wrong_pair_and_the_other_side() {
    let app = TestApp::new();
    register(&app, "user", "zhangsan");
    for body in [
        "username=zhangsan&password=wrong-password",
        "username=nobody&password=long-enough-pw",
    ] {
        refused(
            &form(&app, "/api/user/login", body),
            401,
            "用户名或密码错误",
        );
    }
    refused(
        &form(
            &app,
            "/api/consultant/login",
            "username=zhangsan&password=long-enough-pw",
        ),
        401,
        "用户名或密码错误",
    );
    refused(
        &form(&app, "/api/user/login", "username=zhangsan"),
        303,
        "password",
    );
}

#[test]
fn sessions_are_checked_and_belong_to_one_side() {
    let app = TestApp::new();
    refused(
        &call(&app, Method::Get, "/api/user/post/check", "", None),
        400,
        "请先登录",
    );
    refused(
        &get(&app, "/api/user/post/check", "forged-token"),
        400,
        "登录已失效",
    );
    let buyer = register(&app, "user", "zhangsan");
    let consultant = register(&app, "consultant", "wanglaoshi");
    refused(
        &get(&app, "/api/user/post/check", &consultant.token),
        403,
        "买家",
    );
    refused(
        &get(&app, "/api/consultant/order/taken", &buyer.token),
        403,
        "顾问",
    );
    app.db()
        .execute("UPDATE cs_session SET expires_ms = 0", [])
        .unwrap();
    refused(
        &get(&app, "/api/user/post/check", &buyer.token),
        400,
        "过期",
    );
}

/// A fake SMS gateway that records what Leida sends.
fn sms_app() -> (TestApp, FakeServer) {
    let fake = FakeServer::start(|_| (200, r#"{"ok": true}"#.to_string()));
    let url = format!("{}/sms/send", fake.url);
    let app = TestApp::with(|f| f.merge(("sms_api", url)));
    (app, fake)
}

fn sent_code(fake: &FakeServer, nth: usize) -> String {
    let calls = fake.calls("/sms/send");
    let body: Value = serde_json::from_str(&calls[nth].body).unwrap();
    assert_eq!(body["phone"], "13800138000");
    body["code"].as_str().unwrap().to_string()
}

fn ask_code(app: &TestApp, kind: &str) -> Value {
    form(
        app,
        &format!("/api/{kind}/verification_code"),
        "phone_number=13800138000",
    )
}

fn sign_in(app: &TestApp, kind: &str, code: &str) -> Value {
    form(
        app,
        &format!("/api/{kind}/signin"),
        &format!("phone_number=13800138000&verification_code={code}"),
    )
}

/// Lets the last code look as if it was sent `secs` seconds ago.
fn age_codes(app: &TestApp, secs: i64) {
    app.db()
        .execute(
            "UPDATE cs_sms_code SET sent_ms = sent_ms - ?1, expires_ms = expires_ms - ?1",
            [secs * 1000],
        )
        .unwrap();
}

#[test]
fn a_phone_signs_up_then_in_with_a_single_use_code() {
    let (app, fake) = sms_app();
    done(ask_code(&app, "user"));
    let code = sent_code(&fake, 0);
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));

    let first = sign_in(&app, "user", &code);
    let id = done(first.clone())[0].as_i64().unwrap();
    assert!(first["token"].as_str().is_some());
    refused(&sign_in(&app, "user", &code), 303, "已使用");

    age_codes(&app, 61);
    done(ask_code(&app, "user"));
    let again = sign_in(&app, "user", &sent_code(&fake, 1));
    assert_eq!(done(again)[0], id, "the same phone is the same account");
    assert_eq!(app.count("SELECT COUNT(*) FROM cs_account"), 1);
}

#[test]
fn a_code_is_sent_at_most_once_a_minute_per_phone() {
    let (app, fake) = sms_app();
    done(ask_code(&app, "user"));
    refused(&ask_code(&app, "user"), 303, "过于频繁");
    refused(&ask_code(&app, "consultant"), 303, "过于频繁");
    assert_eq!(fake.calls("/sms/send").len(), 1);
    age_codes(&app, 61);
    done(ask_code(&app, "consultant"));
    assert_eq!(fake.calls("/sms/send").len(), 2);
    refused(
        &form(&app, "/api/user/verification_code", "phone_number=12345"),
        303,
        "phone_number",
    );
}

#[test]
fn an_expired_code_is_refused() {
    let (app, fake) = sms_app();
    done(ask_code(&app, "user"));
    let code = sent_code(&fake, 0);
    age_codes(&app, 5 * 60 + 1);
    refused(&sign_in(&app, "user", &code), 303, "过期");
    assert_eq!(app.count("SELECT COUNT(*) FROM cs_account"), 0);
}

#[test]
fn five_wrong_tries_burn_the_code() {
    let (app, fake) = sms_app();
    done(ask_code(&app, "user"));
    let code = sent_code(&fake, 0);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        refused(
            &sign_in(&app, "user", wrong),
            303,
            &format!("还可尝试 {left} 次"),
        );
    }
    refused(&sign_in(&app, "user", &code), 303, "次数过多");
    assert_eq!(app.count("SELECT COUNT(*) FROM cs_account"), 0);
}

#[test]
fn codes_belong_to_their_side_and_must_be_asked_first() {
    let (app, fake) = sms_app();
    refused(&sign_in(&app, "user", "123456"), 303, "请先获取验证码");
    done(ask_code(&app, "consultant"));
    refused(
        &sign_in(&app, "user", &sent_code(&fake, 0)),
        303,
        "请先获取验证码",
    );
    refused(
        &form(&app, "/api/user/signin", "phone_number=13800138000"),
        303,
        "verification_code",
    );
    let consultant = sign_in(&app, "consultant", &sent_code(&fake, 0));
    let token = consultant["token"].as_str().unwrap().to_string();
    done(get(&app, "/api/consultant/order/taken", &token));
}

#[test]
fn a_failing_sms_gateway_is_refused_and_the_phone_may_ask_again() {
    let fake = FakeServer::start(|_| (500, r#"{"error": "down"}"#.to_string()));
    let url = format!("{}/sms/send", fake.url);
    let app = TestApp::with(|f| f.merge(("sms_api", url)));
    refused(&ask_code(&app, "user"), 500, "短信发送失败");
    refused(&ask_code(&app, "user"), 500, "短信发送失败");
    assert_eq!(
        fake.calls("/sms/send").len(),
        2,
        "no minute's wait after a failure"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM cs_sms_code"), 0);
}

#[test]
fn without_sms_api_the_code_is_only_logged_and_still_works() {
    let app = TestApp::new();
    done(ask_code(&app, "user"));
    let code: String = app
        .db()
        .query_row("SELECT code FROM cs_sms_code", [], |r| r.get(0))
        .unwrap();
    done(sign_in(&app, "user", &code));
}

#[test]
fn register_completes_the_account_of_a_phone_sign_in() {
    let app = TestApp::new();
    done(ask_code(&app, "user"));
    let code: String = app
        .db()
        .query_row("SELECT code FROM cs_sms_code", [], |r| r.get(0))
        .unwrap();
    let phone_id = done(sign_in(&app, "user", &code))[0].as_i64().unwrap();
    // The tracked client holds the phone session's cookie.
    let completed = register(&app, "user", "zhangsan");
    assert_eq!(completed.id, phone_id);
    let (username, phone): (String, String) = app
        .db()
        .query_row(
            "SELECT username, phone FROM cs_account WHERE id = ?1",
            [phone_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (username.as_str(), phone.as_str()),
        ("zhangsan", "13800138000")
    );
    // Signed in with a username already: registering again makes a new account.
    let other = register(&app, "user", "lisi");
    assert_ne!(other.id, phone_id);
}
