//! `work_weixin_auth/{company_id}?code=`: Work WeChat sign-in against a fake Work WeChat.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use leida::secrets::WORK_SECRET;
use serde_json::json;

use super::{add_role, add_user, company_of, get, post};
use crate::common::{FakeServer, TestApp};

/// Hands out tokens T1, T2...; `getuserinfo` answers by code, and refuses T1 for `expire`.
fn fake_work_wechat() -> FakeServer {
    let issued = Arc::new(AtomicUsize::new(0));
    FakeServer::start(move |req| {
        let answer = match req.path.as_str() {
            "/cgi-bin/gettoken" => {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                json!({"errcode": 0, "access_token": format!("T{n}"), "expires_in": 7200})
            }
            "/cgi-bin/user/getuserinfo" => {
                match (
                    req.param("code").unwrap_or_default().as_str(),
                    req.param("access_token"),
                ) {
                    ("expire", Some(t)) if t == "T1" => {
                        json!({"errcode": 40001, "errmsg": "invalid credential"})
                    }
                    ("good" | "expire", _) => {
                        json!({"errcode": 0, "UserId": "ZhangSan", "DeviceId": ""})
                    }
                    ("new-api", _) => json!({"errcode": 0, "userid": "ZhangSan"}),
                    ("stranger", _) => json!({"errcode": 0, "UserId": "Nobody"}),
                    ("outsider", _) => json!({"errcode": 0, "OpenId": "oXyz"}),
                    _ => json!({"errcode": 40029, "errmsg": "invalid code"}),
                }
            }
            _ => json!({"errcode": 404}),
        };
        (200, answer.to_string())
    })
}

struct Scene {
    app: TestApp,
    fake: FakeServer,
    company: i64,
    zhang: i64,
}

/// A company with its own Work WeChat app and an employee whose userid is `ZhangSan`.
fn scene(defaults: bool) -> Scene {
    let fake = fake_work_wechat();
    let url = fake.url.clone();
    let app = TestApp::with(move |f| {
        let f = f.merge(("work_wechat_api", url));
        if defaults {
            f.merge(("work_wechat_corpid", "default-corp"))
                .merge(("work_wechat_secret", "default-secret"))
                .merge(("work_wechat_agentid", 1000009))
        } else {
            f
        }
    });
    let boss = app.admin("boss", "合众康桥");
    let company = company_of(&app, boss.user_id);
    let role = add_role(&app, &boss, "销售", "[]");
    let zhang = add_user(&app, &boss, "zhang", role).user_id;
    let set = post(
        &app,
        &boss,
        &format!("user/update/{zhang}"),
        "userid=ZhangSan",
    );
    assert_eq!(set["code"], 200);
    Scene {
        app,
        fake,
        company,
        zhang,
    }
}

/// Stored as the credentials endpoint stores it: the secret sealed (issue 14).
fn corp(s: &Scene) {
    let secret = s.app.secrets().seal(WORK_SECRET, "s3cret").unwrap();
    s.app
        .db()
        .execute(
            "UPDATE zl_company SET work_corp_id = 'corp1', work_secret = ?1, work_agent_id = '1000002'",
            [secret],
        )
        .unwrap();
}

fn sign_in(s: &Scene, code: &str) -> serde_json::Value {
    s.app.get(&format!(
        "/zhugeleida/qiyeweixin/work_weixin_auth/{}?code={code}&user_type=1&source=2",
        s.company
    ))
}

#[test]
fn a_work_wechat_member_signs_in_like_with_a_password() {
    let s = scene(false);
    corp(&s);
    let json = sign_in(&s, "good");
    assert_eq!(json["code"], 200, "{json}");
    let data = &json["data"];
    assert_eq!(data["user_id"], s.zhang);
    assert_eq!(data["company_id"], s.company);
    assert_eq!(data["role_name"], "销售");
    assert!(data["role_id"].as_i64().is_some());
    let password = s.app.post_form(
        "/zhugeleida/admin/login",
        "username=zhang&password=pw-123456",
    );
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(data),
        keys(&password["data"]),
        "the same shape as admin/login"
    );
    assert_eq!(data["token"], password["data"]["token"]);

    let token = s.fake.calls("/cgi-bin/gettoken");
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].param("corpid").as_deref(), Some("corp1"));
    assert_eq!(token[0].param("corpsecret").as_deref(), Some("s3cret"));
    let info = s.fake.calls("/cgi-bin/user/getuserinfo");
    assert_eq!(info[0].param("code").as_deref(), Some("good"));
    assert_eq!(info[0].param("access_token").as_deref(), Some("T1"));

    let signer = crate::common::Signer {
        user_id: s.zhang,
        token: data["token"].as_str().unwrap().to_string(),
    };
    assert_eq!(
        get(&s.app, &signer, "tag_user", "")["code"],
        200,
        "the token signs requests"
    );

    assert_eq!(
        sign_in(&s, "new-api")["code"],
        200,
        "the newer `userid` key too"
    );
    assert_eq!(
        s.fake.calls("/cgi-bin/gettoken").len(),
        1,
        "the access token is cached"
    );
}

#[test]
fn a_refused_access_token_is_renewed_once() {
    let s = scene(false);
    corp(&s);
    let json = sign_in(&s, "expire");
    assert_eq!(json["code"], 200, "{json}");
    let info = s.fake.calls("/cgi-bin/user/getuserinfo");
    let tokens: Vec<_> = info
        .iter()
        .map(|r| r.param("access_token").unwrap())
        .collect();
    assert_eq!(tokens, ["T1", "T2"]);
    assert_eq!(s.fake.calls("/cgi-bin/gettoken").len(), 2);
}

#[test]
fn the_configured_corp_serves_a_company_without_its_own() {
    let s = scene(true);
    assert_eq!(sign_in(&s, "good")["code"], 200);
    let token = s.fake.calls("/cgi-bin/gettoken");
    assert_eq!(token[0].param("corpid").as_deref(), Some("default-corp"));
}

fn last_login(s: &Scene) -> Option<String> {
    s.app
        .db()
        .query_row(
            "SELECT last_login_date FROM zl_employee WHERE id = ?1",
            [s.zhang],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn sign_in_refusals_are_clear_and_write_nothing() {
    let s = scene(false);
    let before = last_login(&s);
    let not_configured = sign_in(&s, "good");
    assert_eq!(not_configured["code"], 403);
    assert!(not_configured["msg"].as_str().unwrap().contains("企业微信"));
    assert!(s.fake.requests().is_empty());

    corp(&s);
    for code in ["stranger", "outsider", "bad"] {
        let json = sign_in(&s, code);
        assert_eq!(json["code"], 401, "{code}: {json}");
    }
    assert!(sign_in(&s, "bad")["msg"]
        .as_str()
        .unwrap()
        .contains("40029"));
    let missing = s.app.get(&format!(
        "/zhugeleida/qiyeweixin/work_weixin_auth/{}",
        s.company
    ));
    assert_eq!(missing["code"], 303);
    assert_eq!(
        s.app
            .get("/zhugeleida/qiyeweixin/work_weixin_auth/999?code=good")["code"],
        302
    );
    assert_eq!(
        s.app
            .get("/zhugeleida/qiyeweixin/work_weixin_auth/abc?code=good")["code"],
        301
    );

    s.app
        .db()
        .execute("UPDATE zl_employee SET status = 2 WHERE id = ?1", [s.zhang])
        .unwrap();
    assert_eq!(sign_in(&s, "good")["code"], 306);
    s.app
        .db()
        .execute("UPDATE zl_employee SET status = 1", [])
        .unwrap();
    s.app
        .db()
        .execute(
            "UPDATE zl_company SET account_expired_time = '2001-01-01T00:00:00.000'",
            [],
        )
        .unwrap();
    assert_eq!(sign_in(&s, "good")["code"], 403);
    assert_eq!(last_login(&s), before, "no refusal touched the employee");
}

#[test]
fn a_userid_of_another_company_does_not_sign_in_here() {
    let s = scene(false);
    corp(&s);
    let other = s.app.admin("other", "别的公司");
    let other_company = company_of(&s.app, other.user_id);
    let secret = s.app.secrets().seal(WORK_SECRET, "s3cret").unwrap();
    s.app
        .db()
        .execute(
            "UPDATE zl_company SET work_corp_id = 'corp1', work_secret = ?2 WHERE id = ?1",
            rusqlite::params![other_company, secret],
        )
        .unwrap();
    let json = s.app.get(&format!(
        "/zhugeleida/qiyeweixin/work_weixin_auth/{other_company}?code=good"
    ));
    assert_eq!(
        json["code"], 401,
        "ZhangSan is an employee of the first company only"
    );
}
