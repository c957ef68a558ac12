//! The shop: classes and goods managed by employees holding `shop`, merchant settings,
//! JSAPI prepay through a fake WeChat Pay that checks our signature, and the notify.

use std::collections::BTreeMap;

use leida::secrets::PAY_KEY;
use leida::wechat::pay;
use serde_json::{json, Value};

use crate::common::{FakeServer, Signer, TestApp};
use crate::zhuge_product::salesperson;

const SHOP_KEY: &str = "0123456789abcdefghijABCDEFGHIJ01";

struct Scene {
    app: TestApp,
    boss: Signer,
    customer: Signer,
}

fn scene_in(app: TestApp) -> Scene {
    let (boss, customer) = app.boss_and_customer();
    Scene {
        app,
        boss,
        customer,
    }
}

impl Scene {
    fn manage(&self, who: &Signer, path: &str, body: &str) -> Value {
        self.app.post_form(
            &who.uri(&format!("/zhugeleida/xiaochengxu/{path}"), ""),
            body,
        )
    }

    fn show(&self, who: &Signer, path: &str, extra: &str) -> Value {
        self.app
            .get(&who.uri(&format!("/zhugeleida/xiaochengxu/{path}"), extra))
    }

    fn add_class(&self, name: &str, parent: Option<i64>) -> Value {
        let parent = parent
            .map(|p| format!("&parentClassification={p}"))
            .unwrap_or_default();
        self.manage(
            &self.boss,
            "goodsClassOper/add/0",
            &format!("classificationName={name}&goodsNum=0{parent}"),
        )
    }

    fn add_goods(&self, body: &str) -> i64 {
        let added = self.manage(&self.boss, "mallManagementOper/add/0", body);
        assert_eq!(added["code"], 200, "{added}");
        added["data"]["id"].as_i64().unwrap()
    }
}

#[test]
fn classes_form_a_two_level_tree_managed_only_with_the_permission() {
    let s = scene_in(TestApp::new());
    let top = s.add_class("茶叶", None)["data"]["id"].as_i64().unwrap();
    let child = s.add_class("绿茶", Some(top))["data"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        s.add_class("龙井", Some(child))["code"],
        303,
        "two levels at most"
    );

    let tree = s.show(&s.customer, "goodsClassShow", "");
    assert_eq!(tree["data"][0]["name"], "茶叶", "{tree}");
    assert_eq!(tree["data"][0]["children"][0]["name"], "绿茶");
    let below = s.show(&s.boss, "goodsClassShow", &format!("singleUser={top}"));
    assert_eq!(
        below["data"],
        json!([{"id": child, "name": "绿茶", "goodsNum": 0, "children": []}])
    );

    assert_eq!(
        s.manage(&s.boss, &format!("goodsClassOper/delete/{top}"), "")["code"],
        304
    );
    let renamed = s.manage(
        &s.boss,
        &format!("goodsClassOper/update/{child}"),
        &format!("o_id={child}&classificationName=红茶&goodsNum=1"),
    );
    assert_eq!(renamed["code"], 200);
    let wrong = s.manage(
        &s.boss,
        &format!("goodsClassOper/update/{child}"),
        &format!("o_id={top}&classificationName=x&goodsNum=1"),
    );
    assert_eq!(wrong["code"], 303);

    let seller = salesperson(&s.app, &s.boss, "xiaowang");
    let stranger = s.app.admin("other", "别的公司");
    let body = "classificationName=x&goodsNum=0";
    assert_eq!(
        s.manage(&s.customer, "goodsClassOper/add/0", body)["code"],
        403,
        "a customer's signature"
    );
    assert_eq!(
        s.manage(&seller, "goodsClassOper/add/0", body)["code"],
        403,
        "no shop permission"
    );
    assert_eq!(
        s.manage(&stranger, &format!("goodsClassOper/update/{child}"), body)["code"],
        403
    );
    assert_eq!(
        s.manage(&stranger, &format!("goodsClassOper/delete/{child}"), "")["code"],
        403
    );
    assert_eq!(
        s.manage(&s.boss, "goodsClassOper/delete/9999", "")["code"],
        302
    );
    assert_eq!(
        s.manage(&s.boss, "goodsClassOper/add/0", "goodsNum=1")["code"],
        303
    );
    let forged = s.app.post_form(
        "/zhugeleida/xiaochengxu/goodsClassOper/add/0?user_id=1&timestamp=1&rand_str=x",
        body,
    );
    assert_eq!(forged["code"], 400);

    assert_eq!(
        s.manage(&s.boss, &format!("goodsClassOper/delete/{child}"), "")["code"],
        200
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_goods_class"), 1);
}

#[test]
fn goods_have_prices_in_yuan_and_customers_see_those_on_shelf() {
    let s = scene_in(TestApp::new());
    let class = s.add_class("茶叶", None)["data"]["id"].as_i64().unwrap();
    let tea = s.add_goods(&format!(
        "goodsName=龙井&goodsPrice=12.5&classificationId={class}&pictures=%5B%22a.png%22%5D"
    ));
    s.add_goods("goodsName=下架品&goodsPrice=3&goodsStatus=2");
    let fen: i64 = s
        .app
        .db()
        .query_row(
            "SELECT goodsPrice FROM zl_goods WHERE id = ?1",
            [tea],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(fen, 1250);

    let seen = s.show(&s.customer, "mallManageShow", "");
    assert_eq!(seen["data"]["data_count"], 1);
    let item = &seen["data"]["ret_data"][0];
    assert_eq!(item["goodsName"], "龙井");
    assert_eq!(item["goodsPrice"], "12.50");
    assert_eq!(item["classificationId"], class);
    assert_eq!(item["pictures"], json!(["a.png"]));
    assert_eq!(
        s.show(&s.boss, "mallManageShow", "")["data"]["data_count"],
        2
    );
    assert_eq!(
        s.show(
            &s.customer,
            "mallManageShow",
            &format!("classificationId={class}")
        )["data"]["data_count"],
        1
    );
    assert_eq!(
        s.manage(&s.boss, &format!("goodsClassOper/delete/{class}"), "")["code"],
        304,
        "it has goods"
    );

    for (body, code) in [
        ("goodsName=x&goodsPrice=12.345", 301),
        ("goodsName=x&goodsPrice=-1", 301),
        ("goodsName=x&goodsPrice=0", 303),
        ("goodsName=x&goodsPrice=1&goodsStatus=3", 303),
        ("goodsName=x", 303),
        ("goodsName=x&goodsPrice=1&pictures=nope", 301),
    ] {
        assert_eq!(
            s.manage(&s.boss, "mallManagementOper/add/0", body)["code"],
            code,
            "{body}"
        );
    }
    let stranger = s.app.admin("other", "别的公司");
    let theirs = s.manage(
        &stranger,
        "mallManagementOper/add/0",
        &format!("goodsName=x&goodsPrice=1&classificationId={class}"),
    );
    assert_eq!(theirs["code"], 403);
    assert_eq!(
        s.manage(&stranger, &format!("mallManagementOper/delete/{tea}"), "")["code"],
        403
    );
    assert_eq!(
        s.manage(
            &s.customer,
            &format!("mallManagementOper/update/{tea}"),
            "goodsPrice=1"
        )["code"],
        403
    );

    assert_eq!(
        s.manage(
            &s.boss,
            &format!("mallManagementOper/update/{tea}"),
            "goodsStatus=2"
        )["code"],
        200
    );
    assert_eq!(
        s.show(&s.customer, "mallManageShow", "")["data"]["data_count"],
        0
    );
    assert_eq!(
        s.manage(&s.boss, &format!("mallManagementOper/delete/{tea}"), "")["code"],
        200
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_goods"), 1);
}

#[test]
fn merchant_settings_are_checked_and_the_key_never_shown() {
    let s = scene_in(TestApp::new());
    let long_id = "1".repeat(31);
    assert_eq!(
        s.manage(
            &s.boss,
            "jiChuSheZhiOper/addOrUpdate",
            &format!("shangChengName=店&shangHuHao={long_id}")
        )["code"],
        303
    );
    assert_eq!(
        s.manage(
            &s.boss,
            "jiChuSheZhiOper/addOrUpdate",
            "shangChengName=店&shangHuMiYao=short"
        )["code"],
        303
    );
    assert_eq!(
        s.manage(
            &s.boss,
            "jiChuSheZhiOper/addOrUpdate",
            "shangHuHao=1900000109"
        )["code"],
        303,
        "a name first"
    );
    let created = s.manage(
        &s.boss,
        "jiChuSheZhiOper/addOrUpdate",
        &format!("shangChengName=康桥商城&shangHuHao=1900000109&shangHuMiYao={SHOP_KEY}"),
    );
    assert_eq!(created["msg"], "创建成功");
    assert_eq!(created["data"], "");
    let changed = s.manage(
        &s.boss,
        "jiChuSheZhiOper/addOrUpdate",
        "shangChengName=新名字",
    );
    assert_eq!(changed["msg"], "修改成功");
    let row: (String, String, String) = s
        .app
        .db()
        .query_row(
            "SELECT shangChengName, shangHuHao, shangHuMiYao FROM zl_shop_setting",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let key = s.app.secrets().open(PAY_KEY, &row.2).unwrap();
    assert_eq!(
        (row.0, row.1, key),
        ("新名字".into(), "1900000109".into(), SHOP_KEY.into()),
        "omitted fields are kept (the key sealed, issue 14)"
    );
    assert_eq!(
        s.manage(
            &s.customer,
            "jiChuSheZhiOper/addOrUpdate",
            "shangChengName=x"
        )["code"],
        403
    );
}

fn fake_pay() -> FakeServer {
    FakeServer::start(|r| {
        match r.path.as_str() {
        "/sns/jscode2session" => (200, json!({"openid": format!("o-{}", r.param("js_code").unwrap_or_default()), "session_key": "k"}).to_string()),
        "/pay/unifiedorder" => {
            let sent = pay::from_xml(&r.body).unwrap_or_default();
            let mut answer = BTreeMap::from([
                ("return_code".to_string(), "SUCCESS".to_string()),
                ("result_code".to_string(), "SUCCESS".to_string()),
                ("prepay_id".to_string(), format!("wx-prepay-{}", sent.get("out_trade_no").cloned().unwrap_or_default())),
            ]);
            answer.insert("sign".into(), pay::sign(&answer, SHOP_KEY));
            (200, pay::to_xml(&answer))
        }
        _ => (404, "{}".into()),
    }
    })
}

fn shop_scene(fake: &FakeServer) -> Scene {
    let url = fake.url.clone();
    let s = scene_in(TestApp::with(move |f| {
        f.merge(("wechat_api", url.clone()))
            .merge(("pay_api", url))
            .merge(("wechat_appid", "wx-card"))
            .merge(("wechat_secret", "s"))
            .merge(("public_url", "https://shop.example.com"))
    }));
    let saved = s.manage(
        &s.boss,
        "jiChuSheZhiOper/addOrUpdate",
        &format!("shangChengName=康桥商城&shangHuHao=1900000109&shangHuMiYao={SHOP_KEY}"),
    );
    assert_eq!(saved["code"], 200);
    s
}

fn notify(fields: &[(&str, &str)], key: &str) -> String {
    let mut map: BTreeMap<String, String> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("sign".into(), pay::sign(&map, key));
    pay::to_xml(&map)
}

#[test]
fn prepay_orders_the_goods_at_their_own_price_and_the_notify_settles_once() {
    let fake = fake_pay();
    let s = shop_scene(&fake);
    let tea = s.add_goods("goodsName=龙井&goodsPrice=12.5");
    let prepay = s.manage(
        &s.customer,
        "yuZhiFu",
        &format!(
            "goodsId={tea}&goodsNum=2&u_id={}&xiaochengxu_id=1&total_fee=1",
            s.customer.user_id
        ),
    );
    assert_eq!(prepay["code"], 200, "{prepay}");
    assert_eq!(prepay["msg"], "预支付请求成功");

    let sent = pay::from_xml(&fake.calls("/pay/unifiedorder")[0].body).unwrap();
    assert!(pay::verify(&sent, SHOP_KEY), "signed with the shop's key");
    assert_eq!(
        sent["total_fee"], "2500",
        "from the goods, never the client"
    );
    assert_eq!(sent["trade_type"], "JSAPI");
    assert_eq!(sent["openid"], "o-c1");
    assert_eq!(sent["appid"], "wx-card");
    assert_eq!(sent["mch_id"], "1900000109");
    assert_eq!(
        sent["notify_url"],
        "https://shop.example.com/zhugeleida/xiaochengxu/payback"
    );

    let data = &prepay["data"];
    assert_eq!(
        data["package"],
        format!("prepay_id=wx-prepay-{}", sent["out_trade_no"])
    );
    let mut client: BTreeMap<String, String> = ["appId", "nonceStr", "package", "signType"]
        .iter()
        .map(|k| (k.to_string(), data[k].as_str().unwrap().to_string()))
        .collect();
    client.insert(
        "timeStamp".into(),
        data["timeStamp"].as_i64().unwrap().to_string(),
    );
    assert_eq!(data["paySign"], pay::sign(&client, SHOP_KEY));

    let trade_no = sent["out_trade_no"].clone();
    let paid = |extra: &[(&str, &str)], key: &str| {
        let mut fields = vec![
            ("appid", "wx-card"),
            ("mch_id", "1900000109"),
            ("out_trade_no", trade_no.as_str()),
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("transaction_id", "42"),
        ];
        fields.extend_from_slice(extra);
        let response = s
            .app
            .client
            .post("/zhugeleida/xiaochengxu/payback")
            .body(notify(&fields, key))
            .dispatch();
        response.into_string().unwrap()
    };
    let status = || -> i64 {
        s.app
            .db()
            .query_row("SELECT status FROM zl_order", [], |r| r.get(0))
            .unwrap()
    };

    assert!(
        paid(&[("total_fee", "1")], SHOP_KEY).contains("FAIL"),
        "a signed but wrong amount"
    );
    assert!(paid(
        &[("total_fee", "2500")],
        "another-key-another-key-another-k"
    )
    .contains("FAIL"));
    assert_eq!(status(), 1);
    assert!(paid(&[("total_fee", "2500")], SHOP_KEY).contains("SUCCESS"));
    assert_eq!(status(), 8);
    assert!(
        paid(&[("total_fee", "2500")], SHOP_KEY).contains("SUCCESS"),
        "a repeat is acknowledged"
    );
    let doctype = s
        .app
        .client
        .post("/zhugeleida/xiaochengxu/payback")
        .body("<!DOCTYPE x><xml></xml>")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(doctype.contains("FAIL"));
    assert_eq!(status(), 8);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM pay_notify WHERE app = 'zhuge'"),
        5
    );
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM pay_notify WHERE verdict = '已支付'"),
        1
    );

    let orders = s.show(&s.customer, "theOrderShow", "");
    let order = &orders["data"]["ret_data"][0];
    assert_eq!(order["orderNumber"], trade_no);
    assert_eq!(order["goodsName"], "龙井");
    assert_eq!(order["yingFuKuan"], "25.00");
    assert_eq!(order["theOrderStatus"], 8);
    let someone = s.app.customer("c2");
    assert_eq!(
        s.show(&someone, "theOrderShow", "")["data"]["data_count"],
        0
    );
}

#[test]
fn prepay_refusals_change_nothing() {
    let fake = fake_pay();
    let s = shop_scene(&fake);
    let tea = s.add_goods("goodsName=龙井&goodsPrice=1");
    let off = s.add_goods("goodsName=下架&goodsPrice=1&goodsStatus=2");
    let outsider = s.app.customer("c9");
    let stranger = s.app.admin("other", "别的公司");
    let elsewhere = s.app.post_form(
        &stranger.uri("/zhugeleida/xiaochengxu/mallManagementOper/add/0", ""),
        "goodsName=外&goodsPrice=1",
    )["data"]["id"]
        .as_i64()
        .unwrap();

    assert_eq!(
        s.manage(&outsider, "yuZhiFu", &format!("goodsId={tea}"))["code"],
        403,
        "not bound to the company"
    );
    assert_eq!(
        s.manage(&s.customer, "yuZhiFu", &format!("goodsId={off}"))["code"],
        303
    );
    assert_eq!(
        s.manage(&s.customer, "yuZhiFu", "goodsId=9999")["code"],
        302
    );
    assert_eq!(
        s.manage(&s.customer, "yuZhiFu", &format!("goodsId={tea}&goodsNum=0"))["code"],
        303
    );
    assert_eq!(
        s.manage(&s.customer, "yuZhiFu", &format!("goodsId={tea}&u_id=9999"))["code"],
        403
    );
    assert_eq!(
        s.manage(&s.customer, "yuZhiFu", &format!("goodsId={elsewhere}"))["code"],
        403
    );
    assert!(fake.calls("/pay/unifiedorder").is_empty());
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_order"), 0);
}
