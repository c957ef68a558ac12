//! Stored free text: refused beyond its limit when typed, cut when WeChat supplied it.

use rocket::http::{ContentType, Header};
use serde_json::{json, Value};

use crate::common::{table_columns, TestApp};

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
    let mut longest = 0;
    for (table, column) in table_columns(&db) {
        let sql = format!(
            "SELECT COALESCE(MAX(length(\"{column}\")), 0) FROM \"{table}\" WHERE typeof(\"{column}\") = 'text'"
        );
        longest = longest.max(db.query_row(&sql, [], |r| r.get::<_, i64>(0)).unwrap());
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
        account: leida::outbox::Account::Unnamed,
        corpid: "corp".into(),
        agentid: "1".into(),
        touser: "u".into(),
        content: "长".repeat(400_000),
    };
    leida::outbox::enqueue(&conn, &push).unwrap();
    let template = leida::outbox::Message::MiniTemplate {
        account: leida::outbox::Account::Unnamed,
        appid: "wx".into(),
        body: json!({"touser": "o", "data": {"keyword1": {"value": huge()}}}),
    };
    leida::outbox::enqueue(&conn, &template).unwrap();
    let longest: i64 = app.count("SELECT MAX(length(CAST(payload AS BLOB))) FROM outbox");
    assert!(longest < 2048 + 300, "a queued payload of {longest} bytes");
}
