//! The company's WeChat credentials (secrets write-only) and the salesperson's own poster,
//! both for the console.

use serde_json::json;

use leida::secrets::MP_SECRET;

use crate::common::TestApp;
use crate::zhuge_product::salesperson;

#[test]
fn credentials_are_set_by_the_permission_and_secrets_never_shown() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let uri = boss.uri("/zhugeleida/qiyeweixin/company/credentials", "");
    let before = app.get(&uri);
    assert_eq!(before["data"]["mp_secret_set"], false, "{before}");

    let saved = app.post_form(
        &uri,
        "mp_appid=wx-own&mp_secret=s3cret&work_corp_id=ww1&work_agent_id=1000002",
    );
    assert_eq!(saved["code"], 200, "{saved}");
    let shown = app.get(&boss.uri("/zhugeleida/qiyeweixin/company/credentials", ""));
    assert_eq!(shown["data"]["mp_appid"], "wx-own");
    assert_eq!(shown["data"]["mp_secret_set"], true);
    assert_eq!(shown["data"]["work_agent_id"], "1000002");
    assert!(
        !shown.to_string().contains("s3cret"),
        "a secret is never shown"
    );
    let stored: (String, String) = app
        .db()
        .query_row("SELECT mp_appid, mp_secret FROM zl_company", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(stored.0, "wx-own");
    // Stored sealed (issue 14), opening to what was sent.
    let opened = app.secrets().open(MP_SECRET, &stored.1).unwrap();
    assert_eq!(opened, "s3cret");

    let bad = app.post_form(
        &boss.uri("/zhugeleida/qiyeweixin/company/credentials", ""),
        "mp_appid=has space",
    );
    assert_eq!(bad["code"], 303);
    let nothing = app.post_form(
        &boss.uri("/zhugeleida/qiyeweixin/company/credentials", ""),
        "other=1",
    );
    assert_eq!(nothing["code"], 303);
    let seller = salesperson(&app, &boss, "xiaowang");
    let refused = app.post_form(
        &seller.uri("/zhugeleida/qiyeweixin/company/credentials", ""),
        "mp_appid=x",
    );
    assert_eq!(refused["code"], 403);
    assert_eq!(
        app.get(&seller.uri("/zhugeleida/qiyeweixin/company/credentials", ""))["code"],
        403
    );
    let unchanged: String = app
        .db()
        .query_row("SELECT mp_appid FROM zl_company", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unchanged, "wx-own");
}

#[test]
fn a_salesperson_downloads_their_own_poster() {
    let app = TestApp::new();
    let (boss, customer) = app.boss_and_customer();
    let got = app.get(&boss.uri("/zhugeleida/qiyeweixin/mingpian/poster", ""));
    assert_eq!(got["code"], 200, "{got}");
    assert_eq!(got["data"]["user_id"], json!(boss.user_id));
    let url = got["data"]["poster_url"].as_str().unwrap();
    let rel = url.strip_prefix("statics/").expect(url);
    let png = std::fs::read(app.dir.path().join("files").join(rel)).unwrap();
    let served = app.client.get(format!("/{url}")).dispatch();
    assert_eq!(served.content_type(), Some(rocket::http::ContentType::PNG));
    assert_eq!(served.into_bytes().unwrap(), png);
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (604, 851));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_radar"),
        0,
        "no radar event"
    );
    let as_customer = app.get(&customer.uri("/zhugeleida/qiyeweixin/mingpian/poster", ""));
    assert_eq!(as_customer["code"], 400);
}
