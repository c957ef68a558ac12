//! WeChat Pay v3 end to end, against a fake WeChat Pay on 127.0.0.1 that checks each
//! request's WECHATPAY2-SHA256-RSA2048 signature with the merchant's public key as WeChat Pay
//! would, and signs its answers and notifies (AEAD_AES_256_GCM resources) with keys the tests
//! made (`tests/api/fixtures/pay_v3/`). Refunds of both versions are here too.

mod consult;
mod refunds;
mod zhuge;

use std::path::PathBuf;

use leida::wechat::pay_v3::sign::nonce_str;
use leida::wechat::pay_v3::verify::answer_message;
use leida::wechat::pay_v3::{ApiV3Key, PublicKey, Resource};
use rocket::http::{ContentType, Header, Status};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::common::fake::{Answer, Recorded};
use crate::common::{FakeServer, TestApp};
use crate::signatures::{merchant_key, wechatpay_key, MERCHANT_KEY, PUB_KEY_ID, WECHATPAY_PUB};

pub const MCH_ID: &str = "1900000109";
pub const SERIAL_NO: &str = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C";
pub const APIV3_KEY: &str = "LeidaTestApiV3Key000000000000000";

/// The key files a v3 merchant is configured with, in a folder that lives as long as it.
pub struct KeyFiles {
    _dir: TempDir,
    pub private_key: PathBuf,
    pub public_key: PathBuf,
}

pub fn key_files() -> KeyFiles {
    let dir = tempfile::tempdir().unwrap();
    let private_key = dir.path().join("apiclient_key.pem");
    let public_key = dir.path().join("pub_key.pem");
    std::fs::write(&private_key, MERCHANT_KEY).unwrap();
    std::fs::write(&public_key, WECHATPAY_PUB).unwrap();
    KeyFiles {
        _dir: dir,
        private_key,
        public_key,
    }
}

/// The fields of a `WECHATPAY2-SHA256-RSA2048 k="v",…` header.
fn auth_field<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    let rest = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ")?;
    rest.split(',').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.trim() == name).then(|| v.trim().trim_matches('"'))
    })
}

/// What WeChat Pay checks of a request: our merchant id and certificate serial, a fresh
/// timestamp, and the signature over `METHOD\nURL\ntimestamp\nnonce\nbody\n`.
pub fn authorized(r: &Recorded) -> bool {
    let Some(header) = r.header("Authorization") else {
        return false;
    };
    let field = |k| auth_field(header, k).unwrap_or("");
    let timestamp: i64 = field("timestamp").parse().unwrap_or(0);
    let url = if r.query.is_empty() {
        r.path.clone()
    } else {
        format!("{}?{}", r.path, r.query)
    };
    let message = format!(
        "{}\n{url}\n{timestamp}\n{}\n{}\n",
        r.method,
        field("nonce_str"),
        r.body
    );
    field("mchid") == MCH_ID
        && field("serial_no") == SERIAL_NO
        && (chrono::Utc::now().timestamp() - timestamp).abs() < 300
        && merchant_key()
            .public_key()
            .verify(message.as_bytes(), field("signature"))
}

/// An answer signed as WeChat Pay signs: `Wechatpay-*` headers over `ts\nnonce\nbody\n`.
pub fn signed_answer(status: u16, body: &Value) -> Answer {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (headers, body) = sign_as_wechat(body, 0);
    (status, headers, body)
}

/// The four headers over `body`, the timestamp `skew` seconds off now.
pub fn sign_as_wechat(body: String, skew: i64) -> (Vec<(String, String)>, String) {
    let timestamp = (chrono::Utc::now().timestamp() + skew).to_string();
    let nonce = nonce_str();
    let signature = wechatpay_key()
        .sign(answer_message(&timestamp, &nonce, &body).as_bytes())
        .unwrap();
    let headers = vec![
        ("Wechatpay-Timestamp".to_string(), timestamp),
        ("Wechatpay-Nonce".to_string(), nonce),
        ("Wechatpay-Signature".to_string(), signature),
        ("Wechatpay-Serial".to_string(), PUB_KEY_ID.to_string()),
    ];
    (headers, body)
}

/// A fake WeChat Pay v3 (and the mini-program login): unsigned or mis-signed requests get
/// WeChat's 401 SIGN_ERROR; the rest get `answer`'s, signed.
pub fn fake_v3(answer: impl Fn(&Recorded) -> (u16, Value) + Send + Sync + 'static) -> FakeServer {
    FakeServer::start_with_headers(move |r| {
        if r.path == "/sns/jscode2session" {
            let openid = format!("o-{}", r.param("js_code").unwrap_or_default());
            return (
                200,
                Vec::new(),
                json!({"openid": openid, "session_key": "k"}).to_string(),
            );
        }
        if !authorized(r) {
            return signed_answer(401, &json!({"code": "SIGN_ERROR", "message": "签名错误"}));
        }
        let (status, body) = answer(r);
        signed_answer(status, &body)
    })
}

/// The usual answers: a prepay id, a `code_url`, a refund in progress.
pub fn standard_answer(r: &Recorded) -> (u16, Value) {
    let sent: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    match r.path.as_str() {
        "/v3/pay/transactions/jsapi" => (
            200,
            json!({"prepay_id": format!("wx-v3-{}", sent["out_trade_no"].as_str().unwrap_or(""))}),
        ),
        "/v3/pay/transactions/native" => (
            200,
            json!({"code_url": "weixin://wxpay/bizpayurl?pr=V3v3v3"}),
        ),
        "/v3/refund/domestic/refunds" => (
            200,
            json!({
                "refund_id": format!("5030{}", sent["out_refund_no"].as_str().unwrap_or("")),
                "out_refund_no": sent["out_refund_no"],
                "status": "PROCESSING",
                "amount": sent["amount"],
            }),
        ),
        _ => (404, json!({"code": "NOT_FOUND", "message": "无此接口"})),
    }
}

/// A notify as WeChat Pay sends it: `payload` sealed with the APIv3 key, the envelope signed.
pub fn notify(event: &str, payload: &Value, skew: i64) -> (Vec<(String, String)>, String) {
    let key = ApiV3Key::new(APIV3_KEY).unwrap();
    let resource = Resource::seal(
        &key,
        "transaction",
        "fdasflkja484",
        "transaction",
        payload.to_string().as_bytes(),
    )
    .unwrap();
    let body = json!({
        "id": "EV-2018022511223320873",
        "create_time": "2026-12-05T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": event,
        "summary": "通知",
        "resource": resource,
    })
    .to_string();
    sign_as_wechat(body, skew)
}

/// Posts a v3 notify; the HTTP status and the JSON answer (null for 204).
pub fn post_notify(
    app: &TestApp,
    path: &str,
    signed: &(Vec<(String, String)>, String),
) -> (Status, Value) {
    let mut request = app
        .client
        .post(path.to_string())
        .header(ContentType::JSON)
        .body(signed.1.clone());
    for (k, v) in &signed.0 {
        request = request.header(Header::new(k.clone(), v.clone()));
    }
    let response = request.dispatch();
    let status = response.status();
    let body = response.into_string().unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// A transaction as a notify's decrypted resource.
pub fn transaction(appid: &str, out_trade_no: &str, total: i64, state: &str) -> Value {
    json!({
        "appid": appid, "mchid": MCH_ID, "out_trade_no": out_trade_no,
        "transaction_id": "4200000000000000000000000001", "trade_type": "NATIVE",
        "trade_state": state, "trade_state_desc": "支付成功", "bank_type": "OTHERS",
        "success_time": "2026-12-05T13:29:35+08:00", "payer": {"openid": "o-payer"},
        "amount": {"total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY"},
    })
}

/// A refund as a notify's decrypted resource.
pub fn refund_resource(
    out_trade_no: &str,
    out_refund_no: &str,
    refund: i64,
    total: i64,
    status: &str,
) -> Value {
    json!({
        "mchid": MCH_ID, "out_trade_no": out_trade_no, "transaction_id": "4200000000000000000000000001",
        "out_refund_no": out_refund_no, "refund_id": format!("5030{out_refund_no}"),
        "refund_status": status, "success_time": "2026-12-05T13:30:35+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": total, "refund": refund, "payer_total": total, "payer_refund": refund},
    })
}

/// The merchant's public key, to check RSA `paySign`s.
pub fn merchant_public() -> PublicKey {
    merchant_key().public_key()
}

/// The verdict texts stored for notifies of `app`, oldest first.
pub fn verdicts(app: &TestApp, which: &str) -> Vec<String> {
    let db = app.db();
    let mut stmt = db
        .prepare("SELECT verdict FROM pay_notify WHERE app = ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([which], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}
