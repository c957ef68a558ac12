//! `/api/pay/init` (NATIVE unified order against a fake WeChat Pay, QR code of `code_url`)
//! and `/api/pay/notify` (signature, appid, mch_id and amount checked; paid exactly once).

use std::collections::BTreeMap;

use leida::wechat::pay as wxpay;
use rocket::http::ContentType;

use super::{
    done, notice, order, order_no, post, publish, refused, register, send_notice, status, Who,
    APPID, KEY, MCH_ID,
};
use crate::common::{FakeServer, TestApp};

const CODE_URL: &str = "weixin://wxpay/bizpayurl?pr=NwY5Mz9";

/// A fake WeChat Pay answering every unified order with a signed NATIVE prepay.
fn fake_pay() -> FakeServer {
    FakeServer::start(|_| {
        let mut answer: BTreeMap<String, String> = [
            ("return_code", "SUCCESS"),
            ("result_code", "SUCCESS"),
            ("appid", APPID),
            ("mch_id", MCH_ID),
            ("nonce_str", "IITRi8Iabbblz1Jc"),
            ("prepay_id", "wx201411101639507cbf6ffd8b0779950874"),
            ("trade_type", "NATIVE"),
            ("code_url", CODE_URL),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sign = wxpay::sign(&answer, KEY);
        answer.insert("sign".into(), sign);
        (200, wxpay::to_xml(&answer))
    })
}

fn pay_app(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_appid", APPID))
            .merge(("pay_mch_id", MCH_ID))
            .merge(("pay_key", KEY))
            .merge(("pay_api", url))
            .merge(("public_url", "https://consult.example"))
    })
}

fn buyer_with_order(app: &TestApp) -> (Who, i64) {
    let buyer = register(app, "user", "zhangsan");
    let post_id = publish(app, &buyer, "demand");
    let id = order(app, &buyer, post_id, "");
    (buyer, id)
}

fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1);
    grids[0].decode().unwrap().1
}

#[test]
fn init_places_a_signed_native_order_for_the_posts_price_and_draws_its_qr_code() {
    let fake = fake_pay();
    let app = pay_app(&fake);
    let (buyer, id) = buyer_with_order(&app);
    let body = format!(
        "out_trade_no={id}&total_fee=1&body=cheap&spbill_create_ip=203.0.113.7&device_info=WEB"
    );
    let content = done(post(&app, "/api/pay/init", &body, &buyer.token));
    let answer = &content[0];
    assert_eq!(answer["order_id"], id);
    assert_eq!(answer["code_url"], CODE_URL);
    assert_eq!(answer["total_fee"], 8800);
    assert_eq!(answer["price"], "88.00");

    let sent = fake.calls("/pay/unifiedorder");
    assert_eq!(sent.len(), 1);
    let request = wxpay::from_xml(&sent[0].body).unwrap();
    assert!(
        wxpay::verify(&request, KEY),
        "signed with the merchant key: {request:?}"
    );
    assert_eq!(
        request["total_fee"], "8800",
        "the post's price, not the client's total_fee"
    );
    assert_eq!(request["trade_type"], "NATIVE");
    assert_eq!(request["appid"], APPID);
    assert_eq!(request["mch_id"], MCH_ID);
    assert_eq!(request["out_trade_no"], order_no(&app, id));
    assert_eq!(request["spbill_create_ip"], "203.0.113.7");
    assert_eq!(
        request["notify_url"],
        "https://consult.example/api/pay/notify"
    );
    assert!(request["body"].contains("demand"));
    assert!(!request.contains_key("openid"));

    let qr_url = answer["qr_code"].as_str().unwrap();
    let rel = qr_url
        .strip_prefix("https://consult.example/statics/")
        .expect("served under /statics/");
    let png = app
        .client
        .get(format!("/statics/{rel}"))
        .dispatch()
        .into_bytes()
        .unwrap();
    assert_eq!(decode_qr(&png), CODE_URL);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM cs_order WHERE id = {id} AND code_url = '{CODE_URL}'"
        )),
        1
    );
    // The order number works as out_trade_no too.
    let by_no = format!("out_trade_no={}", order_no(&app, id));
    done(post(&app, "/api/pay/init", &by_no, &buyer.token));
}

#[test]
fn init_refusals() {
    let fake = fake_pay();
    let app = pay_app(&fake);
    let (buyer, id) = buyer_with_order(&app);
    let other = register(&app, "user", "lisi");
    refused(
        &post(
            &app,
            "/api/pay/init",
            &format!("out_trade_no={id}"),
            &other.token,
        ),
        403,
        "自己的订单",
    );
    refused(
        &post(&app, "/api/pay/init", "out_trade_no=999", &buyer.token),
        302,
        "订单不存在",
    );
    refused(
        &post(&app, "/api/pay/init", "out_trade_no=CSNOPE", &buyer.token),
        302,
        "订单不存在",
    );
    refused(
        &post(&app, "/api/pay/init", "total_fee=1", &buyer.token),
        303,
        "out_trade_no",
    );
    let consultant = register(&app, "consultant", "wang");
    refused(
        &post(
            &app,
            "/api/pay/init",
            &format!("out_trade_no={id}"),
            &consultant.token,
        ),
        403,
        "买家",
    );
    send_notice(&app, &notice(&order_no(&app, id), 8800, KEY, |_| {}));
    refused(
        &post(
            &app,
            "/api/pay/init",
            &format!("out_trade_no={id}"),
            &buyer.token,
        ),
        303,
        "待接单",
    );
    assert!(fake.calls("/pay/unifiedorder").is_empty());
}

#[test]
fn init_without_a_merchant_is_refused_clearly() {
    let app = TestApp::new();
    let (buyer, id) = buyer_with_order(&app);
    refused(
        &post(
            &app,
            "/api/pay/init",
            &format!("out_trade_no={id}"),
            &buyer.token,
        ),
        403,
        "pay_mch_id",
    );
}

#[test]
fn a_wechat_refusal_is_passed_on_and_changes_nothing() {
    let fake = FakeServer::start(|_| {
        let mut answer: BTreeMap<String, String> = [
            ("return_code", "SUCCESS"),
            ("result_code", "FAIL"),
            ("err_code", "NOTENOUGH"),
            ("err_code_des", "余额不足"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let sign = wxpay::sign(&answer, KEY);
        answer.insert("sign".into(), sign);
        (200, wxpay::to_xml(&answer))
    });
    let app = pay_app(&fake);
    let (buyer, id) = buyer_with_order(&app);
    refused(
        &post(
            &app,
            "/api/pay/init",
            &format!("out_trade_no={id}"),
            &buyer.token,
        ),
        500,
        "NOTENOUGH",
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cs_order WHERE code_url != ''"),
        0
    );
}

fn verdicts(app: &TestApp) -> Vec<String> {
    let conn = app.db();
    let mut stmt = conn
        .prepare("SELECT verdict FROM pay_notify WHERE app = 'consult' ORDER BY id")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a_notice_marks_the_order_paid_exactly_once() {
    let fake = fake_pay();
    let app = pay_app(&fake);
    let (_, id) = buyer_with_order(&app);
    let xml = notice(&order_no(&app, id), 8800, KEY, |_| {});
    let answer = send_notice(&app, &xml);
    assert_eq!(answer["return_code"], "SUCCESS");
    assert_eq!(status(&app, id), 2);
    let paid_at: String = app
        .db()
        .query_row(
            "SELECT paid_date || transaction_id FROM cs_order WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();

    let again = send_notice(&app, &xml);
    assert_eq!(again["return_code"], "SUCCESS", "a repeat is acknowledged");
    let paid_again: String = app
        .db()
        .query_row(
            "SELECT paid_date || transaction_id FROM cs_order WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(paid_at, paid_again, "and changes nothing");
    assert_eq!(status(&app, id), 2);
    let stored = verdicts(&app);
    assert_eq!(stored.len(), 2);
    assert!(stored[1].contains("重复"), "{stored:?}");
    let body: String = app
        .db()
        .query_row("SELECT body FROM pay_notify ORDER BY id LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(body, xml, "stored raw");
}

#[test]
fn forged_or_mismatched_notices_are_refused_stored_and_change_nothing() {
    let fake = fake_pay();
    let app = pay_app(&fake);
    let (_, id) = buyer_with_order(&app);
    let no = order_no(&app, id);
    let unsigned = {
        let mut fields = wxpay::from_xml(&notice(&no, 8800, KEY, |_| {})).unwrap();
        fields.remove("sign");
        wxpay::to_xml(&fields)
    };
    let doctype = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>{}",
        notice(&no, 8800, KEY, |_| {})
    );
    let cases = [
        (
            notice(&no, 8800, "0123456789abcdef0123456789abcdef", |_| {}),
            "签名",
        ),
        (unsigned, "签名"),
        (doctype, "XML"),
        (notice(&no, 1, KEY, |_| {}), "金额"),
        (
            notice(&no, 8800, KEY, |f| {
                f.insert("appid".into(), "wx-other".into());
            }),
            "appid",
        ),
        (
            notice(&no, 8800, KEY, |f| {
                f.insert("mch_id".into(), "1900000000".into());
            }),
            "mch_id",
        ),
        (notice("CSUNKNOWN", 8800, KEY, |_| {}), "订单不存在"),
    ];
    for (xml, why) in &cases {
        let answer = send_notice(&app, xml);
        assert_eq!(answer["return_code"], "FAIL", "{xml}");
        assert!(answer["return_msg"].contains(why), "{answer:?}");
    }
    assert_eq!(status(&app, id), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cs_order WHERE paid_date IS NOT NULL"),
        0
    );
    let stored = verdicts(&app);
    assert_eq!(
        stored.len(),
        cases.len(),
        "every notice is stored with its verdict"
    );
    assert!(stored[3].contains("金额"), "{stored:?}");
}

#[test]
fn a_failed_payment_notice_changes_nothing() {
    let fake = fake_pay();
    let app = pay_app(&fake);
    let (_, id) = buyer_with_order(&app);
    let xml = notice(&order_no(&app, id), 8800, KEY, |f| {
        f.insert("result_code".into(), "FAIL".into());
    });
    assert_eq!(send_notice(&app, &xml)["return_code"], "SUCCESS");
    assert_eq!(status(&app, id), 1);
}

#[test]
fn money_for_a_cancelled_order_becomes_a_refund_request() {
    let fake = fake_pay();
    let app = pay_app(&fake);
    let (buyer, id) = buyer_with_order(&app);
    done(post(
        &app,
        "/api/user/order/cancel",
        &format!("order_id={id}"),
        &buyer.token,
    ));
    let answer = send_notice(&app, &notice(&order_no(&app, id), 8800, KEY, |_| {}));
    assert_eq!(answer["return_code"], "SUCCESS");
    assert_eq!(status(&app, id), 7);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM pay_refund WHERE order_id = {id} AND status = 'recorded'"
        )),
        1
    );
}

#[test]
fn notify_without_a_merchant_answers_fail_in_xml() {
    let app = TestApp::new();
    let response = app
        .client
        .post("/api/pay/notify")
        .header(ContentType::XML)
        .body("<xml><return_code>SUCCESS</return_code></xml>")
        .dispatch();
    let answer = wxpay::from_xml(&response.into_string().unwrap()).unwrap();
    assert_eq!(answer["return_code"], "FAIL");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pay_notify WHERE app = 'consult'"),
        1
    );
}
