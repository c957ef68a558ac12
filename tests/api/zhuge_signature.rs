//! The signature guards: forged, stale, missing, the wrong principal, a disabled account.

use crate::common::{Signer, TestApp};

fn card_uri(customer: &Signer, uid: i64) -> String {
    customer.uri("/zhugeleida/xiaochengxu/mingpian", &format!("uid={uid}"))
}

#[test]
fn a_forged_or_stale_signature_is_400_and_writes_nothing() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let customer = app.customer("c1");
    let forged = Signer {
        user_id: customer.user_id,
        token: "not-the-token".into(),
    };
    assert_eq!(app.get(&card_uri(&forged, boss.user_id))["code"], 400);

    let two_hours_ago = chrono::Utc::now().timestamp_millis() - 2 * 3600 * 1000;
    let stale = format!(
        "/zhugeleida/xiaochengxu/mingpian?{}&uid={}",
        customer.query_at(two_hours_ago),
        boss.user_id
    );
    assert_eq!(app.get(&stale)["code"], 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_radar"), 0);
    assert_eq!(app.get(&card_uri(&customer, boss.user_id))["code"], 200);
}

#[test]
fn the_skew_window_can_be_turned_off() {
    let app = TestApp::with(|f| f.merge(("auth_max_skew_secs", 0)));
    let boss = app.admin("boss", "合众康桥");
    let customer = app.customer("c1");
    let old = format!(
        "/zhugeleida/xiaochengxu/mingpian?{}&uid={}",
        customer.query_at(1_528_871_213_546),
        boss.user_id
    );
    assert_eq!(app.get(&old)["code"], 200);
}

#[test]
fn missing_or_malformed_signature_parameters_are_400() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    assert_eq!(
        app.get(&format!(
            "/zhugeleida/xiaochengxu/mingpian?uid={}",
            boss.user_id
        ))["code"],
        400
    );
    assert_eq!(
        app.get("/zhugeleida/qiyeweixin/action/time?user_id=abc&timestamp=1&rand_str=x")["code"],
        400
    );
    assert_eq!(
        app.get("/zhugeleida/qiyeweixin/action/time?user_id=1&timestamp=soon&rand_str=x")["code"],
        400
    );
}

#[test]
fn the_wrong_kind_of_principal_is_400() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let customer = app.customer("c1");
    // An employee's token on a customer endpoint, and the other way round.
    assert_eq!(app.get(&card_uri(&boss, boss.user_id))["code"], 400);
    assert_eq!(
        app.get(&customer.uri("/zhugeleida/qiyeweixin/action/time", ""))["code"],
        400
    );
}

#[test]
fn a_disabled_employee_is_306_and_an_expired_company_403() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let uri = boss.uri("/zhugeleida/qiyeweixin/action/time", "");
    assert_eq!(app.get(&uri)["code"], 200);
    app.db()
        .execute("UPDATE zl_employee SET status = 2", [])
        .unwrap();
    assert_eq!(app.get(&uri)["code"], 306);
    app.db()
        .execute("UPDATE zl_employee SET status = 1", [])
        .unwrap();
    app.db()
        .execute(
            "UPDATE zl_company SET account_expired_time = '2001-01-01T00:00:00.000'",
            [],
        )
        .unwrap();
    let json = app.get(&uri);
    assert_eq!(json["code"], 403);
    assert_eq!(json["msg"], "账户过期");
}

#[test]
fn the_signature_is_read_from_the_query_only() {
    let app = TestApp::new();
    let customer = app.customer("c1");
    let q = customer.query();
    let json = app.post_form(
        "/zhugeleida/xiaochengxu/login/send_form_id",
        &format!("{q}&formId=f1"),
    );
    assert_eq!(json["code"], 400);
}
