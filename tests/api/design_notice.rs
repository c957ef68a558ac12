//! Design forms: formIds and template messages through the outbox (`/small/`).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::{FakeServer, TestApp};

fn wechat() -> FakeServer {
    FakeServer::start(|r| match r.path.as_str() {
        "/sns/jscode2session" => {
            let code = r.param("js_code").unwrap_or_default();
            let answer =
                json!({"openid": format!("o-{code}"), "session_key": "AAAAAAAAAAAAAAAAAAAAAA=="});
            (200, answer.to_string())
        }
        "/cgi-bin/token" => (
            200,
            json!({"access_token": "TOKEN", "expires_in": 7200}).to_string(),
        ),
        _ => (200, json!({"errcode": 0, "errmsg": "ok"}).to_string()),
    })
}

fn app(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_api", url))
            .merge(("wechat_appid", "wx-design"))
            .merge(("wechat_secret", "design-secret"))
    })
}

/// A user bound to `phone` through the fake WeChat; the openid is `o-{code}`.
fn user(app: &TestApp, code: &str, phone: &str) -> String {
    let json = app.post_form("/small/getUserInfo", &format!("code={code}&iv=aXY="));
    assert_eq!(json["code"], 200, "{json}");
    let openid = json["data"]["openid"].as_str().unwrap().to_string();
    let json = app.post_form("/small/register", &format!("openid={openid}&phone={phone}"));
    assert_eq!(json["code"], 200, "{json}");
    openid
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(8),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn send(app: &TestApp, from: &str, to: &str, extra: &str) -> Value {
    let data = json!({"touser": to, "template_id": "TPL-1", "page": "pages/index",
                      "data": {"keyword1": {"value": "新需求"}}, "junk": 1});
    let body = json!({"openid": from, "data": data}).to_string();
    let mut body: Value = serde_json::from_str(&body).unwrap();
    for pair in extra.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap();
        body[k] = json!(v);
    }
    app.post_json("/small/sendTemplate", &body)
}

#[test]
fn a_template_message_spends_one_form_id_of_the_recipient() {
    let fake = wechat();
    let app = app(&fake);
    let manager = user(&app, "m", "13900000000");
    app.promote("design", &manager, "manager");
    let alice = user(&app, "alice", "13800000001");
    let json = app.post_form("/small/formId", &format!("openid={alice}&formid=F-1"));
    assert_eq!(json["code"], 200, "{json}");
    app.post_form("/small/formId", &format!("openid={alice}&formid=F-1"));
    let mock = app.post_form(
        "/small/formId",
        &format!("openid={alice}&formid=the formId is a mock one"),
    );
    assert_eq!(mock["data"]["stored"], false);
    assert_eq!(app.count("SELECT COUNT(*) FROM sm_form_id"), 1);

    let json = send(&app, &manager, &alice, "");
    assert_eq!(json["code"], 200, "{json}");
    let sent = || fake.calls("/cgi-bin/message/wxopen/template/send");
    wait_for("the template message", || sent().len() == 1);
    let call = &sent()[0];
    assert_eq!(call.param("access_token").as_deref(), Some("TOKEN"));
    let body: Value = serde_json::from_str(&call.body).unwrap();
    assert_eq!(body["touser"], alice.as_str());
    assert_eq!(body["form_id"], "F-1");
    assert_eq!(body["template_id"], "TPL-1");
    assert!(body.get("junk").is_none());

    let again = send(&app, &manager, &alice, "");
    assert_eq!(again["code"], 303, "the formId was single use: {again}");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 1);
}

#[test]
fn expired_form_ids_are_not_used_and_subscribe_messages_need_none() {
    let fake = wechat();
    let app = app(&fake);
    let manager = user(&app, "m", "13900000000");
    app.promote("design", &manager, "manager");
    let alice = user(&app, "alice", "13800000001");
    app.post_form("/small/formId", &format!("openid={alice}&formid=OLD"));
    app.db()
        .execute("UPDATE sm_form_id SET expires_at = 1", [])
        .unwrap();
    assert_eq!(send(&app, &manager, &alice, "")["code"], 303);

    let json = send(&app, &manager, &alice, "subscribe=1");
    assert_eq!(json["code"], 200, "{json}");
    let sent = || fake.calls("/cgi-bin/message/subscribe/send");
    wait_for("the subscribe message", || sent().len() == 1);
    let body: Value = serde_json::from_str(&sent()[0].body).unwrap();
    assert!(body.get("form_id").is_none());
}

#[test]
fn send_template_refusals() {
    let fake = wechat();
    let app = app(&fake);
    let manager = user(&app, "m", "13900000000");
    app.promote("design", &manager, "manager");
    let alice = user(&app, "alice", "13800000001");
    let bob = user(&app, "bob", "13800000002");
    app.post_form("/small/formId", &format!("openid={bob}&formid=B-1"));
    assert_eq!(
        send(&app, &alice, &bob, "")["code"],
        403,
        "customer to customer"
    );
    assert_eq!(send(&app, "nobody", &bob, "")["code"], 302);
    assert_eq!(send(&app, &manager, "o-nobody", "")["code"], 302);
    let no_data = app.post_form("/small/sendTemplate", &format!("openid={manager}"));
    assert_eq!(no_data["code"], 303);
    let bad = app.post_form("/small/sendTemplate", &format!("openid={manager}&data=[1]"));
    assert_eq!(bad["code"], 301);
    let no_template = app.post_json(
        "/small/sendTemplate",
        &json!({"openid": manager, "data": {"touser": bob}}),
    );
    assert_eq!(no_template["code"], 303);
    assert!(no_template["msg"].as_str().unwrap().contains("template_id"));
    assert_eq!(
        app.post_form("/small/formId", "openid=nobody&formid=x")["code"],
        302
    );
    assert_eq!(
        app.post_form("/small/formId", &format!("openid={bob}"))["code"],
        303
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sm_form_id WHERE used = 1"),
        0
    );
}

#[test]
fn offline_mode_refuses_to_send() {
    let app = TestApp::new();
    let json = app.post_form("/small/getUserInfo", "code=m&iv=aXY=");
    let openid = json["data"]["openid"].as_str().unwrap().to_string();
    let json = app.post_json(
        "/small/sendTemplate",
        &json!({"openid": openid, "data": {"touser": openid, "template_id": "T"}}),
    );
    assert_eq!(json["code"], 500);
    assert!(json["msg"].as_str().unwrap().contains("wechat_appid"));
}
