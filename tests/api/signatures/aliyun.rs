//! Aliyun's RPC signature against its documented ECS `DescribeRegions` example (AccessKeyId
//! `testid`, AccessKeySecret `testsecret`), then Dysms SendSms built, sent and answered.

use std::collections::BTreeMap;

use chrono::DateTime;
use leida::sms::aliyun::{self, canonical_query, percent_encode, sign, string_to_sign};
use leida::sms::{self, SmsConfig, SmsError, SmsMessage, SmsProvider};

use super::*;

fn doc_params(timestamp_name: &str) -> BTreeMap<String, String> {
    [
        (timestamp_name, "2016-02-23T12:46:24Z"),
        ("Format", "XML"),
        ("AccessKeyId", "testid"),
        ("Action", "DescribeRegions"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("Version", "2014-05-26"),
        ("SignatureVersion", "1.0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn rpc_signature_reproduces_the_documented_example() {
    let params = doc_params("Timestamp");
    assert_eq!(
        string_to_sign("GET", &canonical_query(&params)),
        "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
    );
    assert_eq!(
        sign("GET", &params, "testsecret"),
        "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
    );
    // Older versions of the page spell the parameter `TimeStamp`, with this result.
    assert_eq!(
        sign("GET", &doc_params("TimeStamp"), "testsecret"),
        "CT9X0VtwR86fNWSnsc6v8YGOjuE="
    );
}

#[test]
fn percent_encoding_follows_aliyuns_rules() {
    assert_eq!(percent_encode("a b*c~d"), "a%20b%2Ac~d");
    assert_eq!(percent_encode("AZaz09-_.~"), "AZaz09-_.~");
    assert_eq!(percent_encode("+/=&:\""), "%2B%2F%3D%26%3A%22");
    assert_eq!(percent_encode("阿里云"), "%E9%98%BF%E9%87%8C%E4%BA%91");
    assert_eq!(
        percent_encode(r#"{"code":"1234"}"#),
        "%7B%22code%22%3A%221234%22%7D"
    );
}

fn config(api: &str) -> SmsConfig {
    SmsConfig {
        provider: SmsProvider::Aliyun,
        secret_id: "testid".into(),
        secret_key: "testsecret".into(),
        sdk_app_id: String::new(),
        sign_name: "阿里云短信测试".into(),
        template_id: "SMS_154950909".into(),
        api: api.into(),
        region: String::new(),
    }
}

const CODE: &[(&str, &str)] = &[("code", "1234")];

#[test]
fn send_sms_request_carries_the_documented_parameters_and_their_signature() {
    let now = DateTime::from_timestamp(1456231584, 0).unwrap(); // 2016-02-23T12:46:24Z
    let message = SmsMessage {
        phone: "15300000001",
        params: CODE,
    };
    let request = config("")
        .build(&message, now, "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf")
        .unwrap();
    assert_eq!(request.method, "GET");
    let (base, query) = request.url.split_once("/?").unwrap();
    assert_eq!(base, "https://dysmsapi.aliyuncs.com");
    let (unsigned, signature) = query.rsplit_once("&Signature=").unwrap();
    let params = aliyun::send_sms_params(
        &config(""),
        &message,
        now,
        "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
    );
    assert_eq!(unsigned, canonical_query(&params));
    assert_eq!(
        signature,
        percent_encode(&sign("GET", &params, "testsecret"))
    );
    for (name, value) in [
        ("AccessKeyId", "testid"),
        ("Action", "SendSms"),
        ("Format", "JSON"),
        ("PhoneNumbers", "15300000001"),
        ("RegionId", "cn-hangzhou"),
        ("SignName", "阿里云短信测试"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("TemplateCode", "SMS_154950909"),
        ("TemplateParam", r#"{"code":"1234"}"#),
        ("Timestamp", "2016-02-23T12:46:24Z"),
        ("Version", "2017-05-25"),
    ] {
        assert_eq!(params.get(name).map(String::as_str), Some(value), "{name}");
    }
    assert_eq!(params.len(), 13);
}

#[test]
fn answers_are_read_into_ok_or_the_providers_refusal() {
    let ok = r#"{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}"#;
    assert_eq!(aliyun::interpret(200, ok), Ok(()));
    let refused = r#"{"Message":"触发分钟级流控Permits:1","RequestId":"x","Code":"isv.BUSINESS_LIMIT_CONTROL"}"#;
    assert_eq!(
        aliyun::interpret(200, refused),
        Err((
            "isv.BUSINESS_LIMIT_CONTROL".into(),
            "触发分钟级流控Permits:1".into()
        ))
    );
    assert!(aliyun::interpret(500, "oops").is_err());
    assert!(aliyun::interpret(200, "{}").is_err());
}

#[test]
fn send_goes_to_sms_api_and_the_fake_can_check_the_signature() {
    let (url, raw) = capture_one(
        200,
        r#"{"Message":"OK","RequestId":"r","Code":"OK","BizId":"b"}"#,
    );
    let config = config(&format!("{url}/"));
    sms::send(
        &agent(),
        &config,
        &SmsMessage {
            phone: "15300000001",
            params: CODE,
        },
    )
    .unwrap();
    let raw = raw.recv().unwrap();
    let target = raw.split_whitespace().nth(1).unwrap();
    let query = target.strip_prefix("/?").unwrap();
    // The server's side: decode the query, drop Signature, sign again, compare.
    let mut params = BTreeMap::new();
    let mut received = String::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap();
        let value = percent_decode(value);
        if name == "Signature" {
            received = value;
        } else {
            params.insert(name.to_string(), value);
        }
    }
    assert_eq!(received, sign("GET", &params, "testsecret"));
    assert_eq!(params["PhoneNumbers"], "15300000001");
    assert!(!raw.contains("testsecret"));
}

#[test]
fn a_refusal_reaches_the_caller_without_the_secret() {
    let (url, _raw) = capture_one(
        400,
        r#"{"Message":"Specified signature does not match our calculation (key testsecret).","RequestId":"x","Code":"SignatureDoesNotMatch"}"#,
    );
    let refusal = sms::send(
        &agent(),
        &config(&url),
        &SmsMessage {
            phone: "15300000001",
            params: CODE,
        },
    )
    .unwrap_err();
    assert_eq!(
        refusal,
        SmsError::Refused {
            code: "SignatureDoesNotMatch".into(),
            message: "Specified signature does not match our calculation (key ***).".into()
        }
    );
    let shown = leida::error::ApiError::from(refusal).msg.to_string();
    assert!(
        shown.contains("SignatureDoesNotMatch") && !shown.contains("testsecret"),
        "{shown}"
    );
}
