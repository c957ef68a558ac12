//! SMS codes through the providers firms use: the consulting app's `verification_code` with
//! `sms_provider` = tencent or aliyun against fakes that check the request signature as the
//! provider does; a refusal reaches the caller in the app's envelope, without the secret.

use std::collections::BTreeMap;

use leida::sms::aliyun::sign;
use leida::sms::tencent::Tc3Request;
use serde_json::{json, Value};

use crate::common::fake::Recorded;
use crate::common::{FakeServer, TestApp};
use crate::consult::{call, done};
use crate::signatures::percent_decode;

const SECRET: &str = "sms-test-secret-0123";

fn app(provider: &str, fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    let provider = provider.to_string();
    TestApp::with(move |f| {
        f.merge(("sms_provider", provider))
            .merge(("sms_api", url))
            .merge(("sms_secret_id", "AKIDtest"))
            .merge(("sms_secret_key", SECRET))
            .merge(("sms_sdk_app_id", "1400006666"))
            .merge(("sms_sign_name", "雷达"))
            .merge(("sms_template_id", "449739"))
    })
}

fn ask(app: &TestApp, phone: &str) -> Value {
    call(
        app,
        rocket::http::Method::Post,
        "/api/user/verification_code",
        &format!("phone_number={phone}"),
        None,
    )
}

fn stored_code(app: &TestApp) -> Option<String> {
    app.db()
        .query_row("SELECT code FROM cs_sms_code", [], |r| r.get(0))
        .ok()
}

/// Tencent's check: the TC3 signature over the request as received, with our secret.
fn tencent_signed(r: &Recorded) -> bool {
    let Some(timestamp) = r.header("X-TC-Timestamp").and_then(|t| t.parse().ok()) else {
        return false;
    };
    let expected = Tc3Request {
        service: "sms",
        host: r.header("Host").unwrap_or(""),
        content_type: r.header("Content-Type").unwrap_or(""),
        payload: &r.body,
        timestamp,
    }
    .authorization("AKIDtest", SECRET);
    r.header("Authorization") == Some(expected.as_str())
        && r.header("X-TC-Action") == Some("SendSms")
}

#[test]
fn tencent_sends_the_code_signed_tc3_and_a_refusal_is_told_to_the_caller() {
    let fake = FakeServer::start(|r| {
        if !tencent_signed(r) {
            return (200, json!({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "签名错误"}}}).to_string());
        }
        let body: Value = serde_json::from_str(&r.body).unwrap();
        if body["PhoneNumberSet"][0] == "+8613900000002" {
            return (200, json!({"Response": {"SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "单个手机号日下发条数超过设定的上限"}], "RequestId": "r"}}).to_string());
        }
        (200, json!({"Response": {"SendStatusSet": [{"Code": "Ok", "Message": "send success"}], "RequestId": "r"}}).to_string())
    });
    let app = app("tencent", &fake);
    done(ask(&app, "13900000001"));
    let sent: Value = serde_json::from_str(&fake.requests()[0].body).unwrap();
    assert_eq!(sent["PhoneNumberSet"], json!(["+8613900000001"]));
    assert_eq!(sent["SmsSdkAppId"], "1400006666");
    assert_eq!(sent["TemplateId"], "449739");
    assert_eq!(
        sent["TemplateParamSet"],
        json!([stored_code(&app).unwrap()]),
        "the stored code is the one sent"
    );

    let refused = ask(&app, "13900000002");
    assert_ne!(refused["code"], 0);
    let msg = refused["msg"].as_str().unwrap();
    assert!(
        msg.contains("日下发条数超过") && msg.contains("LimitExceeded"),
        "{msg}"
    );
    assert!(!refused.to_string().contains(SECRET));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM cs_sms_code WHERE phone = '13900000002'"),
        0,
        "withdrawn"
    );
}

/// Aliyun's check: decode the query, drop Signature, sign again with our secret.
fn aliyun_signed(r: &Recorded) -> Option<BTreeMap<String, String>> {
    let mut params = BTreeMap::new();
    let mut received = String::new();
    for pair in r.query.split('&') {
        let (name, value) = pair.split_once('=')?;
        let value = percent_decode(value);
        if name == "Signature" {
            received = value;
        } else {
            params.insert(name.to_string(), value);
        }
    }
    (received == sign("GET", &params, SECRET)).then_some(params)
}

#[test]
fn aliyun_sends_the_code_with_its_rpc_signature_and_a_bad_template_is_told() {
    let fake = FakeServer::start(|r| {
        match aliyun_signed(r) {
        None => (400, json!({"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}).to_string()),
        Some(p) if p["PhoneNumbers"] == "13900000002" => (200, json!({"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法(不存在或被拉黑)"}).to_string()),
        Some(_) => (200, json!({"Code": "OK", "Message": "OK", "BizId": "b", "RequestId": "r"}).to_string()),
    }
    });
    let app = app("aliyun", &fake);
    done(ask(&app, "13900000001"));
    let sent = &fake.requests()[0];
    let params = aliyun_signed(sent).expect("signed as Aliyun checks");
    assert_eq!(params["Action"], "SendSms");
    assert_eq!(params["SignName"], "雷达");
    assert_eq!(params["TemplateCode"], "449739");
    let template: Value = serde_json::from_str(&params["TemplateParam"]).unwrap();
    assert_eq!(template, json!({"code": stored_code(&app).unwrap()}));
    assert!(!sent.query.contains(SECRET));

    let refused = ask(&app, "13900000002");
    assert!(
        refused["msg"].as_str().unwrap().contains("模板不合法"),
        "{refused}"
    );
    assert!(!refused.to_string().contains(SECRET));
}

#[test]
fn an_unknown_sms_provider_is_refused_at_start() {
    let built = leida::build(
        rocket::Config::figment()
            .merge(("db_path", tempfile::tempdir().unwrap().keep().join("x.db")))
            .merge(("sms_provider", "smsbao")),
    );
    assert!(built.unwrap_err().contains("sms_provider"));
}

fn settings(provider: &str, url: &str) -> leida::config::Settings {
    leida::config::Settings {
        sms_provider: provider.into(),
        sms_api: url.into(),
        sms_secret_id: "AKIDtest".into(),
        sms_secret_key: SECRET.into(),
        sms_sdk_app_id: "1400006666".into(),
        sms_sign_name: "雷达".into(),
        sms_template_id: "449739".into(),
        ..leida::config::Settings::default()
    }
}

fn sms_check(settings: &leida::config::Settings) -> leida::ops::credentials::Check {
    let dir = tempfile::tempdir().unwrap();
    let db = leida::db::Db::open(&dir.path().join("c.db")).unwrap();
    let wechat = leida::wechat::WeChat::new(settings);
    leida::ops::credentials::check(settings, &db, &wechat, None)
        .unwrap()
        .pop()
        .unwrap()
}

#[test]
fn check_credentials_asks_each_provider_about_the_template_without_sending() {
    let tencent = FakeServer::start(|r| {
        let signed = r.header("X-TC-Action") == Some("DescribeSmsTemplateList") && {
            let expected = Tc3Request {
                service: "sms",
                host: r.header("Host").unwrap_or(""),
                content_type: r.header("Content-Type").unwrap_or(""),
                payload: &r.body,
                timestamp: r.header("X-TC-Timestamp").unwrap().parse().unwrap(),
            }
            .authorization("AKIDtest", SECRET);
            r.header("Authorization") == Some(expected.as_str())
        };
        if !signed {
            return (200, json!({"Response": {"Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "密钥不存在"}}}).to_string());
        }
        (200, json!({"Response": {"DescribeTemplateStatusSet": [{"TemplateId": 449739, "StatusCode": 0}], "RequestId": "r"}}).to_string())
    });
    let check = sms_check(&settings("tencent", &tencent.url));
    assert!(check.ok, "{check:?}");
    assert!(check.meaning.contains("审核通过"));
    let sent: Value = serde_json::from_str(&tencent.requests()[0].body).unwrap();
    assert_eq!(sent["TemplateIdSet"], json!([449739]));

    let mut wrong = settings("tencent", &tencent.url);
    wrong.sms_secret_key = "not-the-secret".into();
    let check = sms_check(&wrong);
    assert!(
        !check.ok && check.meaning.contains("SecretIdNotFound"),
        "{check:?}"
    );
    assert!(!check.to_string().contains("not-the-secret"));

    let aliyun = FakeServer::start(|r| {
        match aliyun_signed(r) {
        Some(p) if p["Action"] == "QuerySmsTemplate" && p["TemplateCode"] == "449739" => {
            (200, json!({"Code": "OK", "TemplateStatus": 1, "TemplateCode": "449739"}).to_string())
        }
        _ => (400, json!({"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}).to_string()),
    }
    });
    assert!(sms_check(&settings("aliyun", &aliyun.url)).ok);
    let mut wrong = settings("aliyun", &aliyun.url);
    wrong.sms_secret_key = "not-the-secret".into();
    assert!(sms_check(&wrong).meaning.contains("SignatureDoesNotMatch"));
    assert!(
        tencent
            .calls("/")
            .iter()
            .all(|r| r.header("X-TC-Action") != Some("SendSms")),
        "no text sent"
    );
}
