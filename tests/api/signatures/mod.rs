//! Each signature scheme against its provider's documented worked example, plus round trips
//! and refusals with the test-only keys of `tests/api/fixtures/pay_v3/` (see its README).

mod aliyun;
mod pay_v3;
mod pay_v3_crypto;
mod tencent;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{channel, Receiver};
use std::thread;

use leida::wechat::pay_v3::{MerchantKey, PublicKey};

pub const MERCHANT_KEY: &str = include_str!("../fixtures/pay_v3/merchant_key.pem");
pub const MERCHANT_KEY_PKCS1: &str = include_str!("../fixtures/pay_v3/merchant_key_pkcs1.pem");
pub const WECHATPAY_KEY: &str = include_str!("../fixtures/pay_v3/wechatpay_key.pem");
pub const WECHATPAY_PUB: &str = include_str!("../fixtures/pay_v3/wechatpay_pub.pem");
pub const PLATFORM_KEY: &str = include_str!("../fixtures/pay_v3/platform_key.pem");
pub const PLATFORM_CERT: &str = include_str!("../fixtures/pay_v3/platform_cert.pem");
pub const PLATFORM_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The id the merchant platform gives a WeChat Pay public key (this one is made up).
pub const PUB_KEY_ID: &str = "PUB_KEY_ID_0114232134912410000000000000";

pub fn merchant_key() -> MerchantKey {
    MerchantKey::from_pem(MERCHANT_KEY).unwrap()
}

/// What the fakes sign as: WeChat Pay's private key.
pub fn wechatpay_key() -> MerchantKey {
    MerchantKey::from_pem(WECHATPAY_KEY).unwrap()
}

pub fn wechatpay_pub() -> PublicKey {
    PublicKey::from_pem(WECHATPAY_PUB).unwrap()
}

/// A one-shot HTTP server on 127.0.0.1 that answers `status`/`body` and hands the raw request
/// (request line, headers, body) to the test, so headers can be checked as they were sent.
pub fn capture_one(status: u16, body: &'static str) -> (String, Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = channel();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut raw = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
            raw.push_str(&line);
            if line.trim().is_empty() {
                break;
            }
        }
        let mut content = vec![0; length];
        reader.read_exact(&mut content).unwrap();
        raw.push_str(&String::from_utf8(content).unwrap());
        let answer = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let mut stream = stream;
        stream.write_all(answer.as_bytes()).unwrap();
        tx.send(raw).unwrap();
    });
    (url, rx)
}

/// The value of header `name` in a raw request, and how many times it occurs.
pub fn raw_header<'a>(raw: &'a str, name: &str) -> (Option<&'a str>, usize) {
    let values: Vec<&str> = raw
        .lines()
        .filter_map(|line| line.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect();
    (values.first().copied(), values.len())
}

/// A ureq agent like the app's: statuses are answers, not errors.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// `%XY` sequences back to bytes (what a server does to a query value).
pub fn percent_decode(text: &str) -> String {
    let mut out = Vec::new();
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex: String = bytes.by_ref().take(2).map(char::from).collect();
            out.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).unwrap()
}
