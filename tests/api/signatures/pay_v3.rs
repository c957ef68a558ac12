//! WeChat Pay v3 signatures: the documented request message, the Authorization header, keys
//! from every PEM form, and answer verification (serial, clock window, tampering).

use leida::wechat::pay_v3::sign::{authorization_header, path_and_query, request_message};
use leida::wechat::pay_v3::verify::answer_message;
use leida::wechat::pay_v3::{
    mini_program_pay_params, KeySet, MerchantKey, MerchantSigner, PayV3Error, PublicKey,
    SignedMessage,
};

use super::*;

/// The message of the documented example (签名生成, "GET /v3/certificates").
const DOC_MESSAGE: &str = "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n";

/// `openssl dgst -sha256 -sign merchant_key.pem` of DOC_MESSAGE (fixtures README).
const DOC_MESSAGE_OPENSSL: &str = "qTgUJdwVCxJ0DK+NrYPRXZsJchXFAg6WVUZei64IMnELo5o4hc5xXKJF4WAOXHLgNSf/FZx/yBbIZTMO2zaIS18/MG4OraOrEfdLn+HiUYmpSveKgsDK/9Ctr+cIzU4T6YsV5vmB2EGK5nybj5pdZlJzIiEYb3+lKGGhzG7oibLHYhROTgYvtW4prHFbNIy+zNPjlyyave/1BfYv8le/a8JszUHxWe8aPrnzXiwQhEODShO0L/AG806P4F7TZ1cCLn8i7LM0wtqKaoR+iG5WQFaPOW8f9CafvcWTDIjaxNuTiDkMY+BM+KJrQnIW/7ykUblZfz6FDHQr7ZUTdguH+g==";

/// The same for the mini-program pay message below.
const PAY_SIGN_OPENSSL: &str = "OswzBVU1jNnS8bn0JtbujDej66jL+cOMlJsNPzswtfZF5ON/jqPnhlWMZ9orYQ+WRg0Zr9F6U+aNfXHGKuLue4v8Mo5q7LoVEO7wBnDXzFQZ1rp+KcyZ3tHBD0kCBtaPHTfZo+n5CZserjSChk/3isCRroyG8SzmGMn7TKkC5e3qmQLKzGDlSSRUXi8JBjKGv4ixbzLBKK58hsk0QJlsvWM772kbgf8muinI4shXLPeYBCnJgVZv1vKOkv9ltV2mPoqQVwKr48rA6zgbSh2L4O/gzKq5UKVLTppOAtzvEgdpLs+v7NS6mefWOqOOP4GoyPZ/HpPJK9t3xG1XBMBNDA==";

#[test]
fn request_message_is_the_documented_one() {
    let message = request_message(
        "GET",
        path_and_query("https://api.mch.weixin.qq.com/v3/certificates"),
        1554208460,
        "593BEC0C930BF1AFEB40B4A08C8FB242",
        "",
    );
    assert_eq!(message, DOC_MESSAGE);
    assert_eq!(
        path_and_query("http://127.0.0.1:9/v3/x?a=1&b=2"),
        "/v3/x?a=1&b=2"
    );
    assert_eq!(
        path_and_query("/v3/pay/transactions/jsapi"),
        "/v3/pay/transactions/jsapi"
    );
}

#[test]
fn ring_signs_as_openssl_does_and_pkcs1_is_the_same_key() {
    // RSA PKCS#1 v1.5 is deterministic: the same key and message give OpenSSL's bytes.
    assert_eq!(
        merchant_key().sign(DOC_MESSAGE.as_bytes()).unwrap(),
        DOC_MESSAGE_OPENSSL
    );
    let pkcs1 = MerchantKey::from_pem(MERCHANT_KEY_PKCS1).unwrap();
    assert_eq!(
        pkcs1.sign(DOC_MESSAGE.as_bytes()).unwrap(),
        DOC_MESSAGE_OPENSSL
    );
}

#[test]
fn authorization_header_is_the_documented_shape() {
    let signer = MerchantSigner {
        mch_id: "1900009191".into(),
        serial_no: "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C".into(),
        key: merchant_key(),
    };
    let header = signer
        .authorization(
            "GET",
            "https://api.mch.weixin.qq.com/v3/certificates",
            "",
            1554208460,
            "593BEC0C930BF1AFEB40B4A08C8FB242",
        )
        .unwrap();
    assert_eq!(
        header,
        format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1900009191\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",signature=\"{DOC_MESSAGE_OPENSSL}\",timestamp=\"1554208460\",serial_no=\"1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C\""
        )
    );
    assert_eq!(
        header,
        authorization_header(
            "1900009191",
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            "593BEC0C930BF1AFEB40B4A08C8FB242",
            1554208460,
            DOC_MESSAGE_OPENSSL
        )
    );
}

#[test]
fn merchant_signature_verifies_with_its_public_key_only() {
    let key = merchant_key();
    let signature = key
        .sign(b"POST\n/v3/pay/transactions/jsapi\n1\nn\n{}\n")
        .unwrap();
    let public = key.public_key();
    assert!(public.verify(b"POST\n/v3/pay/transactions/jsapi\n1\nn\n{}\n", &signature));
    assert!(!public.verify(b"POST\n/v3/pay/transactions/jsapi\n1\nn\n{ }\n", &signature));
    assert!(!wechatpay_pub().verify(b"POST\n/v3/pay/transactions/jsapi\n1\nn\n{}\n", &signature));
}

#[test]
fn key_pems_that_are_not_rsa_keys_are_refused_with_a_reason() {
    let refused = |r: Result<MerchantKey, PayV3Error>| matches!(r, Err(PayV3Error::Key(_)));
    assert!(refused(MerchantKey::from_pem("not a pem")));
    assert!(refused(MerchantKey::from_pem(WECHATPAY_PUB)));
    // A P-256 key (`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256`), test-only.
    let ec = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgro+DuSVU+od45jYo\nW6+jDks7M1UZn0FCkKVUbEKJ0HShRANCAAQpewQKDCNqhPUb9QYJNoOJdNd6Y2Ie\n0MzXvbsSRRTU5KJnhERanHJJ+rBcrlKCenHCL8PY3FGADTOIV5Drjhb3\n-----END PRIVATE KEY-----\n";
    assert!(refused(MerchantKey::from_pem(ec)));
    assert!(matches!(
        PublicKey::from_pem(MERCHANT_KEY),
        Err(PayV3Error::Key(_))
    ));
    assert!(matches!(
        PublicKey::from_certificate_pem(WECHATPAY_PUB),
        Err(PayV3Error::Key(_))
    ));
}

#[test]
fn platform_certificate_gives_its_serial_and_key() {
    let (serial, key) = PublicKey::from_certificate_pem(PLATFORM_CERT).unwrap();
    assert_eq!(serial, PLATFORM_SERIAL);
    let platform = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    assert_eq!(key, platform.public_key());
    assert_ne!(key, wechatpay_pub());
}

/// An answer as the fake WeChat Pay signs it, with `key` under `serial`.
fn answer(
    key: &MerchantKey,
    serial: &'static str,
    timestamp: &'static str,
    body: &'static str,
) -> (String, [&'static str; 3]) {
    let nonce = "c5ac7061fccab6bf3e254dcf98995b8c";
    let signature = key
        .sign(answer_message(timestamp, nonce, body).as_bytes())
        .unwrap();
    (signature, [timestamp, nonce, serial])
}

fn signed<'a>(signature: &'a str, parts: &[&'a str; 3], body: &'a str) -> SignedMessage<'a> {
    SignedMessage {
        timestamp: parts[0],
        nonce: parts[1],
        signature,
        serial: parts[2],
        body,
    }
}

const NOW: i64 = 1_700_000_000;
const BODY: &str = r#"{"prepay_id":"wx26112221580621e9b071c00d9e093b0000"}"#;

#[test]
fn answer_verifies_with_the_key_its_serial_names() {
    let keys = KeySet::new().with(PUB_KEY_ID, wechatpay_pub()).with(
        PLATFORM_SERIAL,
        PublicKey::from_certificate_pem(PLATFORM_CERT).unwrap().1,
    );
    let (sig, parts) = answer(&wechatpay_key(), PUB_KEY_ID, "1700000000", BODY);
    assert_eq!(keys.verify(&signed(&sig, &parts, BODY), NOW), Ok(()));
    let platform = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    let (sig, parts) = answer(&platform, PLATFORM_SERIAL, "1700000000", BODY);
    assert_eq!(keys.verify(&signed(&sig, &parts, BODY), NOW), Ok(()));
    // Serials are hex: any case matches.
    let lower = [
        parts[0],
        parts[1],
        "5157f09efdc096de15ebe81a47057a7232f1b8e1",
    ];
    assert_eq!(keys.verify(&signed(&sig, &lower, BODY), NOW), Ok(()));
}

#[test]
fn answer_under_an_unknown_or_wrong_serial_is_refused() {
    let keys = KeySet::new().with(PUB_KEY_ID, wechatpay_pub());
    let (sig, parts) = answer(
        &wechatpay_key(),
        "PUB_KEY_ID_0000000000000000000000000000",
        "1700000000",
        BODY,
    );
    assert_eq!(
        keys.verify(&signed(&sig, &parts, BODY), NOW),
        Err(PayV3Error::UnknownSerial(
            "PUB_KEY_ID_0000000000000000000000000000".into()
        ))
    );
    // Signed by the platform key but claiming the public key's id: the wrong key for that id.
    let platform = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    let (sig, parts) = answer(&platform, PUB_KEY_ID, "1700000000", BODY);
    assert_eq!(
        keys.verify(&signed(&sig, &parts, BODY), NOW),
        Err(PayV3Error::BadSignature)
    );
}

#[test]
fn answer_more_than_five_minutes_off_is_refused() {
    let keys = KeySet::new().with(PUB_KEY_ID, wechatpay_pub());
    for (timestamp, ok) in [
        ("1700000300", true),
        ("1699999700", true),
        ("1700000301", false),
        ("1699999699", false),
        ("1554208460", false),
        ("soon", false),
    ] {
        let (sig, parts) = answer(&wechatpay_key(), PUB_KEY_ID, timestamp, BODY);
        let verdict = keys.verify(&signed(&sig, &parts, BODY), NOW);
        if ok {
            assert_eq!(verdict, Ok(()), "{timestamp}");
        } else {
            assert!(
                matches!(verdict, Err(PayV3Error::Skew { .. })),
                "{timestamp}: {verdict:?}"
            );
        }
    }
}

#[test]
fn tampered_answers_and_probe_signatures_are_refused() {
    let keys = KeySet::new().with(PUB_KEY_ID, wechatpay_pub());
    let (sig, parts) = answer(&wechatpay_key(), PUB_KEY_ID, "1700000000", BODY);
    let altered = BODY.replace("wx26", "wx27");
    assert_eq!(
        keys.verify(&signed(&sig, &parts, &altered), NOW),
        Err(PayV3Error::BadSignature)
    );
    let other_nonce = [parts[0], "another-nonce", parts[2]];
    assert_eq!(
        keys.verify(&signed(&sig, &other_nonce, BODY), NOW),
        Err(PayV3Error::BadSignature)
    );
    // WeChat Pay sends these to check that merchants really verify.
    let probe = "WECHATPAY/SIGNTEST/Wmr6VlpD2Nzyb/6rMw+f2rU6a5Sdf3zuDn/nD6F0uA0=";
    assert_eq!(
        keys.verify(&signed(probe, &parts, BODY), NOW),
        Err(PayV3Error::BadSignature)
    );
}

#[test]
fn missing_wechatpay_header_is_named() {
    let headers = [
        ("Wechatpay-Timestamp", "1"),
        ("Wechatpay-Nonce", "n"),
        ("Wechatpay-Serial", "s"),
    ];
    let lookup = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    };
    let err = SignedMessage::from_headers(lookup, "{}").unwrap_err();
    assert_eq!(err, PayV3Error::MissingHeader("Wechatpay-Signature"));
}

#[test]
fn mini_program_pay_params_are_signed_over_the_four_lines() {
    let params = mini_program_pay_params(
        &merchant_key(),
        "wx8888888888888888",
        "wx201410272009395522657a690389285100",
        1414561699,
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    )
    .unwrap();
    assert_eq!(params.pay_sign, PAY_SIGN_OPENSSL);
    assert!(merchant_key()
        .public_key()
        .verify(params.message().as_bytes(), &params.pay_sign));
    let json = serde_json::to_value(&params).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "appId": "wx8888888888888888",
            "timeStamp": "1414561699",
            "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            "package": "prepay_id=wx201410272009395522657a690389285100",
            "signType": "RSA",
            "paySign": PAY_SIGN_OPENSSL,
        })
    );
}
