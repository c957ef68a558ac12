//! Sign-in: employees by password, customers through WeChat (offline and against a fake).

use serde_json::json;

use crate::common::{FakeServer, TestApp};

#[test]
fn an_employee_signs_in_with_the_admin_commands_password() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let json = app.post_form(
        "/zhugeleida/admin/login",
        "username=boss&password=S3cret-pw",
    );
    let data = &json["data"];
    assert_eq!(data["user_id"], boss.user_id);
    assert_eq!(data["token"], boss.token.as_str());
    assert_eq!(data["role_name"], "管理员");
    assert!(data["company_id"].as_i64().is_some() && data["role_id"].as_i64().is_some());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_employee WHERE last_login_date IS NOT NULL"),
        1
    );
}

#[test]
fn sign_in_refusals_have_their_codes() {
    let app = TestApp::new();
    app.admin("boss", "合众康桥");
    let wrong = app.post_form("/zhugeleida/admin/login", "username=boss&password=nope");
    assert_eq!(wrong["code"], 401);
    let unknown = app.post_form(
        "/zhugeleida/admin/login",
        "username=nobody&password=S3cret-pw",
    );
    assert_eq!(unknown["code"], 401);
    let missing = app.post_form("/zhugeleida/admin/login", "username=boss");
    assert_eq!(missing["code"], 303);
    assert!(missing["msg"].as_str().unwrap().contains("password"));

    app.db()
        .execute("UPDATE zl_employee SET status = 2", [])
        .unwrap();
    assert_eq!(
        app.post_form(
            "/zhugeleida/admin/login",
            "username=boss&password=S3cret-pw"
        )["code"],
        306
    );

    app.db()
        .execute("UPDATE zl_employee SET status = 1", [])
        .unwrap();
    app.db()
        .execute(
            "UPDATE zl_company SET account_expired_time = '2001-01-01T00:00:00.000'",
            [],
        )
        .unwrap();
    assert_eq!(
        app.post_form(
            "/zhugeleida/admin/login",
            "username=boss&password=S3cret-pw"
        )["code"],
        403
    );
}

#[test]
fn a_json_body_signs_in_too() {
    let app = TestApp::new();
    app.admin("boss", "合众康桥");
    let json = app.post_json(
        "/zhugeleida/admin/login",
        &json!({"username": "boss", "password": "S3cret-pw"}),
    );
    assert_eq!(json["code"], 200);
}

#[test]
fn the_admin_command_resets_a_password_and_the_token() {
    let app = TestApp::new();
    let before = app.admin("boss", "合众康桥");
    let after = app.admin("boss", "合众康桥");
    assert_eq!(before.user_id, after.user_id);
    assert_ne!(
        before.token, after.token,
        "a reset invalidates old signatures"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_employee"), 1);
}

#[test]
fn offline_dev_mode_turns_a_code_into_a_stable_customer() {
    let app = TestApp::new();
    let first = app.customer("code-1");
    let again = app.customer("code-1");
    let other = app.customer("code-2");
    assert_eq!(first.user_id, again.user_id);
    assert_eq!(first.token, again.token);
    assert_ne!(first.user_id, other.user_id);
    let openid: String = app
        .db()
        .query_row(
            "SELECT openid FROM zl_customer WHERE id = ?1",
            [first.user_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(openid, format!("dev-{:x}", md5::compute("code-1")));
}

#[test]
fn customer_login_refusals() {
    let app = TestApp::new();
    assert_eq!(
        app.get("/zhugeleida/xiaochengxu/login?user_type=2")["code"],
        303
    );
    assert_eq!(
        app.get("/zhugeleida/xiaochengxu/login?code=a&user_type=x")["code"],
        301
    );
    assert_eq!(
        app.get("/zhugeleida/xiaochengxu/login?code=a&user_type=7")["code"],
        303
    );
    assert_eq!(
        app.get("/zhugeleida/xiaochengxu/login?code=a&company_id=99")["code"],
        302
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_customer"), 0);
}

fn wechat_app(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_api", url))
            .merge(("wechat_appid", "wx-test"))
            .merge(("wechat_secret", "s3"))
    })
}

#[test]
fn with_an_appid_the_code_goes_to_jscode2session() {
    let fake = FakeServer::start(|_| {
        (
            200,
            json!({"openid": "o-real-1", "session_key": "c2Vzc2lvbmtleQ=="}).to_string(),
        )
    });
    let app = wechat_app(&fake);
    let customer = app.customer("wx-code");
    let calls = fake.calls("/sns/jscode2session");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].param("appid").as_deref(), Some("wx-test"));
    assert_eq!(calls[0].param("secret").as_deref(), Some("s3"));
    assert_eq!(calls[0].param("js_code").as_deref(), Some("wx-code"));
    assert_eq!(
        calls[0].param("grant_type").as_deref(),
        Some("authorization_code")
    );
    let (openid, key): (String, String) = app
        .db()
        .query_row(
            "SELECT openid, session_key FROM zl_customer WHERE id = ?1",
            [customer.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (openid.as_str(), key.as_str()),
        ("o-real-1", "c2Vzc2lvbmtleQ==")
    );
}

#[test]
fn wechat_refusing_the_code_is_a_clear_refusal_and_writes_nothing() {
    let fake = FakeServer::start(|_| {
        (
            200,
            json!({"errcode": 40029, "errmsg": "invalid code"}).to_string(),
        )
    });
    let app = wechat_app(&fake);
    let json = app.get("/zhugeleida/xiaochengxu/login?code=bad&user_type=2&source=1");
    assert_eq!(json["code"], 401);
    assert!(json["msg"].as_str().unwrap().contains("40029"), "{json}");
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_customer"), 0);

    let fake = FakeServer::start(|_| {
        (
            200,
            json!({"errcode": 40125, "errmsg": "invalid appsecret"}).to_string(),
        )
    });
    let app = wechat_app(&fake);
    let json = app.get("/zhugeleida/xiaochengxu/login?code=bad&user_type=2&source=1");
    assert_eq!(json["code"], 500);
    assert!(json["msg"].as_str().unwrap().contains("40125"), "{json}");
}

#[test]
fn an_unreachable_wechat_is_a_refusal_not_a_crash() {
    let app = TestApp::with(|f| {
        f.merge(("wechat_api", "http://127.0.0.1:9"))
            .merge(("wechat_appid", "wx-test"))
    });
    let json = app.get("/zhugeleida/xiaochengxu/login?code=a&user_type=2&source=1");
    assert_eq!(json["code"], 500);
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_customer"), 0);
}

#[test]
fn binding_creates_the_relation_and_the_greeting_once() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let customer = app.customer("c1");
    let uri = customer.uri(
        "/zhugeleida/xiaochengxu/login/binding",
        &format!("uid={}&source=1&user_type=2", boss.user_id),
    );
    assert_eq!(app.get(&uri)["code"], 200);
    assert_eq!(app.get(&uri)["code"], 200, "binding again is not an error");
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_relation"), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_chat WHERE send_type = 1 AND is_customer_new_msg = 1"),
        1
    );
    let greeting: String = app
        .db()
        .query_row("SELECT content FROM zl_chat", [], |r| r.get(0))
        .unwrap();
    assert!(greeting.contains("您好,我是合众康桥的boss"), "{greeting}");
    let company: i64 = app
        .db()
        .query_row(
            "SELECT company_id FROM zl_customer WHERE id = ?1",
            [customer.user_id],
            |r| r.get(0),
        )
        .unwrap();
    let boss_company: i64 = app
        .db()
        .query_row("SELECT company_id FROM zl_employee", [], |r| r.get(0))
        .unwrap();
    assert_eq!(company, boss_company);
}

#[test]
fn binding_refusals() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let customer = app.customer("c1");
    let bind = |extra: &str| app.get(&customer.uri("/zhugeleida/xiaochengxu/login/binding", extra));
    assert_eq!(bind("source=1")["code"], 303, "uid is required");
    assert_eq!(bind("uid=abc")["code"], 301);
    assert_eq!(bind("uid=999")["code"], 302);
    assert_eq!(bind(&format!("uid={}&source=9", boss.user_id))["code"], 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_relation"), 0);
    // `pid` counts only for a customer of the same card (security::identity::customers).
    let referrer = app.customer("c0");
    app.bind(&referrer, boss.user_id);
    assert_eq!(
        bind(&format!(
            "uid={}&source=2&pid={}",
            boss.user_id, referrer.user_id
        ))["code"],
        200
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_relation WHERE customer_parent_id = {}",
            referrer.user_id
        )),
        1
    );
}

#[test]
fn send_user_info_keeps_the_profile_in_either_spelling() {
    let app = TestApp::new();
    let customer = app.customer("c1");
    let uri = customer.uri("/zhugeleida/xiaochengxu/login/send_user_info", "");
    let json = app.post_form(
        &uri,
        "nickName=%E5%BC%A0%E7%82%AC&avatarUrl=http://img/a.png&gender=1&city=Beijing",
    );
    assert_eq!(json["code"], 200, "{json}");
    let json = app.post_json(&uri, &json!({"province": "北京", "language": "zh_CN"}));
    assert_eq!(json["code"], 200);
    let row: (String, String, i64, String, String) = app
        .db()
        .query_row(
            "SELECT username, headimgurl, sex, city, province FROM zl_customer",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(
        row,
        (
            "张炬".into(),
            "http://img/a.png".into(),
            1,
            "Beijing".into(),
            "北京".into()
        )
    );
    assert_eq!(app.post_form(&uri, "gender=male")["code"], 301);
}

#[test]
fn form_ids_are_stored_once_and_placeholders_skipped() {
    let app = TestApp::new();
    let customer = app.customer("c1");
    let uri = customer.uri("/zhugeleida/xiaochengxu/login/send_form_id", "");
    assert_eq!(app.post_form(&uri, "formId=f-1")["code"], 200);
    assert_eq!(app.post_form(&uri, "formId=f-1")["code"], 200);
    assert_eq!(
        app.post_form(&uri, "formId=the+formId+is+a+mock+one")["code"],
        200
    );
    assert_eq!(app.post_form(&uri, "")["code"], 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_form_id"), 1);
}
