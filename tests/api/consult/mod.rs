//! The consulting marketplace (seed 002): accounts, demands, orders, payment.
//! Helpers speak the `{"code", "msg", "content"}` envelope and sign in through the real routes.

mod account;
mod demo;
mod order;
mod pay;
mod post;

use std::collections::BTreeMap;

use leida::wechat::pay as wxpay;
use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::blocking::LocalResponse;
use serde_json::Value;

use crate::common::TestApp;

pub const APPID: &str = "wx-consult";
pub const MCH_ID: &str = "1900000109";
pub const KEY: &str = "192006250b4c09247ec02edce69f6a2d";

/// A server with the consulting merchant configured (pay notifies are accepted).
pub fn app_with_pay() -> TestApp {
    TestApp::with(|f| {
        f.merge(("wechat_appid", APPID))
            .merge(("pay_mch_id", MCH_ID))
            .merge(("pay_key", KEY))
    })
}

/// Every consulting answer is HTTP 200 with `code`, `msg` and a `content` array.
pub fn content_envelope(response: LocalResponse<'_>) -> Value {
    assert_eq!(response.status(), Status::Ok, "every answer is HTTP 200");
    let json: Value = response.into_json().expect("JSON envelope");
    assert!(
        json["code"].is_number() && json["msg"].is_string() && json["content"].is_array(),
        "{json}"
    );
    json
}

/// A request; `token` goes in `Authorization: Bearer`, `body` is form-urlencoded.
pub fn call(app: &TestApp, method: Method, uri: &str, body: &str, token: Option<&str>) -> Value {
    let mut request = app
        .client
        .req(method, uri.to_string())
        .header(ContentType::Form)
        .body(body);
    if let Some(token) = token {
        request = request.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    content_envelope(request.dispatch())
}

pub fn post(app: &TestApp, uri: &str, body: &str, token: &str) -> Value {
    call(app, Method::Post, uri, body, Some(token))
}

pub fn get(app: &TestApp, uri: &str, token: &str) -> Value {
    call(app, Method::Get, uri, "", Some(token))
}

/// Asserts success and returns `content`.
pub fn done(json: Value) -> Vec<Value> {
    assert_eq!(json["code"], 0, "{json}");
    assert_eq!(json["msg"], "");
    json["content"].as_array().cloned().unwrap_or_default()
}

/// Asserts a refusal with `code` whose message mentions `words`.
pub fn refused(json: &Value, code: i64, words: &str) {
    assert_eq!(json["code"], code, "{json}");
    assert!(
        json["msg"].as_str().unwrap_or("").contains(words),
        "expected {words:?} in {json}"
    );
    assert_eq!(json["content"], serde_json::json!([]), "{json}");
}

/// Someone signed in: their id and session token.
pub struct Who {
    pub id: i64,
    pub token: String,
}

/// Registers `username` on `kind` ("user" or "consultant") and signs in.
pub fn register(app: &TestApp, kind: &str, username: &str) -> Who {
    let body = format!(
        "username={username}&password=long-enough-pw&password_again=long-enough-pw&realname=%E5%BC%A0%E4%B8%89&gender=1"
    );
    let json = call(
        app,
        Method::Post,
        &format!("/api/{kind}/register"),
        &body,
        None,
    );
    let content = done(json.clone());
    Who {
        id: content[0].as_i64().expect("id"),
        token: json["token"].as_str().expect("token").to_string(),
    }
}

/// A published demand of `buyer` (tags 1 and 3, price 88.00); returns its id.
pub fn publish(app: &TestApp, buyer: &Who, title: &str) -> i64 {
    let body = format!("tag_id=%5B1%2C3%5D&title={title}&content=details&price=88");
    done(post(app, "/api/user/post/publish", &body, &buyer.token))[0]
        .as_i64()
        .expect("post id")
}

/// An order of `buyer` for `post_id`; returns its id.
pub fn order(app: &TestApp, buyer: &Who, post_id: i64, extra: &str) -> i64 {
    let body = format!("post_id={post_id}{extra}");
    done(post(app, "/api/user/order/add", &body, &buyer.token))[0]
        .as_i64()
        .expect("order id")
}

pub fn order_no(app: &TestApp, order_id: i64) -> String {
    app.db()
        .query_row(
            "SELECT order_no FROM cs_order WHERE id = ?1",
            [order_id],
            |r| r.get(0),
        )
        .expect("order_no")
}

pub fn status(app: &TestApp, order_id: i64) -> i64 {
    app.db()
        .query_row(
            "SELECT status FROM cs_order WHERE id = ?1",
            [order_id],
            |r| r.get(0),
        )
        .expect("status")
}

/// WeChat's payment notice for `order_no`, signed with `key`; `tweak` edits fields first.
pub fn notice(
    order_no: &str,
    fen: i64,
    key: &str,
    tweak: impl FnOnce(&mut BTreeMap<String, String>),
) -> String {
    let mut fields: BTreeMap<String, String> = [
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("openid", "o-payer"),
        ("trade_type", "NATIVE"),
        ("bank_type", "CMC"),
        ("cash_fee", "1"),
        ("transaction_id", "4200000001201811280000000001"),
        ("time_end", "20261128101010"),
        ("out_trade_no", order_no),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    fields.insert("total_fee".into(), fen.to_string());
    tweak(&mut fields);
    let sign = wxpay::sign(&fields, key);
    fields.insert("sign".into(), sign);
    wxpay::to_xml(&fields)
}

/// Posts a notice to the notify endpoint; returns WeChat's fields of the XML answer.
pub fn send_notice(app: &TestApp, xml: &str) -> BTreeMap<String, String> {
    let response = app
        .client
        .post("/api/pay/notify")
        .header(ContentType::XML)
        .body(xml)
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.content_type(), Some(ContentType::XML));
    wxpay::from_xml(&response.into_string().expect("body")).expect("XML answer")
}

/// Pays `order_id` (88.00 yuan) through a valid notice.
pub fn pay_order(app: &TestApp, order_id: i64) {
    let answer = send_notice(app, &notice(&order_no(app, order_id), 8800, KEY, |_| {}));
    assert_eq!(answer["return_code"], "SUCCESS", "{answer:?}");
}
