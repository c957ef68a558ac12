//! Customers as companies see them: another company's customer answers exactly like an
//! unknown id; the phone a customer hands over belongs to the company it was given to; a
//! binding's `pid` names only a customer of the same card.

use rusqlite::Connection;
use serde_json::{json, Value};

use super::ids::{scalar, version_six_database};
use crate::common::{FakeServer, Signer, TestApp};

const W: &str = "/zhugeleida/qiyeweixin";

/// Every enterprise request that names a customer, aimed at `id`.
fn probes(app: &TestApp, who: &Signer, id: i64) -> Vec<Value> {
    let get = |path: &str, extra: String| app.get(&who.uri(&format!("{W}/{path}"), &extra));
    let post = |path: String, body: &str| app.post_form(&who.uri(&format!("{W}/{path}"), ""), body);
    vec![
        get("customer", format!("customer_id={id}")),
        get("follow_info", format!("customer_id={id}")),
        get("tag_list", format!("customer_id={id}")),
        get("chat", format!("customer_id={id}")),
        get(&format!("customer/delete/{id}"), String::new()),
        post(format!("customer/update_information/{id}"), "mem=x"),
        post(format!("customer/update_expected_pr/{id}"), "expedted_pr=5"),
        post(format!("follow_info/add/{id}"), "follow_info=x"),
        post(format!("tag_list/add_tag/{id}"), "name=x"),
        post(
            "tag_customer/add/0".into(),
            &format!("name=y&customer_list=[{id}]"),
        ),
        post("chat/send_msg/0".into(), &format!("customer_id={id}&msg=x")),
    ]
}

#[test]
fn another_companys_customer_answers_like_an_unknown_id() {
    let app = TestApp::new();
    let (_, customer) = app.boss_and_customer();
    let stranger = app.admin("stranger", "别的公司");
    let foreign = probes(&app, &stranger, customer.user_id);
    let unknown = probes(&app, &stranger, 999_999);
    for (foreign, unknown) in foreign.iter().zip(&unknown) {
        assert_eq!(foreign["code"], 302, "{foreign}");
        assert_eq!(foreign, unknown, "the answer tells the two apart");
    }
}

/// WeChat for the mini-program: any login code signs in; phone code `phone-N` proves N.
fn wechat() -> FakeServer {
    FakeServer::start(|r| {
        let body = match r.path.as_str() {
            "/sns/jscode2session" => {
                let code = r.param("js_code").unwrap_or_default();
                json!({"openid": format!("o-{code}"), "session_key": "AAAAAAAAAAAAAAAAAAAAAA=="})
            }
            "/cgi-bin/token" => json!({"access_token": "TOKEN", "expires_in": 7200}),
            "/wxa/business/getuserphonenumber" => {
                let asked: Value = serde_json::from_str(&r.body).unwrap_or_default();
                let phone = asked["code"]
                    .as_str()
                    .unwrap_or("")
                    .trim_start_matches("phone-");
                json!({"errcode": 0, "phone_info": {"phoneNumber": phone}})
            }
            _ => json!({"errcode": 0}),
        };
        (200, body.to_string())
    })
}

fn phone_seen_by(app: &TestApp, who: &Signer, customer: i64) -> String {
    let json = app.get(&who.uri(&format!("{W}/customer"), &format!("customer_id={customer}")));
    assert_eq!(json["code"], 200, "{json}");
    json["data"]["ret_data"][0]["phone"]
        .as_str()
        .unwrap()
        .to_string()
}

fn hand_over_phone(app: &TestApp, customer: &Signer, uid: i64, phone: &str) {
    let uri = customer.uri("/zhugeleida/xiaochengxu/chat/encrypted_phone_number/0", "");
    let json = app.post_form(&uri, &format!("u_id={uid}&code=phone-{phone}"));
    assert_eq!(json["code"], 200, "{json}");
}

#[test]
fn a_customers_phone_shows_only_to_the_company_it_was_given_to() {
    let fake = wechat();
    let url = fake.url.clone();
    let app = TestApp::with(move |f| {
        f.merge(("wechat_api", url))
            .merge(("wechat_appid", "wx-card"))
            .merge(("wechat_secret", "s"))
    });
    let (boss_a, customer) = app.boss_and_customer();
    let boss_b = app.admin("boss-b", "别的公司");
    hand_over_phone(&app, &customer, boss_a.user_id, "13900001111");
    assert_eq!(
        phone_seen_by(&app, &boss_a, customer.user_id),
        "13900001111"
    );

    app.bind(&customer, boss_b.user_id);
    assert_eq!(
        phone_seen_by(&app, &boss_b, customer.user_id),
        "",
        "binding B's card handed B nothing"
    );
    hand_over_phone(&app, &customer, boss_b.user_id, "13900002222");
    assert_eq!(
        phone_seen_by(&app, &boss_b, customer.user_id),
        "13900002222"
    );
    assert_eq!(
        phone_seen_by(&app, &boss_a, customer.user_id),
        "13900001111"
    );
}

#[test]
fn an_upgrade_gives_an_old_phone_to_the_company_it_was_given_through_else_to_every_bound_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leida.db");
    version_six_database(&path);
    // 41 of company 1 got customer 52's phone in the chat; 53 gave theirs to nobody on record.
    Connection::open(&path)
        .unwrap()
        .execute_batch(
            "INSERT INTO zl_company (id, name, create_date) VALUES (2, '乙', '2020-01-01');
             INSERT INTO zl_role (id, company_id, name, create_date) VALUES (2, 2, '销售', '2020-01-01');
             INSERT INTO zl_employee (id, company_id, role_id, username, token, create_date)
                 VALUES (42, 2, 2, 'b-sales', 'tok-b', '2020-01-01');
             UPDATE zl_customer SET phone = '13900000052' WHERE id = 52;
             INSERT INTO zl_customer (id, openid, token, phone, create_date)
                 VALUES (53, 'o-53', 'tok-53', '13900000053', '2020-01-01');
             INSERT INTO zl_relation (user_id, customer_id, create_date) VALUES
                 (42, 52, '2020-01-02'), (41, 53, '2020-01-02'), (42, 53, '2020-01-02');
             INSERT INTO zl_chat (user_id, customer_id, send_type, content, create_date) VALUES
                 (41, 52, 2, '{\"info_type\":1,\"msg\":\"我的手机号是: 13900000052\"}', '2020-01-03'),
                 (41, 52, 2, '你好', '2020-01-03');",
        )
        .unwrap();
    drop(leida::db::Db::open(&path).expect("upgrade"));
    let given = scalar::<String>(
        &path,
        "SELECT group_concat(company_id || ':' || customer_id || ':' || given_phone, ',')
         FROM (SELECT * FROM zl_customer_note WHERE given_phone != ''
               ORDER BY customer_id, company_id)",
    );
    assert_eq!(given, "1:52:13900000052,1:53:13900000053,2:53:13900000053");
}

#[test]
fn a_binding_pid_counts_only_for_a_customer_of_the_same_card() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let colleague = app.admin("colleague", "合众康桥");
    let theirs = app.customer("theirs");
    app.bind(&theirs, colleague.user_id);
    let ours = app.customer("ours");
    app.bind(&ours, boss.user_id);
    let parent_of = |who: &Signer| -> Option<i64> {
        app.db()
            .query_row(
                "SELECT customer_parent_id FROM zl_relation WHERE user_id = ?1 AND customer_id = ?2",
                [boss.user_id, who.user_id],
                |r| r.get(0),
            )
            .unwrap()
    };
    let bind = |who: &Signer, pid: i64| {
        let extra = format!("uid={}&source=2&pid={pid}", boss.user_id);
        app.get(&who.uri("/zhugeleida/xiaochengxu/login/binding", &extra))
    };

    let newcomer = app.customer("newcomer");
    assert_eq!(bind(&newcomer, theirs.user_id)["code"], 200);
    assert_eq!(
        parent_of(&newcomer),
        None,
        "another card's customer is ignored"
    );
    let stranger = app.customer("stranger");
    assert_eq!(
        bind(&stranger, 999_999)["code"],
        200,
        "an unknown pid is ignored too"
    );
    assert_eq!(parent_of(&stranger), None);
    let referred = app.customer("referred");
    assert_eq!(bind(&referred, ours.user_id)["code"], 200);
    assert_eq!(parent_of(&referred), Some(ours.user_id));
}
