//! Aliyun Dysms `SendSms` (RPC style, version 2017-05-25) with the documented RPC signature:
//! HMAC-SHA1, keyed by `AccessKeySecret + "&"`, over `GET&%2F&` + the percent-encoded,
//! sorted canonical query; percent-encoding per RFC 3986 (space → %20, * → %2A, ~ kept).

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use ring::hmac;
use serde_json::{Map, Value};

use super::{SmsConfig, SmsMessage, SmsRequest};

pub const DEFAULT_API: &str = "https://dysmsapi.aliyuncs.com";
pub const VERSION: &str = "2017-05-25";
pub const DEFAULT_REGION: &str = "cn-hangzhou";

/// Aliyun's percent-encoding: everything but `A-Z a-z 0-9 - _ . ~` as `%XY` (upper-case),
/// UTF-8 bytes one by one. This is `URLEncoder` with `+`→`%20`, `*`→`%2A`, `%7E`→`~`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `k=v&k=v…`, names in byte order, both sides percent-encoded (`Signature` excluded).
pub fn canonical_query(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .filter(|(name, _)| name.as_str() != "Signature")
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD&%2F&percent_encode(canonical query)`.
pub fn string_to_sign(method: &str, canonical_query: &str) -> String {
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(canonical_query)
    )
}

/// Base64 of HMAC-SHA1(`secret + "&"`, string to sign).
pub fn signature(access_key_secret: &str, string_to_sign: &str) -> String {
    let key = hmac::Key::new(
        hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        format!("{access_key_secret}&").as_bytes(),
    );
    STANDARD.encode(hmac::sign(&key, string_to_sign.as_bytes()))
}

/// The `Signature` of a request with these parameters.
pub fn sign(method: &str, params: &BTreeMap<String, String>, access_key_secret: &str) -> String {
    signature(
        access_key_secret,
        &string_to_sign(method, &canonical_query(params)),
    )
}

/// `SendSms`'s parameters, unsigned. `TemplateParam` is a JSON object of the message's params.
pub fn send_sms_params(
    config: &SmsConfig,
    message: &SmsMessage,
    now: DateTime<Utc>,
    nonce: &str,
) -> BTreeMap<String, String> {
    let template: Map<String, Value> = message
        .params
        .iter()
        .map(|(name, value)| ((*name).to_string(), Value::from(*value)))
        .collect();
    let template = Value::Object(template).to_string();
    params(
        config,
        "SendSms",
        &[
            ("PhoneNumbers", message.phone),
            ("SignName", &config.sign_name),
            ("TemplateCode", &config.template_id),
            ("TemplateParam", &template),
        ],
        now,
        nonce,
    )
}

/// The common parameters of an RPC call of `action`, plus `extra`, unsigned.
pub fn params(
    config: &SmsConfig,
    action: &str,
    extra: &[(&str, &str)],
    now: DateTime<Utc>,
    nonce: &str,
) -> BTreeMap<String, String> {
    let region = match config.region.trim() {
        "" => DEFAULT_REGION,
        region => region,
    };
    let timestamp = now.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    [
        ("AccessKeyId", config.secret_id.as_str()),
        ("Action", action),
        ("Format", "JSON"),
        ("RegionId", region),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", nonce),
        ("SignatureVersion", "1.0"),
        ("Timestamp", &timestamp),
        ("Version", VERSION),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// The signed `GET {sms_api}/?…&Signature=…`.
pub fn send_sms(
    config: &SmsConfig,
    message: &SmsMessage,
    now: DateTime<Utc>,
    nonce: &str,
) -> SmsRequest {
    signed_get(config, &send_sms_params(config, message, now, nonce))
}

/// `QuerySmsTemplate` of the configured template: checks the keys and the template without
/// sending a text (`leida check-credentials`).
pub fn query_template(config: &SmsConfig, now: DateTime<Utc>, nonce: &str) -> SmsRequest {
    let params = params(
        config,
        "QuerySmsTemplate",
        &[("TemplateCode", &config.template_id)],
        now,
        nonce,
    );
    signed_get(config, &params)
}

fn signed_get(config: &SmsConfig, params: &BTreeMap<String, String>) -> SmsRequest {
    let query = canonical_query(params);
    let signature = signature(&config.secret_key, &string_to_sign("GET", &query));
    SmsRequest {
        method: "GET",
        url: format!(
            "{}/?{query}&Signature={}",
            config.base_url(),
            percent_encode(&signature)
        ),
        headers: Vec::new(),
        body: None,
    }
}

/// The answer to `query_template`: `Ok(status text)`, else the refusal's (code, message).
pub fn interpret_template(status: u16, body: &str) -> Result<String, (String, String)> {
    interpret(status, body)?;
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    Ok(match answer.get("TemplateStatus").and_then(Value::as_i64) {
        Some(1) => "模板已审核通过".to_string(),
        Some(0) => "模板审核中".to_string(),
        Some(2) => format!(
            "模板未通过审核: {}",
            answer.get("Reason").and_then(Value::as_str).unwrap_or("")
        ),
        _ => "模板状态未知".to_string(),
    })
}

/// `Ok` when the answer's `Code` is `OK`; else its (Code, Message).
pub fn interpret(status: u16, body: &str) -> Result<(), (String, String)> {
    let Ok(answer) = serde_json::from_str::<Value>(body) else {
        return Err((format!("HTTP {status}"), "应答不是 JSON".into()));
    };
    let text = |key: &str| answer.get(key).and_then(Value::as_str).unwrap_or("");
    match text("Code") {
        "OK" => Ok(()),
        "" => Err((format!("HTTP {status}"), "应答中没有 Code".into())),
        code => Err((code.to_string(), text("Message").to_string())),
    }
}
