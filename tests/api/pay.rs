//! WeChat Pay v2: the documented signature, XML that cannot smuggle entities, and a
//! unified order whose request and answer are both signed.

use std::collections::BTreeMap;

use leida::config::Settings;
use leida::wechat::pay::{self, Merchant, TradeType, UnifiedOrder};
use leida::wechat::WeChat;

use crate::common::FakeServer;

const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn signs_as_wechat_documents() {
    let example = fields(&[
        ("appid", "wxd930ea5d5a258f4f"),
        ("mch_id", "10000100"),
        ("device_info", "1000"),
        ("body", "test"),
        ("nonce_str", "ibuaiVcKdpRxkhJA"),
    ]);
    assert_eq!(pay::sign(&example, KEY), "9A0A8659F005D6984697E2CA0A9CF3B7");

    let mut signed = example.clone();
    signed.insert("sign".into(), pay::sign(&example, KEY));
    assert!(pay::verify(&signed, KEY));
    assert!(!pay::verify(&example, KEY), "no sign, no trust");
    signed.insert("body".into(), "tampered".into());
    assert!(!pay::verify(&signed, KEY));
}

#[test]
fn reads_flat_xml_and_refuses_doctype() {
    let xml = "<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>1</total_fee>\
               <attach>a &amp; b</attach></xml>";
    let parsed = pay::from_xml(xml).unwrap();
    assert_eq!(parsed["return_code"], "SUCCESS");
    assert_eq!(parsed["total_fee"], "1");
    assert_eq!(parsed["attach"], "a & b");
    assert_eq!(pay::from_xml(&pay::to_xml(&parsed)).unwrap(), parsed);

    let xxe = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>"#;
    assert!(pay::from_xml(xxe).is_err());
    assert!(pay::from_xml("<xml><a><b>1</b></a></xml>").is_err());
    assert!(pay::from_xml("<xml><a>1</a>").is_err());
}

fn merchant() -> Merchant {
    Merchant {
        appid: "wx-shop".into(),
        mch_id: "1900000109".into(),
        key: KEY.into(),
    }
}

fn wechat(pay_url: &str) -> WeChat {
    WeChat::new(&Settings {
        pay_api: pay_url.to_string(),
        ..Settings::default()
    })
}

fn order(trade_type: TradeType) -> UnifiedOrder<'static> {
    UnifiedOrder {
        body: "咨询服务",
        out_trade_no: "20261128000001",
        total_fee: 1990,
        client_ip: "127.0.0.1",
        notify_url: "http://127.0.0.1:8000/notify",
        trade_type,
        openid: Some("o-buyer"),
    }
}

fn signed_answer(pairs: &[(&str, &str)]) -> String {
    let mut answer = fields(pairs);
    answer.insert("sign".into(), pay::sign(&answer, KEY));
    pay::to_xml(&answer)
}

#[test]
fn unified_order_sends_a_signed_request_and_checks_the_answer() {
    let fake = FakeServer::start(|_| {
        (
            200,
            signed_answer(&[
                ("return_code", "SUCCESS"),
                ("result_code", "SUCCESS"),
                ("prepay_id", "wx201410272009395522657a690389285100"),
                ("code_url", "weixin://wxpay/bizpayurl?pr=abc"),
            ]),
        )
    });
    let prepay = wechat(&fake.url)
        .unified_order(&merchant(), &order(TradeType::Jsapi))
        .unwrap();
    assert_eq!(prepay.prepay_id, "wx201410272009395522657a690389285100");

    let sent = fake.calls("/pay/unifiedorder");
    assert_eq!(sent.len(), 1);
    let request = pay::from_xml(&sent[0].body).unwrap();
    assert!(
        pay::verify(&request, KEY),
        "the request is signed with the merchant key"
    );
    assert_eq!(request["total_fee"], "1990");
    assert_eq!(request["trade_type"], "JSAPI");
    assert_eq!(request["openid"], "o-buyer");
    assert_eq!(request["mch_id"], "1900000109");
    assert_eq!(request["nonce_str"].len(), 32);
}

#[test]
fn an_unsigned_or_failed_answer_is_refused() {
    let forged = FakeServer::start(|_| {
        (
            200,
            "<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code>\
               <prepay_id>x</prepay_id><sign>00</sign></xml>"
                .to_string(),
        )
    });
    let err = wechat(&forged.url)
        .unified_order(&merchant(), &order(TradeType::Native))
        .unwrap_err();
    assert!(err.msg.contains("签名"), "{}", err.msg);

    let refused = FakeServer::start(|_| {
        (
            200,
            signed_answer(&[
                ("return_code", "SUCCESS"),
                ("result_code", "FAIL"),
                ("err_code", "ORDERPAID"),
                ("err_code_des", "该订单已支付"),
            ]),
        )
    });
    let err = wechat(&refused.url)
        .unified_order(&merchant(), &order(TradeType::Native))
        .unwrap_err();
    assert!(err.msg.contains("ORDERPAID"), "{}", err.msg);
}

#[test]
fn jsapi_fields_are_signed_for_wx_request_payment() {
    let fields = pay::jsapi_fields(&merchant(), "wx2014");
    assert_eq!(fields["package"], "prepay_id=wx2014");
    let mut check = fields.clone();
    let given = check.remove("paySign").unwrap();
    assert_eq!(given, pay::sign(&check, KEY));
}
