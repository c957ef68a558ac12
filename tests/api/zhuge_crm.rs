//! The enterprise CRM: customers, tags, the address book and follow-ups. A salesperson
//! reaches their own customers, a role holding `customer` the company's, and another
//! company's ids are refused without changing anything.

use rusqlite::params;
use serde_json::{json, Value};

use crate::common::{urlencode, Signer, TestApp};

const W: &str = "/zhugeleida/qiyeweixin";
const PASSWORD: &str = "Sales-pw-1";

/// Company A: `boss` (every permission), `s1` and `s2` (role 销售, no permission).
/// c1 and c5 (referred by c1, forwarded) are s1's, c2 is s2's, c3 is the boss's.
/// Company B: `other`, with its customer c4 and its tag.
struct Crm {
    app: TestApp,
    boss: Signer,
    s1: Signer,
    s2: Signer,
    other: Signer,
    c1: i64,
    c2: i64,
    c3: i64,
    c4: i64,
    c5: i64,
    foreign_tag: i64,
}

fn salesperson(app: &TestApp, username: &str, company_of: &Signer) -> Signer {
    let conn = app.db();
    let company_id: i64 = conn
        .query_row(
            "SELECT company_id FROM zl_employee WHERE id = ?1",
            [company_of.user_id],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute(
        "INSERT OR IGNORE INTO zl_role (company_id, name, create_date) VALUES (?1, '销售', '2018-06-01')",
        [company_id],
    )
    .unwrap();
    let role_id: i64 = conn
        .query_row(
            "SELECT id FROM zl_role WHERE company_id = ?1 AND name = '销售'",
            [company_id],
            |r| r.get(0),
        )
        .unwrap();
    let hash = leida::password::hash(PASSWORD).unwrap();
    leida::zhuge::data::employee::insert(&conn, company_id, role_id, username, &hash, 1).unwrap();
    app.login(username, PASSWORD)
}

/// A customer signs in, shares a nickname and binds to `uid`'s card.
fn customer(app: &TestApp, code: &str, name: &str, uid: i64, extra: &str) -> i64 {
    let me = app.customer(code);
    let nick = me.uri("/zhugeleida/xiaochengxu/login/send_user_info", "");
    assert_eq!(
        app.post_form(&nick, &format!("username={name}"))["code"],
        200
    );
    let bind = me.uri(
        "/zhugeleida/xiaochengxu/login/binding",
        &format!("uid={uid}&source=1{extra}"),
    );
    assert_eq!(app.get(&bind)["code"], 200);
    me.user_id
}

fn crm() -> Crm {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let other = app.admin("other", "别的公司");
    let s1 = salesperson(&app, "sales1", &boss);
    let s2 = salesperson(&app, "sales2", &boss);
    let c1 = customer(&app, "c1", "张聪", s1.user_id, "");
    let c2 = customer(&app, "c2", "李四", s2.user_id, "");
    let c3 = customer(&app, "c3", "王五", boss.user_id, "");
    let c4 = customer(&app, "c4", "外人", other.user_id, "");
    let c5 = customer(&app, "c5", "赵六", s1.user_id, &format!("&pid={c1}"));
    app.db()
        .execute(
            "UPDATE zl_relation SET source = 2 WHERE customer_id = ?1",
            [c5],
        )
        .unwrap();
    let mut crm = Crm {
        app,
        boss,
        s1,
        s2,
        other,
        c1,
        c2,
        c3,
        c4,
        c5,
        foreign_tag: 0,
    };
    let tag = crm.post(
        &crm.other,
        &format!("tag_list/add_tag/{c4}"),
        "name=外部标签",
    );
    crm.foreign_tag = tag["data"]["tag_id"].as_i64().unwrap();
    crm
}

impl Crm {
    fn get(&self, who: &Signer, path: &str, extra: &str) -> Value {
        self.app.get(&who.uri(&format!("{W}/{path}"), extra))
    }

    fn post(&self, who: &Signer, path: &str, body: &str) -> Value {
        self.app
            .post_form(&who.uri(&format!("{W}/{path}"), ""), body)
    }

    fn one(&self, who: &Signer, customer_id: i64) -> Value {
        let json = self.get(who, "customer", &format!("customer_id={customer_id}"));
        assert_eq!(json["code"], 200, "{json}");
        assert_eq!(json["data"]["data_count"], 1);
        json["data"]["ret_data"][0].clone()
    }

    fn notes(&self, customer_id: i64) -> Vec<String> {
        let db = self.app.db();
        let mut stmt = db
            .prepare(
                "SELECT f.follow_info FROM zl_follow_info f JOIN zl_relation r ON r.id = f.relation_id
                 WHERE r.customer_id = ?1 ORDER BY f.id",
            )
            .unwrap();
        let rows = stmt.query_map([customer_id], |r| r.get(0)).unwrap();
        rows.map(Result::unwrap).collect()
    }

    /// Everything the CRM endpoints may write, to prove a refusal changed nothing.
    fn fingerprint(&self) -> String {
        self.app
            .db()
            .query_row(
                "SELECT (SELECT group_concat(id || ':' || user_id || ':' || customer_id || ':' || source || ':' ||
                            IFNULL(expected_time, '-') || ':' || expedted_pr || ':' || IFNULL(last_follow_time, '-'), ',')
                         FROM zl_relation)
                     || '|' || (SELECT group_concat(id || name, ',') FROM zl_tag)
                     || '|' || (SELECT group_concat(tag_id || ':' || customer_id, ',') FROM zl_tag_customer)
                     || '|' || (SELECT COUNT(*) FROM zl_follow_info)
                     || '|' || (SELECT IFNULL(group_concat(company_id || ':' || customer_id || ':' || memo_name
                                                    || ':' || phone || ':' || mem, ','), '') FROM zl_customer_note)
                     || '|' || (SELECT COUNT(*) FROM zl_follow_language)",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    fn tag_id(&self, name: &str) -> i64 {
        self.app
            .db()
            .query_row("SELECT id FROM zl_tag WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .unwrap()
    }
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[field].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn one_customer_shows_details_tags_source_superior_and_forecast() {
    let s = crm();
    let vip = s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c5), "name=VIP");
    assert_eq!(vip["code"], 200, "{vip}");
    let body = "expected_time=2018-06-14&expedted_pr=80%25";
    assert_eq!(
        s.post(&s.s1, &format!("customer/update_customer/{}", s.c5), body)["code"],
        200
    );
    let c = s.one(&s.s1, s.c5);
    assert_eq!(c["id"], s.c5);
    assert_eq!(c["username"], "赵六");
    assert_eq!(c["superior"], "张聪");
    assert_eq!(c["source"], "转发");
    assert_eq!(c["expected_time"], "2018-06-14");
    assert_eq!(c["expedted_pr"], 80);
    assert_eq!(c["ai_pr"], 80);
    assert_eq!(c["belonger"], "sales1");
    assert_eq!(c["tag"], json!(["VIP"]));
    assert_eq!(c["day_interval"], 0);
    let plain = s.one(&s.s1, s.c1);
    assert_eq!(
        (plain["superior"].as_str(), plain["source"].as_str()),
        (Some(""), Some("扫码"))
    );
    assert_eq!(plain["expected_time"], Value::Null);
    assert_eq!(plain["tag"], json!([]));

    assert_eq!(s.get(&s.s1, "customer", "")["code"], 303);
    assert_eq!(s.get(&s.s1, "customer", "customer_id=abc")["code"], 301);
    assert_eq!(s.get(&s.s1, "customer", "customer_id=999999")["code"], 302);
    assert_eq!(
        s.get(&s.s1, "customer", &format!("customer_id={}", s.c2))["code"],
        302
    );
    assert_eq!(
        s.app.get(&format!("{W}/customer?customer_id={}", s.c1))["code"],
        400
    );
}

#[test]
fn update_information_validates_then_saves_the_details() {
    let s = crm();
    let uri = format!("customer/update_information/{}", s.c1);
    let before = s.fingerprint();
    for (body, code) in [
        ("phone=12345", 303),
        ("phone=19931788974", 303),
        ("email=not-an-email", 303),
        ("birthday=someday", 301),
        ("sex=5", 303),
        ("sex=x", 301),
        ("source=7", 303),
        ("expected_time=2018-13-40", 301),
    ] {
        assert_eq!(s.post(&s.s1, &uri, body)["code"], code, "{body}");
    }
    let long_name = format!("username={}", "名".repeat(65));
    assert_eq!(s.post(&s.s1, &uri, &long_name)["code"], 303, "a name of 65");
    assert_eq!(
        s.post(&s.s1, "customer/update_information/abc", "sex=1")["code"],
        301
    );
    assert_eq!(s.fingerprint(), before, "refusals change nothing");

    let body = "username=太乙真人&phone=15931788974&email=1224423@qq.com&company=合众康桥&position=开发\
                &address=通州区&birthday=2018-6-1&mem=我是一个兵&sex=1&source=3&expected_time=2018-06-05";
    let json = s.post(&s.s1, &uri, body);
    assert_eq!(
        (json["code"].as_i64(), json["msg"].as_str()),
        (Some(200), Some("添加成功"))
    );
    let c = s.one(&s.s1, s.c1);
    assert_eq!(c["username"], "太乙真人");
    assert_eq!(c["memo_name"], "太乙真人");
    assert_eq!(c["phone"], "15931788974");
    assert_eq!(c["email"], "1224423@qq.com");
    assert_eq!(c["company"], "合众康桥");
    assert_eq!(c["position"], "开发");
    assert_eq!(c["address"], "通州区");
    assert_eq!(c["birthday"], "2018-06-01");
    assert_eq!(c["mem"], "我是一个兵");
    assert_eq!(c["sex"], 1);
    assert_eq!(c["source"], "搜索");
    assert_eq!(c["expected_time"], "2018-06-05");
    assert_eq!(s.notes(s.c1), vec!["更新预计成交日期: 2018-06-05"]);

    let json = s.post_json_info(&uri, &json!({"mem": "改过的备注"}));
    assert_eq!(json["code"], 200);
    let c = s.one(&s.s1, s.c1);
    assert_eq!(
        (c["mem"].as_str(), c["phone"].as_str()),
        (Some("改过的备注"), Some("15931788974"))
    );
}

impl Crm {
    fn post_json_info(&self, path: &str, body: &Value) -> Value {
        self.app
            .post_json(&self.s1.uri(&format!("{W}/{path}"), ""), body)
    }
}

#[test]
fn expected_time_and_rate_leave_follow_up_notes() {
    let s = crm();
    let time = format!("customer/update_expected_time/{}", s.c1);
    let pr = format!("customer/update_expected_pr/{}", s.c1);
    let before = s.fingerprint();
    assert_eq!(s.post(&s.s1, &time, "")["code"], 303);
    assert_eq!(s.post(&s.s1, &time, "expected_time=tomorrow")["code"], 301);
    assert_eq!(s.post(&s.s1, &pr, "")["code"], 303);
    assert_eq!(s.post(&s.s1, &pr, "update_expected_pr=abc")["code"], 301);
    assert_eq!(s.post(&s.s1, &pr, "update_expected_pr=101%25")["code"], 303);
    assert_eq!(s.post(&s.s1, &pr, "expedted_pr=-1")["code"], 303);
    assert_eq!(s.fingerprint(), before);

    assert_eq!(
        s.post(&s.s1, &time, "expected_time=2018-06-14")["code"],
        200
    );
    assert_eq!(s.post(&s.s1, &pr, "update_expected_pr=80%25")["code"], 200);
    assert_eq!(s.post(&s.s1, &pr, "expedted_pr=65")["code"], 200);
    assert_eq!(
        s.notes(s.c1),
        vec![
            "更新预计成交日期: 2018-06-14",
            "更新预计成交率为: 80%",
            "更新预计成交率为: 65%"
        ]
    );
    let (expected, rate, followed): (String, i64, Option<String>) = s
        .app
        .db()
        .query_row(
            "SELECT expected_time, expedted_pr, last_follow_time FROM zl_relation WHERE customer_id = ?1",
            [s.c1],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((expected.as_str(), rate), ("2018-06-14", 65));
    assert!(followed.is_some(), "a forecast is a follow-up");
}

#[test]
fn update_customer_sets_tags_rate_and_date_together() {
    let s = crm();
    let uri = format!("customer/update_customer/{}", s.c1);
    assert_eq!(
        s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c1), "name=A")["code"],
        200
    );
    assert_eq!(
        s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c5), "name=B")["code"],
        200
    );
    let (a, b) = (s.tag_id("A"), s.tag_id("B"));
    assert_eq!(s.post(&s.s1, &uri, "")["code"], 303);
    assert_eq!(s.post(&s.s1, &uri, "tag_list=[1,x]")["code"], 301);
    let body = format!("tag_list=[{b}]&expedted_pr=60%25&expected_time=2018-07-01");
    assert_eq!(s.post(&s.s1, &uri, &body)["code"], 200);
    let c = s.one(&s.s1, s.c1);
    assert_eq!(c["tag"], json!(["B"]), "tag A replaced by B");
    assert_eq!(
        (c["expedted_pr"].as_i64(), c["expected_time"].as_str()),
        (Some(60), Some("2018-07-01"))
    );
    assert_eq!(s.notes(s.c1).len(), 2);
    let json = s.app.post_json(
        &s.s1.uri(&format!("{W}/{uri}"), ""),
        &json!({"tag_list": [a, b]}),
    );
    assert_eq!(json["code"], 200, "a JSON body with a real list works too");
    assert_eq!(s.one(&s.s1, s.c1)["tag"], json!(["A", "B"]));
}

#[test]
fn update_tag_replaces_the_companys_tags_on_a_customer() {
    let s = crm();
    let uri = format!("customer/update_tag/{}", s.c1);
    for name in ["A", "B"] {
        assert_eq!(
            s.post(
                &s.boss,
                &format!("tag_list/add_tag/{}", s.c3),
                &format!("name={name}")
            )["code"],
            200
        );
    }
    let (a, b) = (s.tag_id("A"), s.tag_id("B"));
    assert_eq!(s.post(&s.s1, &uri, &format!("tag_list=[{a}]"))["code"], 200);
    assert_eq!(s.post(&s.s1, &uri, &format!("tag_list={b}"))["code"], 200);
    assert_eq!(s.one(&s.s1, s.c1)["tag"], json!(["B"]));
    let group = s.tag_id("自定义");
    let before = s.fingerprint();
    assert_eq!(s.post(&s.s1, &uri, "")["code"], 303);
    assert_eq!(s.post(&s.s1, &uri, "tag_list=x")["code"], 301);
    assert_eq!(s.post(&s.s1, &uri, "tag_list=[0]")["code"], 301);
    assert_eq!(
        s.post(&s.s1, &uri, &format!("tag_list=[{group}]"))["code"],
        303
    );
    assert_eq!(
        s.post(&s.s1, &uri, &format!("tag_list=[{a},999999]"))["code"],
        302
    );
    assert_eq!(
        s.post(&s.s1, &uri, &format!("tag_list=[{a},{}]", s.foreign_tag))["code"],
        403
    );
    assert_eq!(s.fingerprint(), before);
    assert_eq!(s.post(&s.s1, &uri, "tag_list=[]")["code"], 200);
    assert_eq!(s.one(&s.s1, s.c1)["tag"], json!([]));
}

#[test]
fn delete_removes_the_customer_from_the_signers_view_only() {
    let s = crm();
    assert_eq!(
        s.post(
            &s.s1,
            &format!("follow_info/add/{}", s.c1),
            "follow_info=拜访过"
        )["code"],
        200
    );
    assert_eq!(
        s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c1), "name=A")["code"],
        200
    );
    let json = s.get(&s.s1, &format!("customer/delete/{}", s.c1), "");
    assert_eq!(
        (json["code"].as_i64(), json["msg"].as_str()),
        (Some(200), Some("删除成功"))
    );
    assert_eq!(
        s.app.count(&format!(
            "SELECT COUNT(*) FROM zl_relation WHERE customer_id = {}",
            s.c1
        )),
        0
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_follow_info"), 0);
    assert_eq!(
        s.app.count(&format!(
            "SELECT COUNT(*) FROM zl_tag_customer WHERE customer_id = {}",
            s.c1
        )),
        0
    );
    assert_eq!(
        s.app.count(&format!(
            "SELECT COUNT(*) FROM zl_customer WHERE id = {}",
            s.c1
        )),
        1,
        "still a mini-program user"
    );
    assert_eq!(
        s.get(&s.s1, "customer", &format!("customer_id={}", s.c1))["code"],
        302
    );
    assert_eq!(
        s.get(&s.s1, &format!("customer/delete/{}", s.c1), "")["code"],
        302
    );

    let post = s
        .app
        .post_form(&s.s1.uri(&format!("{W}/customer/delete/{}", s.c5), ""), "");
    assert_eq!(post["code"], 200, "POST deletes too");
    let before = s.fingerprint();
    assert_eq!(s.get(&s.s1, "customer/delete/999999", "")["code"], 302);
    assert_eq!(s.get(&s.s1, "customer/delete/abc", "")["code"], 301);
    assert_eq!(
        s.get(&s.s1, &format!("customer/delete/{}", s.c2), "")["code"],
        302
    );
    assert_eq!(s.fingerprint(), before);
}

#[test]
fn tag_list_groups_the_companys_tags_and_marks_a_customers() {
    let s = crm();
    let empty = s.get(&s.s1, "tag_list", "");
    assert_eq!(
        (empty["code"].as_i64(), empty["data"]["tag_count"].as_i64()),
        (Some(200), Some(4))
    );
    assert_eq!(
        names(&empty["data"]["ret_data"], "name"),
        ["基本功能", "关注点", "级别", "自定义"]
    );

    let uri = format!("tag_list/add_tag/{}", s.c1);
    let added = s.post(&s.s1, &uri, "name=大傻子型客户");
    assert_eq!(added["code"], 200);
    assert_eq!(
        s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c5), "name=爱撸串")["code"],
        200
    );
    let before = s.fingerprint();
    assert_eq!(s.post(&s.s1, &uri, "name=大傻子型客户")["code"], 300);
    assert_eq!(s.post(&s.s1, &uri, "name=自定义")["code"], 300);
    assert_eq!(s.post(&s.s1, &uri, "")["code"], 303);
    assert_eq!(
        s.post(
            &s.s1,
            &uri,
            "name=一二三四五六七八九十一二三四五六七八九十一"
        )["code"],
        303
    );
    assert_eq!(
        s.post(&s.s1, "tag_list/add_tag/999999", "name=新")["code"],
        302
    );
    assert_eq!(
        s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c2), "name=新")["code"],
        302
    );
    assert_eq!(s.fingerprint(), before);

    let json = s.get(&s.s1, "tag_list", &format!("customer_id={}", s.c1));
    let custom = &json["data"]["ret_data"][3];
    assert_eq!(custom["name"], "自定义");
    assert_eq!(custom["tags"][0]["name"], "大傻子型客户");
    assert_eq!(custom["tags"][0]["id"], added["data"]["tag_id"]);
    assert_eq!(custom["tags"][0]["is_select"], true);
    assert_eq!(custom["tags"][1]["is_select"], false);
    assert!(
        !json.to_string().contains("外部标签"),
        "another company's tags stay out"
    );
    assert_eq!(
        s.get(&s.s1, "tag_list", &format!("customer_id={}", s.c2))["code"],
        302
    );
    assert_eq!(s.get(&s.s1, "tag_list", "customer_id=999999")["code"], 302);
}

#[test]
fn tag_customer_lists_tags_with_the_customers_the_signer_sees() {
    let s = crm();
    let add = |who: &Signer, body: &str| s.post(who, "tag_customer/add/0", body);
    let json = add(
        &s.boss,
        &format!("name=重要客户&customer_list=[{},{}]", s.c1, s.c2),
    );
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(
        add(&s.boss, &format!("name=一般客户&customer_list=[{}]", s.c3))["code"],
        200
    );
    let before = s.fingerprint();
    assert_eq!(
        add(&s.boss, &format!("name=重要客户&customer_list=[{}]", s.c1))["code"],
        300
    );
    assert_eq!(add(&s.boss, "name=空&customer_list=[]")["code"], 303);
    assert_eq!(add(&s.boss, "name=空")["code"], 303);
    assert_eq!(
        add(&s.boss, &format!("customer_list=[{}]", s.c1))["code"],
        303
    );
    assert_eq!(add(&s.boss, "name=坏&customer_list=abc")["code"], 301);
    assert_eq!(
        add(&s.boss, &format!("name=坏&customer_list=[{},999999]", s.c1))["code"],
        302
    );
    assert_eq!(
        add(
            &s.boss,
            &format!("name=坏&customer_list=[{},{}]", s.c1, s.c4)
        )["code"],
        302
    );
    assert_eq!(
        add(&s.s1, &format!("name=坏&customer_list=[{},{}]", s.c1, s.c2))["code"],
        302
    );
    assert_eq!(s.fingerprint(), before);

    let all = s.get(&s.boss, "tag_customer", "");
    assert_eq!(all["data"]["ret_count"], 2);
    let top = &all["data"]["ret_data"][0];
    assert_eq!(
        (top["name"].as_str(), top["customer_num"].as_i64()),
        (Some("重要客户"), Some(2))
    );
    assert_eq!(top["tag_id"], top["id"]);
    assert_eq!(names(&top["customer_list"], "name"), ["张聪", "李四"]);
    assert!(top["customer_list"][0]["headimgurl"].is_string());

    let own = s.get(&s.s1, "tag_customer", "");
    assert_eq!(
        own["data"]["ret_count"], 1,
        "s1 sees only tags on their customers"
    );
    assert_eq!(
        names(&own["data"]["ret_data"][0]["customer_list"], "name"),
        ["张聪"]
    );
    let other = s.get(&s.other, "tag_customer", "");
    assert_eq!(names(&other["data"]["ret_data"], "name"), ["外部标签"]);
}

#[test]
fn customer_tag_replaces_the_customers_tags() {
    let s = crm();
    let uri = format!("tag_list/customer_tag/{}", s.c1);
    assert_eq!(
        s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c1), "name=A")["code"],
        200
    );
    assert_eq!(
        s.post(&s.s1, &format!("tag_list/add_tag/{}", s.c5), "name=B")["code"],
        200
    );
    let b = s.tag_id("B");
    assert_eq!(s.post(&s.s1, &uri, &format!("tag_list=[{b}]"))["code"], 200);
    assert_eq!(s.one(&s.s1, s.c1)["tag"], json!(["B"]));
    let before = s.fingerprint();
    assert_eq!(s.post(&s.s1, &uri, "")["code"], 303);
    assert_eq!(
        s.post(&s.s1, &uri, &format!("tag_list=[{}]", s.foreign_tag))["code"],
        403
    );
    assert_eq!(
        s.post(
            &s.s1,
            &format!("tag_list/customer_tag/{}", s.c2),
            &format!("tag_list=[{b}]")
        )["code"],
        302
    );
    assert_eq!(
        s.post(&s.s1, "tag_list/customer_tag/999999", "tag_list=[]")["code"],
        302
    );
    assert_eq!(s.fingerprint(), before);
    assert_eq!(s.post(&s.s1, &uri, "tag_list=[]")["code"], 200);
    assert_eq!(s.one(&s.s1, s.c1)["tag"], json!([]));
}

#[test]
fn the_address_book_orders_filters_pages_and_words_the_times() {
    let s = crm();
    let today = leida::clock::today();
    let day = |n: i64| format!("{}T10:00:00.000", today - chrono::Duration::days(n));
    let db = s.app.db();
    let set = |customer: i64, pr: i64, follow: Option<String>, activity: Option<String>| {
        db.execute(
            "UPDATE zl_relation SET expedted_pr = ?2, last_follow_time = ?3, last_activity_time = ?4
             WHERE customer_id = ?1",
            params![customer, pr, follow, activity],
        )
        .unwrap();
    };
    set(s.c1, 30, Some(day(1)), Some(day(0)));
    set(s.c5, 70, Some(day(3)), None);
    set(s.c2, 50, Some(day(0)), Some(day(1)));
    set(s.c3, 10, None, Some(day(9)));

    let json = s.get(&s.s1, "tongxunlu", "");
    assert_eq!(
        (json["code"].as_i64(), json["data"]["data_count"].as_i64()),
        (Some(200), Some(2))
    );
    let rows = &json["data"]["ret_data"];
    assert_eq!(
        names(rows, "customer_username"),
        ["赵六", "张聪"],
        "highest rate first"
    );
    assert_eq!(rows[0]["last_follow_time"], "3天前");
    assert_eq!(
        rows[0]["follow_status"],
        (today - chrono::Duration::days(3)).to_string()
    );
    assert_eq!(rows[0]["last_activity_time"], "");
    assert_eq!(rows[0]["source"], 2);
    assert_eq!(rows[0]["belonger"], "sales1");
    assert_eq!(rows[1]["last_follow_time"], "昨天");
    assert_eq!(rows[1]["follow_status"], "昨天已跟进");
    assert_eq!(rows[1]["last_activity_time"], "今天");

    let by = |order: &str| {
        names(
            &s.get(&s.s1, "tongxunlu", order)["data"]["ret_data"],
            "customer_username",
        )
    };
    assert_eq!(by("order=last_follow_time"), ["张聪", "赵六"]);
    assert_eq!(by("order=last_activity_time"), ["张聪", "赵六"]);
    assert_eq!(by("order=customer__expedted_pr"), ["赵六", "张聪"]);
    assert_eq!(by("customer__source=1"), ["张聪"]);
    let page = s.get(&s.s1, "tongxunlu", "length=1&current_page=2");
    assert_eq!(page["data"]["data_count"], 2);
    assert_eq!(
        names(&page["data"]["ret_data"], "customer_username"),
        ["张聪"]
    );

    let company = s.get(&s.boss, "tongxunlu", "");
    assert_eq!(
        names(&company["data"]["ret_data"], "customer_username"),
        ["赵六", "李四", "张聪", "王五"]
    );
    let c3 = &company["data"]["ret_data"][3];
    assert_eq!(
        (
            c3["follow_status"].as_str(),
            c3["last_follow_time"].as_str()
        ),
        (Some("未跟进过"), Some(""))
    );
    assert_eq!(
        c3["last_activity_time"],
        (today - chrono::Duration::days(9)).to_string()
    );
    assert_eq!(company["data"]["ret_data"][1]["follow_status"], "今天跟进");
    assert_eq!(company["data"]["ret_data"][1]["belonger"], "sales2");

    assert_eq!(s.get(&s.s1, "tongxunlu", "order=username")["code"], 303);
    assert_eq!(s.get(&s.s1, "tongxunlu", "customer__source=9")["code"], 303);
    assert_eq!(s.get(&s.s1, "tongxunlu", "customer__source=x")["code"], 301);
    assert_eq!(s.get(&s.s1, "tongxunlu", "current_page=0")["code"], 303);
}

#[test]
fn follow_language_is_the_shared_phrases_plus_ones_own() {
    let s = crm();
    let list = |who: &Signer, extra: &str| s.get(who, "follow_language", extra);
    let shared = list(&s.s1, "");
    assert_eq!(shared["data"]["data_count"], 9);
    let phrases = &shared["data"]["ret_data"][0];
    assert_eq!(phrases["user_id"], s.s1.user_id.to_string());
    assert_eq!(phrases["follow_language"][0]["language_id"], 10);
    assert_eq!(
        phrases["follow_language"][8]["language"],
        "客户查看了公司产品,有合作意向"
    );

    let added = s.post(&s.s1, "follow_language/add/0", "custom_language=客户很爽快");
    assert_eq!(added["code"], 200);
    let id = added["data"]["language_id"].as_i64().unwrap();
    let mine = list(&s.s1, "length=5");
    assert_eq!(mine["data"]["data_count"], 10);
    assert_eq!(
        mine["data"]["ret_data"][0]["follow_language"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert_eq!(
        mine["data"]["ret_data"][0]["follow_language"][0]["language"],
        "客户很爽快"
    );
    assert_eq!(
        list(&s.s2, "")["data"]["data_count"],
        9,
        "s2 does not see s1's phrase"
    );
    assert_eq!(list(&s.other, "")["data"]["data_count"], 9);

    let before = s.fingerprint();
    assert_eq!(
        s.post(&s.s1, "follow_language/add/0", "custom_language=客户很爽快")["code"],
        300
    );
    assert_eq!(
        s.post(
            &s.s1,
            "follow_language/add/0",
            "custom_language=曾拜访过的客户"
        )["code"],
        300
    );
    assert_eq!(s.post(&s.s1, "follow_language/add/0", "")["code"], 303);
    let long = "长".repeat(65);
    assert_eq!(
        s.post(
            &s.s1,
            "follow_language/add/0",
            &format!("custom_language={long}")
        )["code"],
        303
    );
    assert_eq!(
        s.post(&s.s2, &format!("follow_language/delete/{id}"), "")["code"],
        403
    );
    assert_eq!(
        s.post(&s.other, &format!("follow_language/delete/{id}"), "")["code"],
        403
    );
    assert_eq!(s.post(&s.s1, "follow_language/delete/2", "")["code"], 403);
    assert_eq!(
        s.post(&s.s1, "follow_language/delete/999999", "")["code"],
        302
    );
    assert_eq!(
        s.get(&s.s1, &format!("follow_language/delete/{id}"), "")["code"],
        402
    );
    assert_eq!(s.fingerprint(), before);

    assert_eq!(
        s.post(&s.s1, &format!("follow_language/delete/{id}"), "")["code"],
        200
    );
    assert_eq!(list(&s.s1, "")["data"]["data_count"], 9);
    assert_eq!(
        s.post(&s.s2, "follow_language/add/0", "custom_language=客户很爽快")["code"],
        200
    );
}

#[test]
fn follow_info_lists_and_adds_notes_on_a_customer() {
    let s = crm();
    let add = |who: &Signer, customer: i64, body: &str| {
        s.post(who, &format!("follow_info/add/{customer}"), body)
    };
    assert_eq!(
        add(&s.s1, s.c1, "follow_info=这个客户很有诚意")["code"],
        200
    );
    assert_eq!(add(&s.s1, s.c1, "follow_info=已发报价")["code"], 200);
    let json = s.get(&s.s1, "follow_info", &format!("customer_id={}", s.c1));
    assert_eq!(json["data"]["data_count"], 2);
    let first = &json["data"]["ret_data"][0];
    assert_eq!(first["follow_info"], "已发报价", "newest first");
    assert_eq!(first["user_customer_flowup__user__username"], "sales1");
    assert_eq!(
        first["user_customer_flowup__customer__headimgurl"],
        "statics/imgs/Avator.jpg"
    );
    assert_eq!(
        first["user_customer_flowup__user__avatar"],
        "statics/imgs/setAvator.jpg"
    );
    assert_eq!(first["create_date"].as_str().unwrap().len(), 23);
    let page = s.get(
        &s.s1,
        "follow_info",
        &format!("customer_id={}&length=1&current_page=2", s.c1),
    );
    assert_eq!(
        page["data"]["ret_data"][0]["follow_info"],
        "这个客户很有诚意"
    );
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM zl_relation WHERE last_follow_time IS NOT NULL"),
        1
    );

    let before = s.fingerprint();
    assert_eq!(add(&s.s1, s.c1, "")["code"], 303);
    assert_eq!(
        add(&s.s1, s.c1, &format!("follow_info={}", "长".repeat(257)))["code"],
        303
    );
    assert_eq!(add(&s.s1, s.c2, "follow_info=越权")["code"], 302);
    assert_eq!(add(&s.s1, 999999, "follow_info=不存在")["code"], 302);
    assert_eq!(s.fingerprint(), before);
    assert_eq!(s.get(&s.s1, "follow_info", "")["code"], 303);
    assert_eq!(
        s.get(&s.s2, "follow_info", &format!("customer_id={}", s.c1))["code"],
        302
    );
}

#[test]
fn a_salesperson_sees_their_own_customers_and_the_permission_widens_it() {
    let s = crm();
    let c2 = format!("customer_id={}", s.c2);
    let before = s.fingerprint();
    assert_eq!(s.get(&s.s1, "customer", &c2)["code"], 302);
    assert_eq!(
        s.post(
            &s.s1,
            &format!("customer/update_expected_pr/{}", s.c2),
            "expedted_pr=50"
        )["code"],
        302
    );
    assert_eq!(
        s.post(
            &s.s1,
            &format!("customer/update_information/{}", s.c2),
            "mem=x"
        )["code"],
        302
    );
    assert_eq!(s.get(&s.s1, "follow_info", &c2)["code"], 302);
    assert_eq!(s.fingerprint(), before);

    let seen = s.one(&s.boss, s.c2);
    assert_eq!(
        seen["belonger"], "sales2",
        "the boss sees it through s2's relation"
    );
    assert_eq!(
        s.post(
            &s.boss,
            &format!("follow_info/add/{}", s.c2),
            "follow_info=经理跟进"
        )["code"],
        200
    );
    let json = s.get(&s.s2, "follow_info", &c2);
    assert_eq!(
        json["data"]["ret_data"][0]["user_customer_flowup__user__username"],
        "sales2"
    );
    assert_eq!(json["data"]["ret_data"][0]["follow_info"], "经理跟进");

    s.app
        .db()
        .execute(
            "INSERT INTO zl_role_permission (role_id, permission_id)
             SELECT e.role_id, p.id FROM zl_employee e, zl_permission p WHERE e.username = 'sales1' AND p.path = 'customer'",
            [],
        )
        .unwrap();
    assert_eq!(s.one(&s.s1, s.c2)["username"], "李四");
    assert_eq!(s.get(&s.s1, "tongxunlu", "")["data"]["data_count"], 4);
    assert_eq!(
        s.get(&s.s1, "customer", &format!("customer_id={}", s.c4))["code"],
        302
    );
}

#[test]
fn another_companys_customers_and_tags_are_refused_and_nothing_changes() {
    let s = crm();
    let (c4, tag) = (s.c4, s.foreign_tag);
    let own_tag = {
        assert_eq!(
            s.post(&s.boss, &format!("tag_list/add_tag/{}", s.c3), "name=自家")["code"],
            200
        );
        s.tag_id("自家")
    };
    let before = s.fingerprint();
    let posts: Vec<(String, String)> = vec![
        (
            format!("customer/update_information/{c4}"),
            "mem=偷看".into(),
        ),
        (
            format!("customer/update_customer/{c4}"),
            "expedted_pr=50".into(),
        ),
        (
            format!("customer/update_expected_time/{c4}"),
            "expected_time=2018-06-14".into(),
        ),
        (
            format!("customer/update_expected_pr/{c4}"),
            "expedted_pr=50".into(),
        ),
        (
            format!("customer/update_tag/{c4}"),
            format!("tag_list=[{own_tag}]"),
        ),
        (format!("customer/delete/{c4}"), String::new()),
        (
            "tag_customer/add/0".into(),
            format!("name=越界&customer_list=[{c4}]"),
        ),
        (format!("tag_list/add_tag/{c4}"), "name=越界".into()),
        (
            format!("tag_list/customer_tag/{c4}"),
            format!("tag_list=[{own_tag}]"),
        ),
        (format!("follow_info/add/{c4}"), "follow_info=越界".into()),
        (
            format!("customer/update_tag/{}", s.c3),
            format!("tag_list=[{tag}]"),
        ),
        (
            format!("customer/update_customer/{}", s.c3),
            format!("tag_list=[{tag}]"),
        ),
        (
            format!("tag_list/customer_tag/{}", s.c3),
            format!("tag_list=[{tag}]"),
        ),
    ];
    for (path, body) in &posts {
        // Another company's customer is "no such customer of yours" (302), like an unknown
        // id; another company's tag on one's own customer stays 403.
        let own_customer = path.ends_with(&format!("/{}", s.c3));
        let want = if own_customer { 403 } else { 302 };
        assert_eq!(s.post(&s.boss, path, body)["code"], want, "{path} {body}");
        let missing = path.replace(&c4.to_string(), "999999");
        if missing != *path {
            assert_eq!(s.post(&s.boss, &missing, body)["code"], 302, "{missing}");
        }
    }
    for (path, extra) in [
        ("customer", format!("customer_id={c4}")),
        ("follow_info", format!("customer_id={c4}")),
        ("tag_list", format!("customer_id={c4}")),
        (&*format!("customer/delete/{c4}"), String::new()),
    ] {
        assert_eq!(s.get(&s.boss, path, &extra)["code"], 302, "{path}");
    }
    assert_eq!(s.fingerprint(), before, "nothing changed");

    let lists = [
        s.get(&s.boss, "tongxunlu", ""),
        s.get(&s.boss, "tag_customer", ""),
        s.get(&s.boss, "tag_list", ""),
    ];
    for json in &lists {
        assert_eq!(json["code"], 200);
        let text = json.to_string();
        assert!(
            !text.contains("外人") && !text.contains("外部标签"),
            "{text}"
        );
    }
    assert_eq!(
        s.one(&s.other, c4)["username"],
        "外人",
        "its own company still sees it"
    );
}

#[test]
fn crm_endpoints_need_a_signature() {
    let s = crm();
    for path in ["tongxunlu", "tag_list", "tag_customer", "follow_language"] {
        assert_eq!(s.app.get(&format!("{W}/{path}"))["code"], 400, "{path}");
    }
    let forged = Signer {
        user_id: s.s1.user_id,
        token: "wrong".into(),
    };
    assert_eq!(
        s.post(
            &forged,
            &format!("follow_info/add/{}", s.c1),
            "follow_info=x"
        )["code"],
        400
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_follow_info"), 0);
}

/// The radar's all-time totals come from tallies kept by triggers (migration 004); they must
/// agree with counting the events, also after events are deleted with their customer.
#[test]
fn radar_tallies_agree_with_the_events() {
    let s = crm();
    let view = |code: &str, n: usize| {
        let me = s.app.customer(code);
        for endpoint in std::iter::repeat_n("mingpian", n).chain(["mingpian/praise"]) {
            let uri = me.uri(
                &format!("/zhugeleida/xiaochengxu/{endpoint}"),
                &format!("uid={}", s.s1.user_id),
            );
            assert_eq!(s.app.get(&uri)["code"], 200);
        }
    };
    view("c1", 3);
    view("c5", 1);
    // A bound with a time of day makes the handlers count the events themselves.
    let scan = "create_date__gte=2000-01-01%2000:00:01";
    let agree = |expected_total: i64, views: i64| {
        for (tallied, counted) in [
            ("", scan.to_string()),
            ("action=9", format!("action=9&{scan}")),
        ] {
            let (t, c) = (
                s.get(&s.s1, "action/time", tallied),
                s.get(&s.s1, "action/time", &counted),
            );
            assert_eq!(
                t["data"]["data_count"], c["data"]["data_count"],
                "{tallied}"
            );
        }
        let total = s.get(&s.s1, "action/time", "create_date__gte=2000-01-01");
        assert_eq!(total["data"]["data_count"], expected_total);
        let (t, c) = (
            s.get(&s.s1, "action/customer", ""),
            s.get(&s.s1, "action/customer", scan),
        );
        assert_eq!(t["data"], c["data"]);
        let (t, c) = (
            s.get(&s.s1, "action/count", ""),
            s.get(&s.s1, "action/count", scan),
        );
        assert_eq!(t["data"][0]["detail"], c["data"][0]["detail"]);
        assert_eq!(t["data"][0]["detail"]["1"], views);
    };
    agree(6, 4);
    assert_eq!(
        s.get(&s.s1, "action/customer", "")["data"][0]["totalCount"],
        4
    );
    s.app
        .db()
        .execute_batch(&format!(
            "PRAGMA foreign_keys = ON; DELETE FROM zl_customer WHERE id = {};",
            s.c1
        ))
        .unwrap();
    agree(2, 1);
    assert_eq!(
        s.get(&s.s1, "action/customer", "")["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_customer_of_two_companies_shows_each_company_only_its_own_notes() {
    let s = crm();
    // c1, s1's customer in company A, also binds to the card of `other` in company B.
    let c1 = s.app.customer("c1");
    assert_eq!(c1.user_id, s.c1);
    s.app.bind(&c1, s.other.user_id);

    let a_notes = "username=难缠的张总&phone=13800000001&mem=A公司的备注&company=A眼中的公司";
    let update = format!("customer/update_information/{}", s.c1);
    assert_eq!(s.post(&s.s1, &update, a_notes)["code"], 200);
    let seen_by_b = s.one(&s.other, s.c1);
    assert_eq!(seen_by_b["username"], "张聪", "B sees the WeChat name");
    assert_eq!(seen_by_b["memo_name"], "");
    assert_eq!(seen_by_b["mem"], "");
    assert_eq!(seen_by_b["company"], "");
    assert_ne!(seen_by_b["phone"], "13800000001");

    let b_notes = "username=B叫他老张&mem=B公司的备注";
    assert_eq!(s.post(&s.other, &update, b_notes)["code"], 200);
    let seen_by_a = s.one(&s.s1, s.c1);
    assert_eq!(
        (
            &seen_by_a["username"],
            &seen_by_a["memo_name"],
            &seen_by_a["mem"]
        ),
        (
            &json!("难缠的张总"),
            &json!("难缠的张总"),
            &json!("A公司的备注")
        )
    );
    assert_eq!(s.one(&s.other, s.c1)["username"], "B叫他老张");

    // Every list B reads names the customer B's way, never A's.
    let view = c1.uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", s.other.user_id),
    );
    assert_eq!(s.app.get(&view)["code"], 200);
    for (path, extra) in [
        ("tongxunlu", ""),
        ("action/time", ""),
        ("action/customer", ""),
    ] {
        let text = s.get(&s.other, path, extra).to_string();
        assert!(text.contains("B叫他老张"), "{path}: {text}");
        assert!(
            !text.contains("难缠") && !text.contains("A公司"),
            "{path}: {text}"
        );
    }
    // The customer reads their own name in the chat, not a company's memo name.
    let send = c1.uri("/zhugeleida/xiaochengxu/chat/send_msg/0", "");
    let content = urlencode(r#"{"info_type":1,"msg":"在吗"}"#);
    let body = format!("u_id={}&content={content}", s.s1.user_id);
    assert_eq!(s.app.post_form(&send, &body)["code"], 200);
    let mine = s.app.get(&c1.uri(
        "/zhugeleida/xiaochengxu/chat",
        &format!("u_id={}", s.s1.user_id),
    ));
    assert_eq!(mine["data"][0]["name"], "张聪", "{mine}");
    let theirs = s.get(&s.s1, "chat", &format!("customer_id={}", s.c1));
    assert_eq!(theirs["data"][0]["name"], "难缠的张总", "{theirs}");
}
