//! Tencent Cloud SMS API 3.0 `SendSms` (version 2021-01-11), signed with TC3-HMAC-SHA256 as
//! the "签名方法 v3" document describes: canonical request, string to sign over the credential
//! scope `date/service/tc3_request`, keys derived from `"TC3" + SecretKey`, the Authorization header.

use chrono::DateTime;
use ring::{digest, hmac};
use serde_json::{json, Value};

use super::{SmsConfig, SmsMessage, SmsRequest};

pub const DEFAULT_API: &str = "https://sms.tencentcloudapi.com";
pub const SERVICE: &str = "sms";
pub const VERSION: &str = "2021-01-11";
pub const ACTION: &str = "SendSms";
pub const DEFAULT_REGION: &str = "ap-guangzhou";
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
pub const CONTENT_TYPE: &str = "application/json; charset=utf-8";
/// The headers signed: the two the document requires.
pub const SIGNED_HEADERS: &str = "content-type;host";

/// What one TC3 signature covers: a POST of `payload` to `https://{host}/` at `timestamp`.
#[derive(Debug, Clone, Copy)]
pub struct Tc3Request<'a> {
    pub service: &'a str,
    pub host: &'a str,
    pub content_type: &'a str,
    pub payload: &'a str,
    /// Unix seconds; also `X-TC-Timestamp`.
    pub timestamp: i64,
}

impl Tc3Request<'_> {
    /// Step 1: `POST\n/\n\ncontent-type:…\nhost:…\n\ncontent-type;host\nsha256hex(payload)`.
    pub fn canonical_request(&self) -> String {
        format!(
            "POST\n/\n\ncontent-type:{}\nhost:{}\n\n{SIGNED_HEADERS}\n{}",
            self.content_type.trim().to_ascii_lowercase(),
            self.host.trim().to_ascii_lowercase(),
            sha256_hex(self.payload.as_bytes())
        )
    }

    /// The UTC date of `timestamp`, `YYYY-MM-DD`: the first part of the credential scope.
    pub fn date(&self) -> String {
        DateTime::from_timestamp(self.timestamp, 0)
            .unwrap_or_default()
            .format("%Y-%m-%d")
            .to_string()
    }

    /// `date/service/tc3_request`.
    pub fn credential_scope(&self) -> String {
        format!("{}/{}/tc3_request", self.date(), self.service)
    }

    /// Step 2: `TC3-HMAC-SHA256\ntimestamp\nscope\nsha256hex(canonical request)`.
    pub fn string_to_sign(&self) -> String {
        format!(
            "{ALGORITHM}\n{}\n{}\n{}",
            self.timestamp,
            self.credential_scope(),
            sha256_hex(self.canonical_request().as_bytes())
        )
    }

    /// Step 3: the hex signature, with keys derived from `"TC3" + secret_key`.
    pub fn signature(&self, secret_key: &str) -> String {
        let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), &self.date());
        let secret_service = hmac_sha256(&secret_date, self.service);
        let secret_signing = hmac_sha256(&secret_service, "tc3_request");
        hex(&hmac_sha256(&secret_signing, &self.string_to_sign()))
    }

    /// Step 4: the `Authorization` header value.
    pub fn authorization(&self, secret_id: &str, secret_key: &str) -> String {
        format!(
            "{ALGORITHM} Credential={secret_id}/{}, SignedHeaders={SIGNED_HEADERS}, Signature={}",
            self.credential_scope(),
            self.signature(secret_key)
        )
    }
}

/// The `SendSms` request for `message`. Tencent wants E.164 numbers: a number without `+`
/// is taken as a mainland number and given `+86`.
pub fn send_sms(config: &SmsConfig, message: &SmsMessage, timestamp: i64) -> SmsRequest {
    let phone = if message.phone.starts_with('+') {
        message.phone.to_string()
    } else {
        format!("+86{}", message.phone)
    };
    let values: Vec<&str> = message.params.iter().map(|(_, value)| *value).collect();
    let payload = json!({
        "PhoneNumberSet": [phone],
        "SmsSdkAppId": config.sdk_app_id,
        "SignName": config.sign_name,
        "TemplateId": config.template_id,
        "TemplateParamSet": values,
    });
    request(config, ACTION, &payload, timestamp)
}

/// `DescribeSmsTemplateList` of the configured template: checks the keys and the template
/// without sending a text (`leida check-credentials`).
pub fn describe_template(config: &SmsConfig, timestamp: i64) -> SmsRequest {
    let id: Value = config
        .template_id
        .trim()
        .parse::<u64>()
        .map_or_else(|_| json!(config.template_id), |n| json!(n));
    let payload = json!({"International": 0, "TemplateIdSet": [id]});
    request(config, "DescribeSmsTemplateList", &payload, timestamp)
}

/// A TC3-signed POST of `action` with `payload`.
pub fn request(config: &SmsConfig, action: &str, payload: &Value, timestamp: i64) -> SmsRequest {
    let base = config.base_url();
    let host = authority(base);
    let payload = payload.to_string();
    let signed = Tc3Request {
        service: SERVICE,
        host,
        content_type: CONTENT_TYPE,
        payload: &payload,
        timestamp,
    };
    let region = match config.region.trim() {
        "" => DEFAULT_REGION,
        region => region,
    };
    let headers = [
        (
            "Authorization",
            signed.authorization(&config.secret_id, &config.secret_key),
        ),
        ("Content-Type", CONTENT_TYPE.into()),
        ("Host", host.into()),
        ("X-TC-Action", action.into()),
        ("X-TC-Timestamp", timestamp.to_string()),
        ("X-TC-Version", VERSION.into()),
        ("X-TC-Region", region.into()),
    ];
    SmsRequest {
        method: "POST",
        url: format!("{base}/"),
        headers: headers.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        body: Some(payload),
    }
}

/// The answer to `describe_template`: `Ok(status text)` when the keys work and the template
/// exists, else the refusal's (code, message).
pub fn interpret_template(status: u16, body: &str) -> Result<String, (String, String)> {
    let Ok(answer) = serde_json::from_str::<Value>(body) else {
        return Err((format!("HTTP {status}"), "应答不是 JSON".into()));
    };
    let response = answer.get("Response").unwrap_or(&Value::Null);
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    if let Some(error) = response.get("Error") {
        return Err((text(error, "Code"), text(error, "Message")));
    }
    match response
        .get("DescribeTemplateStatusSet")
        .and_then(Value::as_array)
        .and_then(|set| set.first())
    {
        Some(template) => {
            let status = template
                .get("StatusCode")
                .and_then(Value::as_i64)
                .unwrap_or(-2);
            Ok(match status {
                0 => "模板已审核通过".to_string(),
                1 => "模板待审核".to_string(),
                -1 => format!("模板被拒绝: {}", text(template, "ReviewReply")),
                _ => "模板状态未知".to_string(),
            })
        }
        None => Err(("TemplateNotFound".into(), "sms_template_id 不存在".into())),
    }
}

/// `Ok` when every number's `Code` is `Ok`; else the refusal's (code, message), from
/// `Response.Error` or from the first refused entry of `Response.SendStatusSet`.
pub fn interpret(status: u16, body: &str) -> Result<(), (String, String)> {
    let Ok(answer) = serde_json::from_str::<Value>(body) else {
        return Err((format!("HTTP {status}"), "应答不是 JSON".into()));
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let response = answer.get("Response").unwrap_or(&Value::Null);
    if let Some(error) = response.get("Error") {
        return Err((text(error, "Code"), text(error, "Message")));
    }
    let statuses = response
        .get("SendStatusSet")
        .and_then(Value::as_array)
        .filter(|set| !set.is_empty())
        .ok_or_else(|| {
            (
                format!("HTTP {status}"),
                "应答中没有 SendStatusSet".to_string(),
            )
        })?;
    match statuses.iter().find(|s| text(s, "Code") != "Ok") {
        Some(refused) => Err((text(refused, "Code"), text(refused, "Message"))),
        None => Ok(()),
    }
}

/// `https://host:port/path` → `host:port`: what the HTTP client sends as `Host`.
pub fn authority(url: &str) -> &str {
    let after = url.split_once("://").map_or(url, |(_, rest)| rest);
    after.split(['/', '?']).next().unwrap_or(after)
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, data).as_ref())
}

fn hmac_sha256(key: &[u8], message: &str) -> Vec<u8> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    hmac::sign(&key, message.as_bytes()).as_ref().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
