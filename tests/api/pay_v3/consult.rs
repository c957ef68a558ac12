//! The consulting app with a v3 merchant: NATIVE prepay, payment notifies, refusals.

use rocket::http::Status;
use serde_json::{json, Value};

use super::*;
use crate::common::{FakeServer, TestApp};
use crate::consult::{done, order, order_no, post, publish, register, status, Who};

pub const APPID: &str = "wx-consult-v3";
pub const NOTIFY: &str = "/api/pay/notify";

/// A server whose configured merchant speaks v3, calling `fake`.
pub fn v3_app(fake: &FakeServer, keys: &KeyFiles) -> TestApp {
    let (url, private, public) = (
        fake.url.clone(),
        keys.private_key.clone(),
        keys.public_key.clone(),
    );
    TestApp::with(move |f| v3_config(f, &url, &private, &public))
}

pub fn v3_config(
    f: rocket::figment::Figment,
    url: &str,
    private: &std::path::Path,
    public: &std::path::Path,
) -> rocket::figment::Figment {
    f.merge(("wechat_appid", APPID))
        .merge(("pay_mch_id", MCH_ID))
        .merge(("pay_api_version", "v3"))
        .merge(("pay_apiv3_key", APIV3_KEY))
        .merge(("pay_private_key_file", private))
        .merge(("pay_serial_no", SERIAL_NO))
        .merge(("pay_public_key_file", public))
        .merge(("pay_public_key_id", PUB_KEY_ID))
        .merge(("pay_api", url))
        .merge(("public_url", "https://consult.example"))
}

pub fn buyer_with_order(app: &TestApp) -> (Who, i64) {
    let buyer = register(app, "user", "zhangsan");
    let post_id = publish(app, &buyer, "demand");
    let id = order(app, &buyer, post_id, "");
    (buyer, id)
}

pub fn pay_v3(app: &TestApp, id: i64) -> (Status, Value) {
    let paid = transaction(APPID, &order_no(app, id), 8800, "SUCCESS");
    post_notify(app, NOTIFY, &notify("TRANSACTION.SUCCESS", &paid, 0))
}

#[test]
fn init_places_a_signed_native_order_and_trusts_only_a_verified_answer() {
    let fake = fake_v3(standard_answer);
    let keys = key_files();
    let app = v3_app(&fake, &keys);
    let (buyer, id) = buyer_with_order(&app);
    let content = done(post(
        &app,
        "/api/pay/init",
        &format!("out_trade_no={id}&total_fee=1"),
        &buyer.token,
    ));
    assert_eq!(content[0]["code_url"], "weixin://wxpay/bizpayurl?pr=V3v3v3");
    assert_eq!(content[0]["total_fee"], 8800);

    let sent = fake.calls("/v3/pay/transactions/native");
    assert_eq!(sent.len(), 1);
    assert!(
        authorized(&sent[0]),
        "signed WECHATPAY2-SHA256-RSA2048 with the merchant key"
    );
    let body: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(
        body["amount"],
        json!({"total": 8800, "currency": "CNY"}),
        "the post's price"
    );
    assert_eq!(body["appid"], APPID);
    assert_eq!(body["mchid"], MCH_ID);
    assert_eq!(body["out_trade_no"], order_no(&app, id));
    assert_eq!(body["notify_url"], "https://consult.example/api/pay/notify");
    assert!(body.get("payer").is_none());
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM cs_order WHERE id = {id} AND code_url LIKE 'weixin://%'"
        )),
        1
    );
}

#[test]
fn an_answer_signed_by_anyone_but_wechat_pay_is_refused() {
    // The same code_url, signed with the merchant's own key instead of WeChat Pay's.
    let fake = FakeServer::start_with_headers(|_| {
        let body = json!({"code_url": "weixin://wxpay/bizpayurl?pr=forged"}).to_string();
        let ts = chrono::Utc::now().timestamp().to_string();
        let signature = merchant_key()
            .sign(format!("{ts}\nn\n{body}\n").as_bytes())
            .unwrap();
        let headers = vec![
            ("Wechatpay-Timestamp".into(), ts),
            ("Wechatpay-Nonce".into(), "n".into()),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Serial".into(), PUB_KEY_ID.into()),
        ];
        (200, headers, body)
    });
    let keys = key_files();
    let app = v3_app(&fake, &keys);
    let (buyer, id) = buyer_with_order(&app);
    let answer = post(
        &app,
        "/api/pay/init",
        &format!("out_trade_no={id}"),
        &buyer.token,
    );
    assert_eq!(answer["code"], 500, "{answer}");
    assert!(
        answer["msg"].as_str().unwrap().contains("校验失败"),
        "{answer}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cs_order WHERE code_url != ''"),
        0
    );
}

#[test]
fn a_v3_notify_settles_the_order_once_and_answers_204() {
    let fake = fake_v3(standard_answer);
    let keys = key_files();
    let app = v3_app(&fake, &keys);
    let (_, id) = buyer_with_order(&app);
    let (code, body) = pay_v3(&app, id);
    assert_eq!(code, Status::NoContent, "{body}");
    assert_eq!(status(&app, id), 2);
    let (code, _) = pay_v3(&app, id);
    assert_eq!(code, Status::NoContent, "a repeat is accepted");
    assert_eq!(status(&app, id), 2);
    assert_eq!(verdicts(&app, "consult"), ["已支付", "重复通知, 订单不变"]);
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM cs_order WHERE id = {id} AND transaction_id = '4200000000000000000000000001'")),
        1
    );
}

#[test]
fn v3_notifies_that_fail_a_check_change_nothing_and_answer_4xx() {
    let fake = fake_v3(standard_answer);
    let keys = key_files();
    let app = v3_app(&fake, &keys);
    let (_, id) = buyer_with_order(&app);
    let no = order_no(&app, id);
    let good = transaction(APPID, &no, 8800, "SUCCESS");

    // Six minutes old.
    let (code, body) = post_notify(&app, NOTIFY, &notify("TRANSACTION.SUCCESS", &good, -360));
    assert_eq!(code, Status::Unauthorized);
    assert_eq!(body["code"], "FAIL");
    assert!(body["message"].as_str().unwrap().contains("5 分钟"));

    // A signature over another body.
    let (headers, _) = notify("TRANSACTION.SUCCESS", &good, 0);
    let (_, other) = notify(
        "TRANSACTION.SUCCESS",
        &transaction(APPID, &no, 1, "SUCCESS"),
        0,
    );
    assert_eq!(
        post_notify(&app, NOTIFY, &(headers, other)).0,
        Status::Unauthorized
    );

    // Signed and sealed, but not for this order: amount, merchant, appid.
    let wrong_amount = transaction(APPID, &no, 1, "SUCCESS");
    assert_eq!(
        post_notify(
            &app,
            NOTIFY,
            &notify("TRANSACTION.SUCCESS", &wrong_amount, 0)
        )
        .0,
        Status::BadRequest
    );
    let mut other_mch = good.clone();
    other_mch["mchid"] = json!("1900000999");
    assert_eq!(
        post_notify(&app, NOTIFY, &notify("TRANSACTION.SUCCESS", &other_mch, 0)).0,
        Status::BadRequest
    );
    let unknown = transaction(APPID, "CS-nope", 8800, "SUCCESS");
    assert_eq!(
        post_notify(&app, NOTIFY, &notify("TRANSACTION.SUCCESS", &unknown, 0)).0,
        Status::NotFound
    );

    // Missing headers: a JSON body without Wechatpay-* is refused.
    let (_, bare) = notify("TRANSACTION.SUCCESS", &good, 0);
    assert_eq!(
        post_notify(&app, NOTIFY, &(Vec::new(), bare)).0,
        Status::Unauthorized
    );

    assert_eq!(status(&app, id), 1, "nothing changed");
    assert_eq!(
        verdicts(&app, "consult"),
        [
            "通知时间与本机相差超过 5 分钟",
            "签名无效",
            "金额与订单不符",
            "appid 或 mch_id 与订单不符",
            "订单不存在",
            "签名无效"
        ]
    );
    // Refused bodies are kept cut to 512 bytes, as v2's are.
    assert_eq!(
        app.count("SELECT MAX(length(CAST(body AS BLOB))) FROM pay_notify"),
        512
    );
}

#[test]
fn a_limited_v3_notify_hears_429_so_wechat_pay_sends_it_again() {
    let fake = fake_v3(standard_answer);
    let keys = key_files();
    let (url, private, public) = (
        fake.url.clone(),
        keys.private_key.clone(),
        keys.public_key.clone(),
    );
    let app = TestApp::with(move |f| {
        v3_config(f, &url, &private, &public).merge(("notify_limit_per_address", 1))
    });
    let (_, id) = buyer_with_order(&app);
    let paid = transaction(APPID, &order_no(&app, id), 8800, "SUCCESS");
    let signed = notify("TRANSACTION.SUCCESS", &paid, 0);
    let from = |signed: &(Vec<(String, String)>, String)| {
        let mut request = app
            .client
            .post(NOTIFY)
            .remote("203.0.113.9:1000".parse().unwrap())
            .header(rocket::http::ContentType::JSON)
            .body(signed.1.clone());
        for (k, v) in &signed.0 {
            request = request.header(rocket::http::Header::new(k.clone(), v.clone()));
        }
        let response = request.dispatch();
        (
            response.status(),
            response.into_string().unwrap_or_default(),
        )
    };
    let (wrong, _) = from(&notify(
        "TRANSACTION.SUCCESS",
        &transaction(APPID, "nope", 1, "SUCCESS"),
        0,
    ));
    assert_eq!(wrong, Status::NotFound);
    let (limited, body) = from(&signed);
    assert_eq!(limited, Status::TooManyRequests, "{body}");
    assert!(body.contains("FREQUENCY_LIMITED"), "{body}");
    assert_eq!(status(&app, id), 1);
}
