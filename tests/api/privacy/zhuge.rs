//! The Zhuge mini-program customer: `account/export` and `account/delete`.

use serde_json::{json, Value};

use super::{audit, dev_openid, holders};
use crate::common::{urlencode, Signer, TestApp};

const W: &str = "/zhugeleida/qiyeweixin";
const M: &str = "/zhugeleida/xiaochengxu";
const NAME: &str = "张小明";
const MEMO: &str = "小明总";
const PHONE: &str = "13912345678";

struct Scene {
    app: TestApp,
    boss: Signer,
    c1: Signer,
    c2: Signer,
}

/// `c1` (张小明) and `c2` (李四) on the boss's card; `c1` has every kind of data.
fn scene() -> Scene {
    let app = TestApp::new();
    let (boss, c1) = app.boss_and_customer();
    let c2 = app.customer("c2");
    app.bind(&c2, boss.user_id);
    let card = format!("uid={}", boss.user_id);
    for (who, name) in [(&c1, NAME), (&c2, "李四")] {
        let uri = who.uri(&format!("{M}/login/send_user_info"), "");
        let body = format!("username={}&city=%E6%9D%AD%E5%B7%9E", urlencode(name));
        assert_eq!(app.post_form(&uri, &body)["code"], 200);
        assert_eq!(
            app.get(&who.uri(&format!("{M}/mingpian"), &card))["code"],
            200
        );
    }
    assert_eq!(
        app.get(&c1.uri(&format!("{M}/mingpian"), &card))["code"],
        200
    );
    let form_id = c1.uri(&format!("{M}/login/send_form_id"), "");
    assert_eq!(app.post_form(&form_id, "formId=form-c1-0001")["code"], 200);
    let hello = json!({"info_type": 1, "msg": format!("我的电话 {PHONE}")}).to_string();
    let send = c1.uri(&format!("{M}/chat/send_msg/0"), "");
    let body = format!("u_id={}&content={}", boss.user_id, urlencode(&hello));
    assert_eq!(app.post_form(&send, &body)["code"], 200);
    let note = boss.uri(
        &format!("{W}/customer/update_information/{}", c1.user_id),
        "",
    );
    let body = format!("memo_name={}&phone={PHONE}", urlencode(MEMO));
    assert_eq!(app.post_form(&note, &body)["code"], 200);
    paid_order(&app, &boss, &c1);
    Scene { app, boss, c1, c2 }
}

/// A paid order and its notify, as the pay flow leaves them (that flow has its own tests).
fn paid_order(app: &TestApp, boss: &Signer, c1: &Signer) {
    let conn = app.db();
    conn.execute(
        "INSERT INTO zl_order (out_trade_no, company_id, customer_id, user_id, goods_name, amount,
                               appid, mch_id, status, create_date, paid_date)
         SELECT 'ZL-PRIVACY-1', company_id, ?1, id, '茶叶', 1990, 'wx-shop', '1900000109', 8,
                '2026-01-02T10:00:00.000', '2026-01-02T10:01:00.000'
         FROM zl_employee WHERE id = ?2",
        [c1.user_id, boss.user_id],
    )
    .unwrap();
    let body = format!(
        "<xml><openid><![CDATA[{}]]></openid><out_trade_no>ZL-PRIVACY-1</out_trade_no>\
         <total_fee>1990</total_fee></xml>",
        dev_openid("c1")
    );
    conn.execute(
        "INSERT INTO pay_notify (app, body, verdict, create_date)
         VALUES ('zhuge', ?1, 'SUCCESS', '2026-01-02T10:01:00.000')",
        [body],
    )
    .unwrap();
}

impl Scene {
    fn export(&self, who: &Signer) -> Value {
        self.app.get(&who.uri(&format!("{M}/account/export"), ""))
    }

    fn delete(&self, who: &Signer) -> Value {
        self.app
            .post_form(&who.uri(&format!("{M}/account/delete"), ""), "")
    }

    fn work(&self, path: &str, extra: &str) -> Value {
        self.app.get(&self.boss.uri(&format!("{W}/{path}"), extra))
    }

    /// What the salesperson's radar counts: totals, per action, and per customer.
    fn radar_numbers(&self) -> Value {
        let by_customer: Vec<Value> = self.work("action/customer", "")["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| json!([row["customer_id"], row["totalCount"], row["detail"]]))
            .collect();
        json!({
            "time": self.work("action/time", "")["data"]["data_count"],
            "count": self.work("action/count", "")["data"],
            "customers": by_customer,
        })
    }
}

#[test]
fn export_answers_the_callers_data_and_nobody_elses() {
    let s = scene();
    let json = s.export(&s.c1);
    assert_eq!(json["code"], 200, "{json}");
    let data = &json["data"];
    assert_eq!(data["profile"]["username"], NAME);
    assert_eq!(data["profile"]["openid"], dev_openid("c1"));
    assert!(data["profile"].get("token").is_none(), "no credentials");
    assert!(
        data["profile"].get("session_key").is_none(),
        "no credentials"
    );
    assert_eq!(data["phones"], json!([PHONE]));
    assert_eq!(data["company_notes"][0]["memo_name"], MEMO);
    assert_eq!(data["cards"][0]["user_id"], s.boss.user_id);
    assert_eq!(data["radar"].as_array().unwrap().len(), 2, "two views");
    let chats = data["chats"].as_array().unwrap();
    assert!(
        chats
            .iter()
            .any(|m| m["content"].as_str().unwrap().contains(PHONE)),
        "{chats:?}"
    );
    assert_eq!(data["orders"][0]["out_trade_no"], "ZL-PRIVACY-1");
    assert_eq!(data["form_ids"][0]["form_id"], "form-c1-0001");

    let text = json.to_string();
    assert!(
        !text.contains("李四") && !text.contains(&dev_openid("c2")),
        "{text}"
    );
    assert_eq!(audit(&s.app.db(), "zhuge", s.c1.user_id), ["export"]);
}

#[test]
fn deletion_leaves_nothing_of_the_person_and_keeps_orders_and_radar_counts() {
    let s = scene();
    let radar_before = s.radar_numbers();
    let json = s.delete(&s.c1);
    assert_eq!(json["code"], 200, "{json}");

    let conn = s.app.db();
    for needle in [NAME, MEMO, PHONE, dev_openid("c1").as_str(), "form-c1-0001"] {
        assert_eq!(holders(&conn, needle), Vec::<String>::new(), "{needle}");
    }
    let order: (i64, i64, String) = conn
        .query_row(
            "SELECT customer_id, amount, paid_date FROM zl_order WHERE out_trade_no = 'ZL-PRIVACY-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        order,
        (s.c1.user_id, 1990, "2026-01-02T10:01:00.000".into())
    );
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM pay_notify WHERE instr(body, '<total_fee>1990') > 0"),
        1
    );
    assert_eq!(
        s.radar_numbers(),
        radar_before,
        "the salesperson's numbers stay"
    );
    assert_eq!(
        s.app.count(&format!(
            "SELECT COUNT(*) FROM zl_radar WHERE customer_id = {}",
            s.c1.user_id
        )),
        0,
        "the events themselves are gone"
    );
    assert_eq!(audit(&conn, "zhuge", s.c1.user_id), ["delete"]);
}

#[test]
fn the_salesperson_sees_only_the_erased_placeholder() {
    let s = scene();
    assert_eq!(s.delete(&s.c1)["code"], 200);

    let list = s.work("tongxunlu", "");
    let names: Vec<&str> = list["data"]["ret_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["customer_username"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"已注销用户") && names.contains(&"李四"),
        "{names:?}"
    );
    let ranking = s.work("action/customer", "");
    let erased = ranking["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer_id"] == s.c1.user_id)
        .expect("the tally stays");
    assert_eq!(erased["customer__username"], "已注销用户");
    assert_eq!(erased["headimgurl"], "statics/imgs/Avator.jpg");
    let chat = s.work("chat", &format!("customer_id={}", s.c1.user_id));
    assert_eq!(chat["code"], 200, "{chat}");
    assert_eq!(chat["data"], json!([]), "no messages");
    let detail = s.work("customer", &format!("customer_id={}", s.c1.user_id));
    let text = detail.to_string();
    assert!(
        text.contains("已注销用户") && !text.contains(PHONE),
        "{text}"
    );

    // The other customer is untouched.
    let other = s.export(&s.c2);
    assert_eq!(other["data"]["profile"]["username"], "李四");
    assert_eq!(other["data"]["radar"].as_array().unwrap().len(), 1);
}

#[test]
fn a_new_login_is_a_new_person_and_the_old_signature_is_dead() {
    let s = scene();
    assert_eq!(s.delete(&s.c1)["code"], 200);
    assert_eq!(s.export(&s.c1)["code"], 400, "the old token signs nothing");
    assert_eq!(s.delete(&s.c1)["code"], 400);

    let again = s.app.customer("c1");
    assert!(again.user_id > s.c2.user_id, "a new id, never the old one");
    let fresh = s.export(&again);
    assert_eq!(fresh["code"], 200);
    assert_eq!(fresh["data"]["profile"]["username"], "");
    for list in ["radar", "chats", "orders", "form_ids", "cards", "phones"] {
        assert_eq!(fresh["data"][list], json!([]), "{list}");
    }
    assert_eq!(audit(&s.app.db(), "zhuge", again.user_id), ["export"]);
}

#[test]
fn unsigned_or_wrongly_signed_requests_are_refused() {
    let s = scene();
    let unsigned = s.app.get(&format!("{M}/account/export"));
    assert_eq!(unsigned["code"], 400);
    let forged = Signer {
        user_id: s.c1.user_id,
        token: "not-the-token".into(),
    };
    assert_eq!(s.export(&forged)["code"], 400);
    assert_eq!(s.delete(&forged)["code"], 400);
    let unsigned = s.app.post_form(&format!("{M}/account/delete"), "");
    assert_eq!(unsigned["code"], 400);
    // A salesperson's signature is not a customer's.
    assert_eq!(s.delete(&s.boss)["code"], 400);
    assert_eq!(holders(&s.app.db(), NAME), ["zl_customer.username"]);
    assert_eq!(s.app.count("SELECT COUNT(*) FROM privacy_audit"), 0);
}
