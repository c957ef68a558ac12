//! WeChat Pay notifies, v3 against v2, measured in one run on one server: each v3 notify is
//! verified (RSA-SHA256 with WeChat Pay's public key), decrypted (AEAD_AES_256_GCM), checked
//! against its order and applied; each v2 notify is parsed, MD5-verified, checked and applied.
//! Both go through Rocket's local client into the consulting app's `/api/pay/notify`, each to
//! its own unpaid order, interleaved. The notifies are built and signed before the clock runs.
//!
//! `bench/notify.sh [orders per version, default 2000]` runs it in release mode.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use leida::wechat::pay;
use leida::wechat::pay_v3::sign::nonce_str;
use leida::wechat::pay_v3::verify::answer_message;
use leida::wechat::pay_v3::{ApiV3Key, MerchantKey, Resource};
use rocket::http::{ContentType, Header, Status};
use rocket::local::blocking::Client;
use rusqlite::params;
use serde_json::json;

const MERCHANT_KEY: &str = include_str!("../tests/api/fixtures/pay_v3/merchant_key.pem");
const WECHATPAY_KEY: &str = include_str!("../tests/api/fixtures/pay_v3/wechatpay_key.pem");
const WECHATPAY_PUB: &str = include_str!("../tests/api/fixtures/pay_v3/wechatpay_pub.pem");
const PUB_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";
const APPID: &str = "wx-bench";
const MCH_ID: &str = "1900000109";
const V2_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
const APIV3_KEY: &str = "LeidaTestApiV3Key000000000000000";
const PRICE: i64 = 8800;

struct V3 {
    headers: Vec<(String, String)>,
    body: String,
}

fn main() -> Result<(), String> {
    let n: usize = std::env::args().nth(1).map_or(Ok(2000), |a| {
        a.parse().map_err(|_| format!("not a count: {a}"))
    })?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let private = dir.path().join("apiclient_key.pem");
    let public = dir.path().join("pub_key.pem");
    std::fs::write(&private, MERCHANT_KEY).map_err(|e| e.to_string())?;
    std::fs::write(&public, WECHATPAY_PUB).map_err(|e| e.to_string())?;
    let db_path = dir.path().join("bench.db");
    let figment = rocket::Config::figment()
        .merge(("db_path", &db_path))
        .merge(("data_dir", dir.path().join("files")))
        .merge(("log_level", "off"))
        .merge(("access_log", false))
        .merge(("notify_limit_per_address", 0))
        .merge(("wechat_appid", APPID))
        .merge(("pay_mch_id", MCH_ID))
        .merge(("pay_key", V2_KEY))
        .merge(("pay_api_version", "v3"))
        .merge(("pay_apiv3_key", APIV3_KEY))
        .merge(("pay_private_key_file", &private))
        .merge(("pay_serial_no", "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"))
        .merge(("pay_public_key_file", &public))
        .merge(("pay_public_key_id", PUB_KEY_ID));
    let client = Client::untracked(leida::build(figment)?).map_err(|e| e.to_string())?;

    let orders = fill(&db_path, 2 * n).map_err(|e| e.to_string())?;
    let wechatpay = MerchantKey::from_pem(WECHATPAY_KEY).map_err(|e| e.to_string())?;
    let api_key = ApiV3Key::new(APIV3_KEY).map_err(|e| e.to_string())?;
    let v2: Vec<String> = orders[..n].iter().map(|no| v2_notify(no)).collect();
    let v3: Vec<V3> = orders[n..]
        .iter()
        .map(|no| v3_notify(no, &wechatpay, &api_key))
        .collect::<Result<_, _>>()?;

    let (mut t2, mut t3) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for (xml, signed) in v2.iter().zip(&v3) {
        let started = Instant::now();
        let answer = client
            .post("/api/pay/notify")
            .header(ContentType::XML)
            .body(xml)
            .dispatch();
        let text = answer.into_string().unwrap_or_default();
        t2.push(started.elapsed());
        if !text.contains("SUCCESS") {
            return Err(format!("v2 notify refused: {text}"));
        }

        let started = Instant::now();
        let mut request = client
            .post("/api/pay/notify")
            .header(ContentType::JSON)
            .body(&signed.body);
        for (k, v) in &signed.headers {
            request = request.header(Header::new(k.clone(), v.clone()));
        }
        let status = request.dispatch().status();
        t3.push(started.elapsed());
        if status != Status::NoContent {
            return Err(format!("v3 notify refused: {status}"));
        }
    }
    let paid: i64 = rusqlite::Connection::open(&db_path)
        .and_then(|c| {
            c.query_row("SELECT COUNT(*) FROM cs_order WHERE status = 2", [], |r| {
                r.get(0)
            })
        })
        .map_err(|e| e.to_string())?;
    if paid != 2 * n as i64 {
        return Err(format!("{paid} orders paid, expected {}", 2 * n));
    }
    let (m2, m3) = (median(&mut t2), median(&mut t3));
    println!("{n} notifies of each version, interleaved, every one applied ({paid} orders paid)");
    println!(
        "v2 notify (XML, MD5):             median {:>8.1} µs  mean {:>8.1} µs",
        us(m2),
        us(mean(&t2))
    );
    println!(
        "v3 notify (RSA-SHA256 + AES-GCM): median {:>8.1} µs  mean {:>8.1} µs",
        us(m3),
        us(mean(&t3))
    );
    println!("ratio v3 / v2 (median): {:.2}", us(m3) / us(m2));
    Ok(())
}

/// `count` unpaid orders of one buyer, one post each; their order numbers.
fn fill(path: &std::path::Path, count: usize) -> rusqlite::Result<Vec<String>> {
    let mut c = rusqlite::Connection::open(path)?;
    let tx = c.transaction()?;
    let now = "2026-12-05T12:00:00.000";
    tx.execute(
        "INSERT INTO cs_account (kind, username, password_hash, create_date) VALUES ('user', 'bench', '', ?1)",
        [now],
    )?;
    let buyer = tx.last_insert_rowid();
    let mut numbers = Vec::with_capacity(count);
    for i in 0..count {
        tx.execute(
            "INSERT INTO cs_post (user_id, title, content, price_fen, create_date, update_date)
             VALUES (?1, 'bench', 'bench', ?2, ?3, ?3)",
            params![buyer, PRICE, now],
        )?;
        let post = tx.last_insert_rowid();
        let no = format!("CSBENCH{i:08}");
        tx.execute(
            "INSERT INTO cs_order (order_no, post_id, user_id, price_fen, status, create_date, update_date)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5)",
            params![no, post, buyer, PRICE, now],
        )?;
        numbers.push(no);
    }
    tx.commit()?;
    Ok(numbers)
}

fn v2_notify(order_no: &str) -> String {
    let mut fields: BTreeMap<String, String> = [
        ("appid", APPID),
        ("mch_id", MCH_ID),
        ("nonce_str", "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"),
        ("result_code", "SUCCESS"),
        ("return_code", "SUCCESS"),
        ("openid", "o-payer"),
        ("trade_type", "NATIVE"),
        ("total_fee", "8800"),
        ("transaction_id", "4200000001201811280000000001"),
        ("out_trade_no", order_no),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let sign = pay::sign(&fields, V2_KEY);
    fields.insert("sign".into(), sign);
    pay::to_xml(&fields)
}

fn v3_notify(order_no: &str, wechatpay: &MerchantKey, key: &ApiV3Key) -> Result<V3, String> {
    let payload = json!({
        "appid": APPID, "mchid": MCH_ID, "out_trade_no": order_no,
        "transaction_id": "4200000000000000000000000001", "trade_state": "SUCCESS",
        "amount": {"total": PRICE, "payer_total": PRICE, "currency": "CNY"},
    });
    let resource = Resource::seal(
        key,
        "transaction",
        "fdasflkja484",
        "transaction",
        payload.to_string().as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let body = json!({
        "id": "EV-bench", "create_time": "2026-12-05T13:29:35+08:00", "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS", "summary": "支付成功", "resource": resource,
    })
    .to_string();
    let timestamp = chrono::Utc::now().timestamp().to_string();
    let nonce = nonce_str();
    let signature = wechatpay
        .sign(answer_message(&timestamp, &nonce, &body).as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(V3 {
        headers: vec![
            ("Wechatpay-Timestamp".into(), timestamp),
            ("Wechatpay-Nonce".into(), nonce),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Serial".into(), PUB_KEY_ID.into()),
        ],
        body,
    })
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn mean(times: &[Duration]) -> Duration {
    times.iter().sum::<Duration>() / times.len().max(1) as u32
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
