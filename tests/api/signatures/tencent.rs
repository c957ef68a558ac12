//! Tencent Cloud TC3-HMAC-SHA256 against the "Signature v3" / "签名方法 v3" worked example
//! (CVM DescribeInstances, timestamp 1551113065), then SendSms built, sent and answered.

use chrono::DateTime;
use leida::sms::tencent::{self, sha256_hex, Tc3Request};
use leida::sms::{self, SmsConfig, SmsError, SmsMessage, SmsProvider};

use super::*;

/// The example's body, byte for byte (the `\u` escapes are in the JSON text itself).
const DOC_PAYLOAD: &str =
    r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

fn doc_request() -> Tc3Request<'static> {
    Tc3Request {
        service: "cvm",
        host: "cvm.tencentcloudapi.com",
        content_type: "application/json; charset=utf-8",
        payload: DOC_PAYLOAD,
        timestamp: 1551113065,
    }
}

#[test]
fn tc3_reproduces_the_documented_intermediate_values() {
    let request = doc_request();
    assert_eq!(
        sha256_hex(DOC_PAYLOAD.as_bytes()),
        "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    );
    assert_eq!(
        request.canonical_request(),
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    );
    // 1551113065 is 2019-02-26 00:44:25 in Beijing: the scope's date is the UTC one.
    assert_eq!(request.credential_scope(), "2019-02-25/cvm/tc3_request");
    assert_eq!(
        request.string_to_sign(),
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    );
}

#[test]
fn tc3_reproduces_the_documented_signature() {
    // The English "Signature v3" page's credentials (…EXAMPLE) and result.
    let request = doc_request();
    assert_eq!(
        request.authorization("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    );
    // The current Chinese page masks the key as "Gu5t9xGARNpq86cd98joQYCN3*******" and prints
    // the signature computed with that masked text as the key.
    assert_eq!(
        request.signature("Gu5t9xGARNpq86cd98joQYCN3*******"),
        "2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
    );
}

fn config(api: &str) -> SmsConfig {
    SmsConfig {
        provider: SmsProvider::Tencent,
        secret_id: "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE".into(),
        secret_key: "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE".into(),
        sdk_app_id: "1400006666".into(),
        sign_name: "腾讯云".into(),
        template_id: "1110".into(),
        api: api.into(),
        region: String::new(),
    }
}

const CODE: &[(&str, &str)] = &[("code", "4821"), ("minutes", "5")];

#[test]
fn send_sms_request_is_signed_over_what_is_sent() {
    let message = SmsMessage {
        phone: "13711112222",
        params: CODE,
    };
    let now = DateTime::from_timestamp(1551113065, 0).unwrap();
    let request = config("").build(&message, now, "unused").unwrap();
    assert_eq!(
        (request.method, request.url.as_str()),
        ("POST", "https://sms.tencentcloudapi.com/")
    );
    let body = request.body.clone().unwrap();
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        sent,
        serde_json::json!({"PhoneNumberSet": ["+8613711112222"], "SmsSdkAppId": "1400006666",
            "SignName": "腾讯云", "TemplateId": "1110", "TemplateParamSet": ["4821", "5"]})
    );
    for (name, value) in [
        ("X-TC-Action", "SendSms"),
        ("X-TC-Version", "2021-01-11"),
        ("X-TC-Region", "ap-guangzhou"),
        ("X-TC-Timestamp", "1551113065"),
        ("Host", "sms.tencentcloudapi.com"),
        ("Content-Type", "application/json; charset=utf-8"),
    ] {
        assert_eq!(request.header(name), Some(value), "{name}");
    }
    let expected = Tc3Request {
        service: "sms",
        host: "sms.tencentcloudapi.com",
        content_type: "application/json; charset=utf-8",
        payload: &body,
        timestamp: 1551113065,
    }
    .authorization(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
    );
    assert_eq!(request.header("Authorization"), Some(expected.as_str()));
    assert!(expected
        .contains("Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/sms/tc3_request"));
}

#[test]
fn answers_are_read_into_ok_or_the_providers_refusal() {
    let ok = r#"{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":"+8613711112222","Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}"#;
    assert_eq!(tencent::interpret(200, ok), Ok(()));
    let refused = r#"{"Response":{"SendStatusSet":[{"PhoneNumber":"+8613711112222","Code":"LimitExceeded.PhoneNumberDailyLimit","Message":"the number of sms messages sent from a single mobile number every day exceeds the upper limit"}],"RequestId":"x"}}"#;
    assert_eq!(
        tencent::interpret(200, refused).unwrap_err().0,
        "LimitExceeded.PhoneNumberDailyLimit"
    );
    let error = r#"{"Response":{"Error":{"Code":"AuthFailure.SignatureFailure","Message":"The provided credentials could not be validated."},"RequestId":"x"}}"#;
    assert_eq!(
        tencent::interpret(200, error),
        Err((
            "AuthFailure.SignatureFailure".into(),
            "The provided credentials could not be validated.".into()
        ))
    );
    assert!(tencent::interpret(502, "<html>bad gateway</html>").is_err());
    assert!(tencent::interpret(200, r#"{"Response":{"SendStatusSet":[]}}"#).is_err());
}

#[test]
fn a_refusal_never_carries_the_secret() {
    let echo = r#"{"Response":{"Error":{"Code":"AuthFailure","Message":"bad key Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"}}}"#;
    let refusal = config("").interpret(200, echo).unwrap_err();
    let SmsError::Refused { code, message } = &refusal else {
        panic!("{refusal:?}")
    };
    assert_eq!(
        (code.as_str(), message.as_str()),
        ("AuthFailure", "bad key ***")
    );
    let shown = leida::error::ApiError::from(refusal).msg.to_string();
    assert!(
        shown.contains("AuthFailure") && !shown.contains("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"),
        "{shown}"
    );
    assert!(!format!("{:?}", config("")).contains("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"));
}

#[test]
fn send_goes_to_sms_api_with_the_signed_headers() {
    let answer = r#"{"Response":{"SendStatusSet":[{"Code":"Ok","Message":"send success"}],"RequestId":"r"}}"#;
    let (url, raw) = capture_one(200, answer);
    let config = config(&url);
    sms::send(
        &agent(),
        &config,
        &SmsMessage {
            phone: "+8613711112222",
            params: CODE,
        },
    )
    .unwrap();
    let raw = raw.recv().unwrap();
    assert!(raw.starts_with("POST / HTTP/1.1"), "{raw}");
    let host = url.trim_start_matches("http://");
    assert_eq!(raw_header(&raw, "Host"), (Some(host), 1));
    let (timestamp, _) = raw_header(&raw, "X-TC-Timestamp");
    let body = raw.split("\r\n\r\n").nth(1).unwrap();
    let expected = Tc3Request {
        service: "sms",
        host,
        content_type: "application/json; charset=utf-8",
        payload: body,
        timestamp: timestamp.unwrap().parse().unwrap(),
    }
    .authorization(&config.secret_id, &config.secret_key);
    assert_eq!(
        raw_header(&raw, "Authorization"),
        (Some(expected.as_str()), 1)
    );
}

#[test]
fn send_reports_missing_settings_and_refusals() {
    let mut missing = config("http://127.0.0.1:9");
    missing.sdk_app_id.clear();
    let message = SmsMessage {
        phone: "13711112222",
        params: CODE,
    };
    assert_eq!(
        sms::send(&agent(), &missing, &message),
        Err(SmsError::Config("缺少配置项 sms_sdk_app_id".into()))
    );
    let (url, _raw) = capture_one(
        200,
        r#"{"Response":{"Error":{"Code":"FailedOperation.SignatureIncorrectOrUnapproved","Message":"签名未审批"}}}"#,
    );
    assert_eq!(
        sms::send(&agent(), &config(&url), &message),
        Err(SmsError::Refused {
            code: "FailedOperation.SignatureIncorrectOrUnapproved".into(),
            message: "签名未审批".into()
        })
    );
}
