//! The design app's staff roster binds only a phone WeChat proved to be the caller's:
//! `getPhoneNumber`'s code or `encryptedData` sealed with the caller's session key. A typed
//! phone is contact data and grants nothing.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::common::{FakeServer, TestApp};

const APPID: &str = "wx-design";
const STAFF: &str = "13900000002";

fn key() -> String {
    STANDARD.encode([7u8; 16])
}

/// WeChat: `js_code` X signs in as `o-X`; a phone code `phone-N` proves N, any other fails.
fn wechat() -> FakeServer {
    FakeServer::start(|r| {
        let body = match r.path.as_str() {
            "/sns/jscode2session" => {
                let code = r.param("js_code").unwrap_or_default();
                json!({"openid": format!("o-{code}"), "session_key": key()})
            }
            "/cgi-bin/token" => json!({"access_token": "TOKEN", "expires_in": 7200}),
            "/wxa/business/getuserphonenumber" => {
                let asked: Value = serde_json::from_str(&r.body).unwrap_or_default();
                match asked["code"]
                    .as_str()
                    .and_then(|c| c.strip_prefix("phone-"))
                {
                    Some(phone) => json!({"errcode": 0, "phone_info": {"phoneNumber": phone}}),
                    None => json!({"errcode": 40029, "errmsg": "invalid code"}),
                }
            }
            _ => json!({"errcode": 0}),
        };
        (200, body.to_string())
    })
}

fn online(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_api", url))
            .merge(("wechat_appid", APPID))
            .merge(("wechat_secret", "design-secret"))
    })
}

fn sign_in(app: &TestApp, code: &str) -> String {
    let json = app.post_form("/small/getUserInfo", &format!("code={code}&iv=aXY="));
    assert_eq!(json["code"], 200, "{json}");
    json["data"]["openid"].as_str().unwrap().to_string()
}

fn register(app: &TestApp, openid: &str, extra: &str) -> Value {
    app.post_form("/small/register", &format!("openid={openid}&{extra}"))
}

fn level(app: &TestApp, openid: &str) -> i64 {
    let json = app.post_form("/small/getUserLevel", &format!("openid={openid}"));
    json["data"]["level"].as_i64().unwrap()
}

/// A manager (granted by the operator) who has put `STAFF` on the roster as a designer.
fn firm(app: &TestApp) -> String {
    let manager = sign_in(app, "boss");
    assert_eq!(
        register(app, &manager, "code=phone-13900000000")["code"],
        200
    );
    app.promote("design", &manager, "manager");
    let json = app.post_form(
        "/small/addEmploye",
        &format!("openid={manager}&phone={STAFF}&level=2"),
    );
    assert_eq!(json["code"], 200, "{json}");
    manager
}

fn sealed(phone: &str, appid: &str) -> String {
    let iv = STANDARD.encode([1u8; 16]);
    let plain = json!({"phoneNumber": phone, "purePhoneNumber": phone,
                       "watermark": {"appid": appid, "timestamp": 1}});
    let data = leida::wechat::crypto::encrypt(&key(), &iv, &plain);
    format!(
        "encryptedData={}&iv={}",
        crate::common::urlencode(&data),
        crate::common::urlencode(&iv)
    )
}

#[test]
fn a_typed_roster_phone_binds_a_customer_who_cannot_staff_the_firm() {
    let fake = wechat();
    let app = online(&fake);
    firm(&app);
    let intruder = sign_in(&app, "intruder");
    let json = register(&app, &intruder, &format!("phone={STAFF}"));
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["level"], 1, "{json}");
    assert_eq!(json["data"]["phone_verified"], false);
    let add = app.post_form(
        "/small/addEmploye",
        &format!("openid={intruder}&phone=13900000009&level=2"),
    );
    assert_eq!(add["code"], 403, "{add}");
    // Re-adding the phone to the roster does not reach a typed phone either.
    let manager = sign_in(&app, "boss");
    app.post_form(
        "/small/addEmploye",
        &format!("openid={manager}&phone={STAFF}&level=3"),
    );
    assert_eq!(level(&app, &intruder), 1);
}

#[test]
fn a_phone_proven_by_code_binds_at_its_roster_level_even_after_someone_typed_it() {
    let fake = wechat();
    let app = online(&fake);
    firm(&app);
    let intruder = sign_in(&app, "intruder");
    assert_eq!(
        register(&app, &intruder, &format!("phone={STAFF}"))["code"],
        200
    );

    let designer = sign_in(&app, "designer");
    let json = register(
        &app,
        &designer,
        &format!("code=phone-{STAFF}&phone=13800000000"),
    );
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["level"], 2);
    assert_eq!(
        json["data"]["phone"], STAFF,
        "WeChat's phone, not the typed one"
    );
    assert_eq!(json["data"]["phone_verified"], true);
    let asked = fake.calls("/wxa/business/getuserphonenumber");
    assert_eq!(
        asked.last().unwrap().param("access_token").as_deref(),
        Some("TOKEN")
    );
    assert_eq!(level(&app, &intruder), 1, "typing it first won nothing");

    // Proven is final: nobody else proves it, and its owner keeps it.
    let other = sign_in(&app, "other");
    assert_eq!(
        register(&app, &other, &format!("code=phone-{STAFF}"))["code"],
        300
    );
    assert_eq!(
        register(&app, &designer, "code=phone-13800000001")["code"],
        300
    );
    assert_eq!(register(&app, &designer, "phone=13800000001")["code"], 300);
    // A promotion on the roster reaches a proven phone at once.
    let manager = sign_in(&app, "boss");
    let json = app.post_form(
        "/small/addEmploye",
        &format!("openid={manager}&phone={STAFF}&level=3"),
    );
    assert_eq!(json["data"]["bound"], true, "{json}");
    assert_eq!(level(&app, &designer), 3);
}

#[test]
fn a_phone_sealed_with_the_session_key_binds_at_its_roster_level() {
    let fake = wechat();
    let app = online(&fake);
    firm(&app);
    let designer = sign_in(&app, "designer");
    let json = register(&app, &designer, &sealed(STAFF, APPID));
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["level"], 2);
    assert_eq!(json["data"]["phone_verified"], true);

    // Sealed for another mini-program: refused, nothing bound.
    let other = sign_in(&app, "other");
    let json = register(&app, &other, &sealed("13900000007", "wx-other"));
    assert_eq!(json["code"], 303, "{json}");
    assert_eq!(level(&app, &other), 0);
}

#[test]
fn a_refused_proof_binds_nothing() {
    let fake = wechat();
    let app = online(&fake);
    firm(&app);
    let intruder = sign_in(&app, "intruder");
    let json = register(&app, &intruder, &format!("code=forged&phone={STAFF}"));
    assert_eq!(json["code"], 303, "{json}");
    let json = register(&app, &intruder, "encryptedData=AAAA");
    assert_eq!(json["code"], 303, "{json}");
    assert!(json["msg"].as_str().unwrap().contains("iv"));
    assert_eq!(level(&app, &intruder), 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sm_user WHERE phone = '{STAFF}'"
        )),
        0
    );
}

#[test]
fn offline_dev_mode_has_no_wechat_to_prove_a_phone_so_the_roster_grants_nothing() {
    let app = TestApp::new();
    let manager = sign_in(&app, "boss");
    app.promote("design", &manager, "manager");
    app.post_form(
        "/small/addEmploye",
        &format!("openid={manager}&phone={STAFF}&level=2"),
    );
    let typed = sign_in(&app, "typed");
    assert_eq!(
        register(&app, &typed, &format!("phone={STAFF}"))["data"]["level"],
        1
    );
    let coded = sign_in(&app, "coded");
    let json = register(&app, &coded, &format!("code=phone-{STAFF}"));
    assert_eq!(json["code"], 303, "{json}");
    assert_eq!(level(&app, &coded), 0);
}
