//! The marketplace: `/api/<side>/export_account` and `/api/<side>/delete_account`.

use rocket::http::Method;
use serde_json::Value;

use super::{audit, holders};
use crate::common::{urlencode, TestApp};
use crate::consult::{
    app_with_pay, call, done, get, order, pay_order, post, publish, register, Who,
};

const REALNAME: &str = "钱多多";
const EMAIL: &str = "qian@example.com";
const PHONE: &str = "13700001234";
const TITLE: &str = "钱多多的合同审查";

struct Market {
    app: TestApp,
    qian: Who,
    wang: Who,
    paid: i64,
}

/// Buyer 钱多多 with a paid, accepted order and a second demand without one; consultant
/// wang took the order.
fn market() -> Market {
    let app = app_with_pay();
    let body = format!(
        "username=qianduoduo&password=long-enough-pw&password_again=long-enough-pw&realname={}&email={}&gender=1",
        urlencode(REALNAME),
        urlencode(EMAIL)
    );
    let json = call(&app, Method::Post, "/api/user/register", &body, None);
    let qian = Who {
        id: done(json.clone())[0].as_i64().unwrap(),
        token: json["token"].as_str().unwrap().to_string(),
    };
    // The phone as an SMS sign-in leaves it (that path has its own tests).
    let conn = app.db();
    conn.execute(
        "UPDATE cs_account SET phone = ?1 WHERE id = ?2",
        rusqlite::params![PHONE, qian.id],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO cs_sms_code (kind, phone, code, sent_ms, expires_ms) VALUES ('user', ?1, '123456', 0, 0)",
        [PHONE],
    )
    .unwrap();
    let wang = register(&app, "consultant", "wang");
    let post_id = publish(&app, &qian, &urlencode(TITLE));
    publish(&app, &qian, &urlencode("钱多多的第二个需求"));
    let paid = order(&app, &qian, post_id, "");
    pay_order(&app, paid);
    done(post(
        &app,
        "/api/consultant/order/accept",
        &format!("order_id={paid}"),
        &wang.token,
    ));
    Market {
        app,
        qian,
        wang,
        paid,
    }
}

impl Market {
    fn export(&self, side: &str, who: &Who) -> Value {
        get(
            &self.app,
            &format!("/api/{side}/export_account"),
            &who.token,
        )
    }

    fn delete(&self, side: &str, who: &Who) -> Value {
        post(
            &self.app,
            &format!("/api/{side}/delete_account"),
            "",
            &who.token,
        )
    }
}

#[test]
fn export_answers_the_callers_data_and_nobody_elses() {
    let m = market();
    let content = done(m.export("user", &m.qian));
    let data = &content[0];
    assert_eq!(data["profile"]["realname"], REALNAME);
    assert_eq!(data["profile"]["phone"], PHONE);
    assert!(data["profile"].get("password_hash").is_none());
    assert_eq!(data["posts"].as_array().unwrap().len(), 2);
    assert_eq!(data["orders"][0]["id"], m.paid);
    assert_eq!(data["sms_codes"][0]["phone"], PHONE);
    assert!(
        data["sms_codes"][0].get("code").is_none(),
        "codes are credentials"
    );
    assert!(data["sessions"][0].get("token_hash").is_none());
    let text = data.to_string();
    assert!(
        !text.contains("wang") && !text.contains("long-enough-pw"),
        "{text}"
    );

    let theirs = done(m.export("consultant", &m.wang));
    assert_eq!(theirs[0]["orders"][0]["id"], m.paid, "the order they took");
    assert_eq!(theirs[0]["posts"], serde_json::json!([]));
    assert_eq!(audit(&m.app.db(), "consult", m.qian.id), ["export"]);
}

#[test]
fn deletion_keeps_the_paid_order_and_nothing_of_the_person() {
    let m = market();
    let order_no: String = m
        .app
        .db()
        .query_row(
            "SELECT order_no FROM cs_order WHERE id = ?1",
            [m.paid],
            |r| r.get(0),
        )
        .unwrap();
    done(m.delete("user", &m.qian));

    let conn = m.app.db();
    for needle in [REALNAME, EMAIL, PHONE, "qianduoduo", "o-payer"] {
        assert_eq!(holders(&conn, needle), Vec::<String>::new(), "{needle}");
    }
    let kept: (String, i64, i64, Option<String>) = conn
        .query_row(
            "SELECT order_no, price_fen, user_id, paid_date FROM cs_order WHERE id = ?1",
            [m.paid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!((kept.0, kept.1, kept.2), (order_no, 8800, m.qian.id));
    assert!(kept.3.is_some(), "the payment time stays");
    assert_eq!(
        m.app.count("SELECT COUNT(*) FROM cs_post"),
        1,
        "the unpaid demand is gone"
    );
    let taken = done(get(&m.app, "/api/consultant/order/taken", &m.wang.token));
    assert_eq!(taken[0]["title"], "已注销用户", "{taken:?}");
    assert_eq!(audit(&conn, "consult", m.qian.id), ["delete"]);

    assert_eq!(
        m.export("user", &m.qian)["code"],
        400,
        "the session is gone"
    );
    let again = register(&m.app, "user", "qianduoduo");
    assert!(again.id > m.wang.id, "the same username is a new person");
    let fresh = done(m.export("user", &again));
    assert_eq!(fresh[0]["orders"], serde_json::json!([]));
}

#[test]
fn a_deleted_consultant_leaves_the_orders_they_took() {
    let m = market();
    done(m.delete("consultant", &m.wang));
    let orders = done(get(&m.app, "/api/user/order/list", &m.qian.token));
    assert_eq!(orders[0]["consultant_id"], m.wang.id);
    let conn = m.app.db();
    assert_eq!(holders(&conn, "wang"), Vec::<String>::new());
    assert_eq!(audit(&conn, "consult", m.wang.id), ["delete"]);
}

#[test]
fn without_the_right_session_nothing_happens() {
    let fresh = app_with_pay();
    let anonymous = call(&fresh, Method::Get, "/api/user/export_account", "", None);
    assert_eq!(anonymous["code"], 400);
    let anonymous = call(&fresh, Method::Post, "/api/user/delete_account", "", None);
    assert_eq!(anonymous["code"], 400);

    let m = market();
    assert_eq!(
        m.delete("consultant", &m.qian)["code"],
        403,
        "a buyer is not a consultant"
    );
    let forged = Who {
        id: m.qian.id,
        token: "forged".into(),
    };
    assert_eq!(m.delete("user", &forged)["code"], 400);
    assert_eq!(holders(&m.app.db(), EMAIL), ["cs_account.email"]);
    assert_eq!(m.app.count("SELECT COUNT(*) FROM privacy_audit"), 0);
}

#[test]
fn the_session_cookie_works_and_is_cleared_by_the_deletion() {
    let m = market();
    // The test client keeps cookies: the consultant's sign-up cookie came last, the buyer's
    // cookie is still there too.
    let mine = call(&m.app, Method::Get, "/api/user/export_account", "", None);
    assert_eq!(done(mine)[0]["profile"]["realname"], REALNAME);
    done(call(
        &m.app,
        Method::Post,
        "/api/user/delete_account",
        "",
        None,
    ));
    let after = call(&m.app, Method::Get, "/api/user/export_account", "", None);
    assert_eq!(after["code"], 400, "{after}");
    assert_eq!(
        audit(&m.app.db(), "consult", m.qian.id),
        ["export", "delete"]
    );
}
