//! WeChat's encryptedData: decrypts what WeChat encrypts, refuses everything else.

use leida::wechat::crypto::{decrypt, encrypt};
use serde_json::json;

const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";

fn phone_payload(appid: &str) -> serde_json::Value {
    json!({"phoneNumber": "13800138000", "purePhoneNumber": "13800138000",
           "countryCode": "86", "watermark": {"appid": appid, "timestamp": 1_700_000_000}})
}

#[test]
fn decrypts_and_checks_the_watermark() {
    let data = encrypt(KEY, IV, &phone_payload("wx4f4bc4dec97d474b"));
    let plain = decrypt(KEY, IV, &data, Some("wx4f4bc4dec97d474b")).unwrap();
    assert_eq!(plain["purePhoneNumber"], "13800138000");

    let other_app = decrypt(KEY, IV, &data, Some("wx-other")).unwrap_err();
    assert_eq!(other_app.code.number(), 303);
    assert!(other_app.msg.contains("watermark"));
}

#[test]
fn a_rotated_key_or_bad_base64_is_a_clear_refusal() {
    let data = encrypt(KEY, IV, &phone_payload("wx1"));
    let rotated = decrypt("AAAAAAAAAAAAAAAAAAAAAA==", IV, &data, None).unwrap_err();
    assert!(rotated.msg.contains("请重新登录"), "{}", rotated.msg);

    let garbage = decrypt(KEY, IV, "not*base64", None).unwrap_err();
    assert!(garbage.msg.contains("encryptedData"));
    let short_iv = decrypt(KEY, "AAAA", &data, None).unwrap_err();
    assert!(short_iv.msg.contains("iv"));
    // A '+' turned into a space by a careless form encoder still decodes.
    let spaced = data.replace('+', " ");
    assert!(decrypt(KEY, IV, &spaced, None).is_ok());
}
