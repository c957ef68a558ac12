//! Offline dev mode only where the operator means it.

use leida::config::Settings;
use rocket::figment::Figment;
use serde_json::{json, Value};

use crate::common::TestApp;

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
