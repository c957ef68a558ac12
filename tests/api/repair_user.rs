//! Repair app users (`/api/user`, `/api/login`, also under `/auth/`): registration, roles,
//! login with encryptedData, profile, formIds.

use rocket::http::{ContentType, Header};
use serde_json::{json, Value};

use crate::common::{envelope, FakeServer, TestApp};

pub const KEY: &str = "AAAAAAAAAAAAAAAAAAAAAA==";
pub const IV: &str = "AQEBAQEBAQEBAQEBAQEBAQ==";

pub fn wechat() -> FakeServer {
    FakeServer::start(|r| match r.path.as_str() {
        "/sns/jscode2session" => {
            let code = r.param("js_code").unwrap_or_default();
            if code == "bad" {
                return (
                    200,
                    json!({"errcode": 40029, "errmsg": "invalid code"}).to_string(),
                );
            }
            (
                200,
                json!({"openid": format!("o-{code}"), "session_key": KEY}).to_string(),
            )
        }
        "/cgi-bin/token" => (
            200,
            json!({"access_token": "TOKEN", "expires_in": 7200}).to_string(),
        ),
        _ => (200, json!({"errcode": 0, "errmsg": "ok"}).to_string()),
    })
}

pub fn app(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_api", url))
            .merge(("wechat_appid", "wx-repair"))
            .merge(("wechat_secret", "repair-secret"))
            .merge(("wechat_template_id", "TPL-REPAIR"))
    })
}

/// POST a JSON body, with a bearer token when given; the repair envelope has `code` 0 on success.
pub fn post(app: &TestApp, uri: &str, token: Option<&str>, body: &Value) -> Value {
    let mut req = app
        .client
        .post(uri.to_string())
        .header(ContentType::JSON)
        .body(body.to_string());
    if let Some(token) = token {
        req = req.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    envelope(req.dispatch())
}

pub fn get(app: &TestApp, uri: &str, token: Option<&str>) -> Value {
    let mut req = app.client.get(uri.to_string());
    if let Some(token) = token {
        req = req.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    envelope(req.dispatch())
}

/// Registers `code` with `userinfo`; returns (user id, token).
pub fn register(app: &TestApp, code: &str, userinfo: Value) -> (i64, String) {
    let body = json!({"action": "register", "code": code, "userinfo": userinfo,
                      "wx_userinfo": {"nickName": code}});
    let json = post(app, "/api/user", None, &body);
    assert_eq!(json["code"], 0, "{json}");
    assert_eq!(json["msg"], "");
    (
        json["data"]["user"]["id"].as_i64().unwrap(),
        json["data"]["token"].as_str().unwrap().to_string(),
    )
}

/// An admin sets `role` on a fresh user; returns (id, token).
pub fn with_role(app: &TestApp, admin: &str, code: &str, role: &str) -> (i64, String) {
    let (id, token) = register(app, code, json!({"name": code}));
    let body = json!({"action": "update", "user_id": id, "userinfo": {"role": role}});
    let json = post(app, "/api/user", Some(admin), &body);
    assert_eq!(json["code"], 0, "{json}");
    (id, token)
}

fn me(app: &TestApp, token: &str) -> Value {
    get(app, "/api/user?view=get_curr_user_info", Some(token))
}

#[test]
fn self_registration_never_grants_roles_the_operator_grants_the_admin() {
    let fake = wechat();
    let app = app(&fake);
    let (admin_id, admin) = register(&app, "a", json!({"name": "王工"}));
    assert_eq!(
        me(&app, &admin)["data"]["role"],
        "normal",
        "nobody is admin by arriving first"
    );
    app.promote("repair", &admin_id.to_string(), "admin");
    assert_eq!(me(&app, &admin)["data"]["role"], "admin");
    let info = json!({"name": "张三", "phone": "13800000001", "address": "3号楼", "company": "物业",
                      "age": 30, "email": "z@example.com", "role": "admin"});
    let (_, token) = register(&app, "b", info);
    let json = me(&app, &token);
    assert_eq!(json["code"], 0, "{json}");
    assert_eq!(json["data"]["role"], "normal");
    assert_eq!(json["data"]["name"], "张三");
    assert_eq!(json["data"]["age"], 30);
    assert_eq!(json["data"]["wx_userinfo"]["nickName"], "b");
    let (_, repair) = register(&app, "c", json!({"role": "repair"}));
    assert_eq!(me(&app, &repair)["data"]["role"], "normal");
    let call = &fake.calls("/sns/jscode2session")[0];
    assert_eq!(call.param("appid").as_deref(), Some("wx-repair"));
    assert_eq!(call.param("secret").as_deref(), Some("repair-secret"));
}

#[test]
fn register_refusals() {
    let fake = wechat();
    let app = app(&fake);
    register(&app, "a", json!({}));
    let again = post(
        &app,
        "/api/user",
        None,
        &json!({"action": "register", "code": "a"}),
    );
    assert_eq!(again["code"], 300);
    let no_code = post(&app, "/api/user", None, &json!({"action": "register"}));
    assert_eq!(no_code["code"], 303);
    assert!(no_code["msg"].as_str().unwrap().contains("code"));
    let bad = |userinfo: Value| {
        post(
            &app,
            "/api/user",
            None,
            &json!({"action": "register", "code": "x", "userinfo": userinfo}),
        )["code"]
            .clone()
    };
    assert_eq!(bad(json!("text")), 301);
    assert_eq!(bad(json!({"role": "boss"})), 303);
    assert_eq!(bad(json!({"age": "old"})), 301);
    assert_eq!(bad(json!({"age": 200})), 303);
    assert_eq!(bad(json!({"email": "nope"})), 303);
    assert_eq!(bad(json!({"name": 5})), 301);
    let refused = post(
        &app,
        "/api/user",
        None,
        &json!({"action": "register", "code": "bad"}),
    );
    assert_eq!(refused["code"], 401);
    let unknown = post(&app, "/api/user", None, &json!({"action": "fly"}));
    assert_eq!(unknown["code"], 303);
    assert_eq!(post(&app, "/api/user", None, &json!({}))["code"], 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM rp_user"), 1);
}

#[test]
fn login_decrypts_the_profile_and_gives_a_new_token() {
    let fake = wechat();
    let app = app(&fake);
    let (id, first) = register(&app, "a", json!({"name": "王工"}));
    let info = json!({"nickName": "老王", "avatarUrl": "http://a/x.png",
                      "watermark": {"appid": "wx-repair", "timestamp": 1}});
    let data = leida::wechat::crypto::encrypt(KEY, IV, &info);
    let json = post(
        &app,
        "/api/login",
        None,
        &json!({"code": "a", "encryptedData": data, "iv": IV}),
    );
    assert_eq!(json["code"], 0, "{json}");
    let token = json["data"]["token"].as_str().unwrap().to_string();
    assert_ne!(token, first);
    assert_eq!(json["data"]["user"]["id"], id);
    assert_eq!(json["data"]["user"]["wx_userinfo"]["nickName"], "老王");
    assert!(json["data"]["user"]["wx_userinfo"]
        .get("watermark")
        .is_none());
    assert_eq!(me(&app, &token)["data"]["id"], id);
    assert_eq!(me(&app, &first)["code"], 400, "the old token stops working");

    let via_auth = post(&app, "/auth/login", None, &json!({"code": "a"}));
    assert_eq!(via_auth["code"], 0);
    let token = via_auth["data"]["token"].as_str().unwrap();
    assert_eq!(
        get(&app, "/auth/user?view=get_curr_user_info", Some(token))["data"]["id"],
        id
    );
}

#[test]
fn login_refusals() {
    let fake = wechat();
    let app = app(&fake);
    register(&app, "a", json!({}));
    assert_eq!(
        post(&app, "/api/login", None, &json!({"code": "nobody"}))["code"],
        302
    );
    assert_eq!(post(&app, "/api/login", None, &json!({}))["code"], 303);
    let foreign = json!({"nickName": "x", "watermark": {"appid": "wx-other"}});
    let data = leida::wechat::crypto::encrypt(KEY, IV, &foreign);
    let json = post(
        &app,
        "/api/login",
        None,
        &json!({"code": "a", "encryptedData": data, "iv": IV}),
    );
    assert_eq!(json["code"], 303, "{json}");
    let other_key = leida::wechat::crypto::encrypt("EBAQEBAQEBAQEBAQEBAQEA==", IV, &foreign);
    let json = post(
        &app,
        "/api/login",
        None,
        &json!({"code": "a", "encryptedData": other_key, "iv": IV}),
    );
    assert_eq!(json["code"], 303, "{json}");
    assert!(json["msg"].as_str().unwrap().contains("请重新登录"));
    let no_iv = post(
        &app,
        "/api/login",
        None,
        &json!({"code": "a", "encryptedData": "abc"}),
    );
    assert_eq!(no_iv["code"], 303);
    let broken = envelope(
        app.client
            .post("/api/login")
            .header(ContentType::JSON)
            .body("{not json")
            .dispatch(),
    );
    assert_eq!(broken["code"], 303);
}

#[test]
fn the_current_user_needs_a_valid_bearer_token() {
    let fake = wechat();
    let app = app(&fake);
    let (id, token) = register(&app, "a", json!({}));
    assert_eq!(
        get(&app, "/api/user?view=get_curr_user_info", None)["code"],
        400
    );
    assert_eq!(
        get(&app, "/api/user?view=get_curr_user_info", Some("forged"))["code"],
        400
    );
    assert_eq!(
        get(&app, "/api/user", Some(&token))["data"]["id"],
        id,
        "the default view"
    );
    assert_eq!(get(&app, "/api/user?view=other", Some(&token))["code"], 303);
}

#[test]
fn only_an_admin_gives_roles_or_changes_other_users() {
    let fake = wechat();
    let app = app(&fake);
    let (admin_id, admin) = register(&app, "a", json!({}));
    app.promote("repair", &admin_id.to_string(), "admin");
    let (bob_id, bob) = register(&app, "b", json!({"name": "Bob"}));
    let (carl_id, _) = register(&app, "c", json!({}));
    let update = |token: &str, body: Value| {
        let mut body = body;
        body["action"] = json!("update");
        post(&app, "/api/user", Some(token), &body)
    };
    let own = update(
        &bob,
        json!({"userinfo": {"phone": "13800000002"}, "wx_userinfo": {"nickName": "B"}}),
    );
    assert_eq!(own["code"], 0, "{own}");
    assert_eq!(own["data"]["user"]["phone"], "13800000002");
    assert_eq!(own["data"]["user"]["name"], "Bob", "absent fields stay");
    assert_eq!(own["data"]["user"]["wx_userinfo"]["nickName"], "B");
    assert_eq!(
        update(&bob, json!({"userinfo": {"role": "repair"}}))["code"],
        403
    );
    assert_eq!(
        update(&bob, json!({"userinfo": {"role": "normal"}}))["code"],
        0,
        "unchanged role"
    );
    assert_eq!(
        update(&bob, json!({"user_id": carl_id, "userinfo": {"name": "x"}}))["code"],
        403
    );
    let promoted = update(
        &admin,
        json!({"user_id": bob_id, "userinfo": {"role": "repair"}}),
    );
    assert_eq!(promoted["data"]["user"]["role"], "repair", "{promoted}");
    assert_eq!(
        update(
            &admin,
            json!({"user_id": admin_id, "userinfo": {"role": "normal"}})
        )["code"],
        305
    );
    assert_eq!(
        update(&admin, json!({"user_id": 999, "userinfo": {"name": "x"}}))["code"],
        302
    );
    assert_eq!(
        post(&app, "/api/user", None, &json!({"action": "update"}))["code"],
        400
    );

    let list = get(&app, "/api/user?view=list&role=repair", Some(&admin));
    assert_eq!(list["data"]["list"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["data"]["list"][0]["id"], bob_id);
    assert_eq!(get(&app, "/api/user?view=list", Some(&bob))["code"], 403);
    assert_eq!(
        get(&app, "/api/user?view=list&role=x", Some(&admin))["code"],
        303
    );
}

#[test]
fn form_ids_are_stored_for_the_caller() {
    let fake = wechat();
    let app = app(&fake);
    let (_, token) = register(&app, "a", json!({}));
    let store = |form_id: &str| {
        post(
            &app,
            "/api/user",
            Some(&token),
            &json!({"action": "form_id", "form_id": form_id}),
        )
    };
    assert_eq!(store("F-1")["data"]["stored"], true);
    assert_eq!(store("F-1")["code"], 0);
    assert_eq!(store("the formId is a mock one")["data"]["stored"], false);
    assert_eq!(
        post(
            &app,
            "/api/user",
            Some(&token),
            &json!({"action": "form_id"})
        )["code"],
        303
    );
    assert_eq!(
        post(
            &app,
            "/api/user",
            None,
            &json!({"action": "form_id", "form_id": "x"})
        )["code"],
        400
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM rp_form_id"), 1);
}

#[test]
fn offline_mode_registers_with_a_dev_openid() {
    let app = TestApp::new();
    let json = post(
        &app,
        "/api/user",
        None,
        &json!({"action": "register", "code": "x"}),
    );
    assert_eq!(json["code"], 0, "{json}");
    let login = post(
        &app,
        "/api/login",
        None,
        &json!({"code": "x", "encryptedData": "e", "iv": "i"}),
    );
    assert_eq!(login["code"], 0, "{login}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM rp_user WHERE openid LIKE 'dev-%'"),
        1
    );
}
