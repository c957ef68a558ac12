//! The Zhuge shop with a v3 merchant set through its shop settings: JSAPI prepay with RSA pay
//! parameters, and notifies opened by the shop whose keys verify them.

use rocket::http::Status;
use serde_json::{json, Value};

use super::*;
use crate::common::{urlencode, FakeServer, Signer, TestApp};
use crate::signatures::PLATFORM_CERT;

pub const APPID: &str = "wx-card";
pub const PAYBACK: &str = "/zhugeleida/xiaochengxu/payback";

pub struct Shop {
    pub app: TestApp,
    pub boss: Signer,
    pub customer: Signer,
}

impl Shop {
    pub fn manage(&self, who: &Signer, path: &str, body: &str) -> Value {
        self.app.post_form(
            &who.uri(&format!("/zhugeleida/xiaochengxu/{path}"), ""),
            body,
        )
    }

    pub fn goods(&self, price: &str) -> i64 {
        let added = self.manage(
            &self.boss,
            "mallManagementOper/add/0",
            &format!("goodsName=龙井&goodsPrice={price}"),
        );
        assert_eq!(added["code"], 200, "{added}");
        added["data"]["id"].as_i64().unwrap()
    }

    /// Buys `goods` as the customer; the prepay answer.
    pub fn buy(&self, goods: i64) -> Value {
        let answer = self.manage(
            &self.customer,
            "yuZhiFu",
            &format!("goodsId={goods}&goodsNum=1"),
        );
        assert_eq!(answer["code"], 200, "{answer}");
        answer
    }

    pub fn order(&self) -> (i64, String) {
        self.app
            .db()
            .query_row(
                "SELECT id, out_trade_no FROM zl_order ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
    }

    pub fn order_status(&self, id: i64) -> i64 {
        self.app
            .db()
            .query_row("SELECT status FROM zl_order WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    }
}

/// The v3 merchant fields of the shop settings form (key contents, URL-encoded).
pub fn v3_settings() -> String {
    format!(
        "shangChengName=康桥商城&shangHuHao={MCH_ID}&pay_api_version=v3&pay_apiv3_key={APIV3_KEY}\
         &pay_private_key={}&pay_serial_no={SERIAL_NO}&pay_public_key={}&pay_public_key_id={PUB_KEY_ID}",
        urlencode(MERCHANT_KEY),
        urlencode(WECHATPAY_PUB)
    )
}

pub fn shop(fake: &FakeServer, settings: &str) -> Shop {
    let url = fake.url.clone();
    let app = TestApp::with(move |f| {
        f.merge(("wechat_api", url.clone()))
            .merge(("pay_api", url))
            .merge(("wechat_appid", APPID))
            .merge(("wechat_secret", "s"))
            .merge(("public_url", "https://shop.example.com"))
    });
    let (boss, customer) = app.boss_and_customer();
    let shop = Shop {
        app,
        boss,
        customer,
    };
    let saved = shop.manage(&shop.boss, "jiChuSheZhiOper/addOrUpdate", settings);
    assert_eq!(saved["code"], 200, "{saved}");
    shop
}

#[test]
fn merchant_keys_are_sealed_checked_and_never_shown() {
    let fake = fake_v3(standard_answer);
    let s = shop(&fake, &v3_settings());
    let (private, apiv3): (String, String) = s
        .app
        .db()
        .query_row(
            "SELECT private_key, apiv3_key FROM zl_shop_setting",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(
        private.starts_with("enc1:") && apiv3.starts_with("enc1:"),
        "sealed at rest"
    );
    assert!(!private.contains("PRIVATE KEY"));

    let refused = |body: &str, words: &str| {
        let answer = s.manage(&s.boss, "jiChuSheZhiOper/addOrUpdate", body);
        assert_eq!(answer["code"], 303, "{answer}");
        assert!(answer["msg"].as_str().unwrap().contains(words), "{answer}");
    };
    refused("pay_apiv3_key=short", "32");
    refused("pay_api_version=v4", "v2 或 v3");
    refused(
        &format!("pay_private_key={}", urlencode(WECHATPAY_PUB)),
        "私钥",
    );
    refused(
        &format!("pay_public_key={}", urlencode(PLATFORM_CERT)),
        "公钥",
    );
    let kept: String = s
        .app
        .db()
        .query_row("SELECT private_key FROM zl_shop_setting", [], |r| r.get(0))
        .unwrap();
    assert_eq!(kept, private, "a refused change changes nothing");
    // A customer may not set them.
    assert_eq!(
        s.manage(&s.customer, "jiChuSheZhiOper/addOrUpdate", &v3_settings())["code"],
        403
    );
}

#[test]
fn prepay_is_a_signed_jsapi_order_and_the_pay_parameters_are_rsa_signed() {
    let fake = fake_v3(standard_answer);
    let s = shop(&fake, &v3_settings());
    let goods = s.goods("12.5");
    let answer = s.buy(goods);
    let sent = fake.calls("/v3/pay/transactions/jsapi");
    assert_eq!(sent.len(), 1);
    assert!(authorized(&sent[0]));
    let body: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(body["amount"]["total"], 1250);
    assert_eq!(body["payer"], json!({"openid": "o-c1"}));
    assert_eq!(body["appid"], APPID);
    assert_eq!(
        body["notify_url"],
        "https://shop.example.com/zhugeleida/xiaochengxu/payback"
    );

    let data = &answer["data"];
    assert_eq!(data["signType"], "RSA");
    assert_eq!(
        data["package"],
        format!("prepay_id=wx-v3-{}", body["out_trade_no"].as_str().unwrap())
    );
    let message = format!(
        "{}\n{}\n{}\n{}\n",
        data["appId"].as_str().unwrap(),
        data["timeStamp"],
        data["nonceStr"].as_str().unwrap(),
        data["package"].as_str().unwrap()
    );
    assert!(merchant_public().verify(message.as_bytes(), data["paySign"].as_str().unwrap()));
}

#[test]
fn a_v3_notify_is_opened_by_its_shop_and_settles_once() {
    let fake = fake_v3(standard_answer);
    let s = shop(&fake, &v3_settings());
    let goods = s.goods("12.5");
    s.buy(goods);
    let (id, trade_no) = s.order();

    let wrong = transaction(APPID, &trade_no, 1, "SUCCESS");
    assert_eq!(
        post_notify(&s.app, PAYBACK, &notify("TRANSACTION.SUCCESS", &wrong, 0)).0,
        Status::BadRequest
    );
    let stale = transaction(APPID, &trade_no, 1250, "SUCCESS");
    assert_eq!(
        post_notify(&s.app, PAYBACK, &notify("TRANSACTION.SUCCESS", &stale, 400)).0,
        Status::Unauthorized
    );
    assert_eq!(s.order_status(id), 1);

    let paid = transaction(APPID, &trade_no, 1250, "SUCCESS");
    let (code, body) = post_notify(&s.app, PAYBACK, &notify("TRANSACTION.SUCCESS", &paid, 0));
    assert_eq!(code, Status::NoContent, "{body}");
    assert_eq!(s.order_status(id), 8);
    assert_eq!(
        post_notify(&s.app, PAYBACK, &notify("TRANSACTION.SUCCESS", &paid, 0)).0,
        Status::NoContent
    );
    assert_eq!(
        verdicts(&s.app, "zhuge"),
        [
            "金额与订单不符",
            "通知时间与本机相差超过 5 分钟",
            "已支付",
            "重复通知, 订单不变"
        ]
    );
}

#[test]
fn a_shop_without_a_v3_merchant_refuses_v3_notifies() {
    let fake = fake_v3(standard_answer);
    let s = shop(
        &fake,
        "shangChengName=x&shangHuHao=1900000109&shangHuMiYao=0123456789abcdefghijABCDEFGHIJ01",
    );
    let paid = transaction(APPID, "20261205000000", 1250, "SUCCESS");
    let (code, body) = post_notify(&s.app, PAYBACK, &notify("TRANSACTION.SUCCESS", &paid, 0));
    assert_eq!(code, Status::ServiceUnavailable, "{body}");
    assert_eq!(verdicts(&s.app, "zhuge"), ["微信支付未配置"]);
}

mod shop_refunds {
    use super::*;
    use crate::common::wait_for;
    use crate::zhuge_product::salesperson;

    fn paid_order(s: &Shop) -> (i64, String) {
        let goods = s.goods("12.5");
        s.buy(goods);
        let (id, no) = s.order();
        let paid = transaction(APPID, &no, 1250, "SUCCESS");
        assert_eq!(
            post_notify(&s.app, PAYBACK, &notify("TRANSACTION.SUCCESS", &paid, 0)).0,
            Status::NoContent
        );
        (id, no)
    }

    fn refund_state(s: &Shop, id: i64) -> String {
        s.app
            .db()
            .query_row("SELECT status FROM pay_refund WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    }

    fn refund_notify(s: &Shop, no: &str, out_refund_no: &str, fen: i64) {
        let done = refund_resource(no, out_refund_no, fen, 1250, "SUCCESS");
        assert_eq!(
            post_notify(&s.app, PAYBACK, &notify("REFUND.SUCCESS", &done, 0)).0,
            Status::NoContent
        );
    }

    #[test]
    fn an_employee_holding_shop_refunds_in_part_then_the_rest_never_more_than_paid() {
        let fake = fake_v3(standard_answer);
        let s = shop(&fake, &v3_settings());
        let (order, no) = paid_order(&s);
        let add = |who: &Signer, extra: &str| {
            s.manage(
                who,
                "tuiKuanDingDanOper/add/0",
                &format!("orderNumber={order}&tuiKuanYuanYin=3{extra}"),
            )
        };
        let seller = salesperson(&s.app, &s.boss, "seller");
        assert_eq!(
            add(&seller, "&tuiKuanJinE=5")["code"],
            403,
            "the shop permission is needed"
        );
        assert_eq!(
            add(&s.boss, "&tuiKuanJinE=13")["code"],
            303,
            "more than was paid"
        );

        let part = add(&s.boss, "&tuiKuanJinE=5");
        assert_eq!(part["code"], 200, "{part}");
        assert_eq!(part["data"]["tuiKuanStatus"], "pending");
        assert_eq!(s.order_status(order), 4, "退款中");
        let first = part["data"]["id"].as_i64().unwrap();
        wait_for("the partial refund sent", || {
            refund_state(&s, first) == "processing"
        });
        let sent: Value =
            serde_json::from_str(&fake.calls("/v3/refund/domestic/refunds")[0].body).unwrap();
        assert_eq!(
            sent["amount"],
            json!({"refund": 500, "total": 1250, "currency": "CNY"})
        );
        assert_eq!(add(&s.boss, "")["code"], 303, "one refund at a time");
        refund_notify(&s, &no, sent["out_refund_no"].as_str().unwrap(), 500);
        assert_eq!(s.order_status(order), 8, "a partial refund leaves the sale");

        let rest = add(&s.boss, "");
        assert_eq!(rest["data"]["tuikuanjine"], "7.50", "{rest}");
        let second = rest["data"]["id"].as_i64().unwrap();
        wait_for("the rest sent", || refund_state(&s, second) == "processing");
        let sent: Value =
            serde_json::from_str(&fake.calls("/v3/refund/domestic/refunds")[1].body).unwrap();
        assert_ne!(sent["out_refund_no"], json!(null));
        refund_notify(&s, &no, sent["out_refund_no"].as_str().unwrap(), 750);
        assert_eq!(s.order_status(order), 2, "退款完成");
        assert_eq!(
            add(&s.boss, "&tuiKuanJinE=0.01")["code"],
            303,
            "nothing is left to refund"
        );

        let list = s
            .app
            .get(&s.boss.uri("/zhugeleida/xiaochengxu/tuiKuanDingDanShow", ""));
        assert_eq!(list["data"]["objsCount"], 2);
        let newest = &list["data"]["otherData"][0];
        assert_eq!(newest["tuiKuanStatusName"], "已退款");
        assert_eq!(newest["tuiKuanYuanYin"], "见面交易");
        assert_eq!(newest["statusName"], "退款完成");
        assert_eq!(
            s.app
                .get(&seller.uri("/zhugeleida/xiaochengxu/tuiKuanDingDanShow", ""))["code"],
            403
        );
    }

    #[test]
    fn a_customer_asks_and_the_seller_refuses_or_refunds_less() {
        let fake = fake_v3(standard_answer);
        let s = shop(&fake, &v3_settings());
        let (order, _) = paid_order(&s);
        let ask = || {
            s.manage(
                &s.customer,
                "tuiKuanDingDanOper/add/0",
                &format!("orderNumber={order}&tuiKuanYuanYin=1"),
            )
        };
        let asked = ask();
        assert_eq!(asked["msg"], "添加退款订单成功！", "{asked}");
        let id = asked["data"]["id"].as_i64().unwrap();
        assert_eq!(refund_state(&s, id), "requested");
        let decide = |body: &str| {
            s.manage(
                &s.boss,
                &format!("tuiKuanDingDanOper/updateStatus/{id}"),
                body,
            )
        };
        assert_eq!(
            s.manage(
                &s.customer,
                &format!("tuiKuanDingDanOper/updateStatus/{id}"),
                "status=2"
            )["code"],
            403
        );
        assert_eq!(decide("status=5")["msg"], "卖家拒绝退款");
        assert_eq!(s.order_status(order), 5);
        assert_eq!(decide("status=2")["code"], 303, "decided already");
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert!(
            fake.calls("/v3/refund/domestic/refunds").is_empty(),
            "a refusal sends nothing"
        );

        let again = ask();
        let id = again["data"]["id"].as_i64().unwrap();
        let approved = s.manage(
            &s.boss,
            &format!("tuiKuanDingDanOper/updateStatus/{id}"),
            "status=2&tuiKuanJinE=10",
        );
        assert_eq!(approved["data"]["tuikuanjine"], "10.00", "{approved}");
        wait_for("the approved refund sent", || {
            refund_state(&s, id) == "processing"
        });
        let mine = s.app.get(
            &s.customer
                .uri("/zhugeleida/xiaochengxu/tuiKuanDingDanShow", ""),
        );
        assert_eq!(mine["data"]["objsCount"], 2);
        let reasons = s.app.get(&s.customer.uri(
            "/zhugeleida/xiaochengxu/tuiKuanDingDanOper/selectYuanYin/0",
            "",
        ));
        assert_eq!(reasons["data"][3], json!({"id": 4, "name": "其他原因"}));
    }
}
