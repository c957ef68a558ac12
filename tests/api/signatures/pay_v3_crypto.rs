//! WeChat Pay's encrypted payloads: AEAD_AES_256_GCM resources in notifies and in
//! `/v3/certificates`, and the v2 refund notify's `req_info`.

use leida::wechat::pay_v3::aead::{decrypt, encrypt};
use leida::wechat::pay_v3::notify::platform_certificates;
use leida::wechat::pay_v3::refund_v2::{decrypt_req_info, encrypt_req_info};
use leida::wechat::pay_v3::verify::answer_message;
use leida::wechat::pay_v3::{
    load_certificates, open_notify, ApiV3Key, KeySet, PayV3Error, Resource, SignedMessage,
};
use serde_json::json;

use super::*;

const API_V3_KEY: &str = "LeidaTestApiV3Key000000000000000";
const PAYLOAD: &str = r#"{"out_trade_no":"1217752501201407033233368018","trade_state":"SUCCESS","amount":{"total":100}}"#;
/// Python `cryptography`'s AESGCM over PAYLOAD, nonce "fdasflkja484", aad "transaction".
const PAYLOAD_PYTHON: &str = "SR1SacUBQqBWvnQEGV8xYDkeIcTmPf4wvyy3XlRTQ9md0edFed4D1L5aZi2liPtefp3m+OCVEpslAMh/0Bh32lKXggtBMrvZBGZBbKIFOpnDdkGI2+pjJY85jbZpQwsZH3CWfen/4LER2K+bsdU=";
const NOW: i64 = 1_700_000_000;

fn key() -> ApiV3Key {
    ApiV3Key::new(API_V3_KEY).unwrap()
}

#[test]
fn aes_gcm_opens_what_another_implementation_sealed() {
    let plain = decrypt(&key(), "transaction", "fdasflkja484", PAYLOAD_PYTHON).unwrap();
    assert_eq!(plain, PAYLOAD.as_bytes());
    assert_eq!(
        encrypt(&key(), "transaction", "fdasflkja484", PAYLOAD.as_bytes()).unwrap(),
        PAYLOAD_PYTHON
    );
}

#[test]
fn aes_gcm_refuses_any_change() {
    let mut bytes = base64_decode(PAYLOAD_PYTHON);
    bytes[10] ^= 1;
    let tampered = base64_encode(&bytes);
    let refused = |r: Result<Vec<u8>, PayV3Error>| matches!(r, Err(PayV3Error::Decrypt(_)));
    assert!(refused(decrypt(
        &key(),
        "transaction",
        "fdasflkja484",
        &tampered
    )));
    assert!(refused(decrypt(
        &key(),
        "certificate",
        "fdasflkja484",
        PAYLOAD_PYTHON
    )));
    assert!(refused(decrypt(
        &key(),
        "transaction",
        "fdasflkja485",
        PAYLOAD_PYTHON
    )));
    let other = ApiV3Key::new("LeidaTestApiV3Key000000000000001").unwrap();
    assert!(refused(decrypt(
        &other,
        "transaction",
        "fdasflkja484",
        PAYLOAD_PYTHON
    )));
    assert!(refused(decrypt(
        &key(),
        "transaction",
        "short",
        PAYLOAD_PYTHON
    )));
    assert!(refused(decrypt(
        &key(),
        "transaction",
        "fdasflkja484",
        "@@not base64@@"
    )));
}

#[test]
fn api_v3_key_must_be_32_bytes() {
    assert!(matches!(
        ApiV3Key::new("too short"),
        Err(PayV3Error::Key(_))
    ));
    assert!(matches!(
        ApiV3Key::new(&format!("{API_V3_KEY}x")),
        Err(PayV3Error::Key(_))
    ));
    assert!(!format!("{:?}", key()).contains(API_V3_KEY));
}

/// A notify as the fake WeChat Pay sends it: encrypted with the APIv3 key, signed with its key.
fn notify_body(plain: &str) -> String {
    let resource = Resource::seal(
        &key(),
        "transaction",
        "fdasflkja484",
        "transaction",
        plain.as_bytes(),
    )
    .unwrap();
    json!({
        "id": "EV-2018022511223320873",
        "create_time": "2015-05-20T13:29:35+08:00",
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "支付成功",
        "resource": resource,
    })
    .to_string()
}

#[test]
fn notify_opens_after_its_signature_verifies() {
    let keys = KeySet::new().with(PUB_KEY_ID, wechatpay_pub());
    let body = notify_body(PAYLOAD);
    let signature = wechatpay_key()
        .sign(answer_message("1700000100", "nonce-1", &body).as_bytes())
        .unwrap();
    let signed = SignedMessage {
        timestamp: "1700000100",
        nonce: "nonce-1",
        signature: &signature,
        serial: PUB_KEY_ID,
        body: &body,
    };
    let (notify, payload) = open_notify(&keys, &key(), &signed, NOW).unwrap();
    assert_eq!(notify.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(payload["out_trade_no"], "1217752501201407033233368018");
    assert_eq!(payload["amount"]["total"], 100);

    // The same notify 301 s later, or with its ciphertext swapped for another, is refused.
    assert!(matches!(
        open_notify(&keys, &key(), &signed, NOW + 401),
        Err(PayV3Error::Skew { .. })
    ));
    let swapped = notify_body(&PAYLOAD.replace("100", "1"));
    let forged = SignedMessage {
        body: &swapped,
        ..signed
    };
    assert_eq!(
        open_notify(&keys, &key(), &forged, NOW),
        Err(PayV3Error::BadSignature)
    );
}

#[test]
fn notify_signed_but_encrypted_with_another_key_is_refused() {
    let keys = KeySet::new().with(PUB_KEY_ID, wechatpay_pub());
    let other = ApiV3Key::new("LeidaTestApiV3Key000000000000001").unwrap();
    let body = notify_body(PAYLOAD);
    let signature = wechatpay_key()
        .sign(answer_message("1700000000", "n", &body).as_bytes())
        .unwrap();
    let signed = SignedMessage {
        timestamp: "1700000000",
        nonce: "n",
        signature: &signature,
        serial: PUB_KEY_ID,
        body: &body,
    };
    assert!(matches!(
        open_notify(&keys, &other, &signed, NOW),
        Err(PayV3Error::Decrypt(_))
    ));
}

fn certificates_body(serial_no: &str) -> String {
    let resource = Resource::seal(
        &key(),
        "certificate",
        "4de73afd28b6",
        "",
        PLATFORM_CERT.as_bytes(),
    )
    .unwrap();
    json!({"data": [{
        "serial_no": serial_no,
        "effective_time": "2018-06-08T10:34:56+08:00",
        "expire_time": "2023-06-08T10:34:56+08:00",
        "encrypt_certificate": resource,
    }]})
    .to_string()
}

#[test]
fn certificate_list_is_decrypted_and_trusted_once_it_verifies_itself() {
    let body = certificates_body(PLATFORM_SERIAL);
    let platform = MerchantKey::from_pem(PLATFORM_KEY).unwrap();
    let signature = platform
        .sign(answer_message("1700000000", "n", &body).as_bytes())
        .unwrap();
    let signed = SignedMessage {
        timestamp: "1700000000",
        nonce: "n",
        signature: &signature,
        serial: PLATFORM_SERIAL,
        body: &body,
    };
    let known = KeySet::new().with(PUB_KEY_ID, wechatpay_pub());
    let keys = load_certificates(&known, &signed, &key(), NOW).unwrap();
    assert_eq!(
        keys.ids().collect::<Vec<_>>(),
        [PUB_KEY_ID, PLATFORM_SERIAL]
    );
    assert_eq!(keys.get(PLATFORM_SERIAL), Some(&platform.public_key()));

    // Signed by another key under that serial: nothing is trusted.
    let forged = wechatpay_key()
        .sign(answer_message("1700000000", "n", &body).as_bytes())
        .unwrap();
    let signed = SignedMessage {
        signature: &forged,
        ..signed
    };
    assert_eq!(
        load_certificates(&known, &signed, &key(), NOW).unwrap_err(),
        PayV3Error::BadSignature
    );
}

#[test]
fn certificate_listed_under_another_serial_is_refused() {
    let body = certificates_body("1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C");
    assert!(matches!(
        platform_certificates(&body, &key()),
        Err(PayV3Error::Malformed(_))
    ));
}

const V2_KEY: &str = "192006250b4c09247ec02edce69f6a2d";
/// `openssl enc -aes-256-ecb` of a refund XML under md5(V2_KEY) (fixtures README).
const REQ_INFO_OPENSSL: &str = "WBzGpzQuNpcFxIlFjUUD9Cu8k64/SIERgxT2leZdH4IzICsioXqzXM8KwH/du6kv4lnwVBNLK4GfhWwAA1yf7RMxECDmmbPRGDuAzq4n5gkWJY9B0igfoCnYyXITGqnfecUouhl1uI6caGm+e9Qv7DnCq/3u0Vi9bOYklLhFPAL+y8Gvh7eVLcDtqCwGCTlDmQkNZKVjpCmIcn5X0yE2MqMMmrbJ6TW9XjjHubPnP3D268Zk8y9e33ByNXAEMy0yZSjdwZhoVNVwBb78Z6z3Ag==";

#[test]
fn v2_req_info_decrypts_what_openssl_encrypted() {
    let fields = decrypt_req_info(REQ_INFO_OPENSSL, V2_KEY).unwrap();
    assert_eq!(fields["out_refund_no"], "1217752501201407033233368018");
    assert_eq!(fields["refund_status"], "SUCCESS");
    assert_eq!(fields["settlement_refund_fee"], "100");
}

#[test]
fn v2_req_info_round_trip_and_refusals() {
    let xml = "<root><out_refund_no>R1</out_refund_no><refund_fee>16</refund_fee><refund_status>SUCCESS</refund_status></root>";
    let req_info = encrypt_req_info(xml, V2_KEY);
    let fields = decrypt_req_info(&req_info, V2_KEY).unwrap();
    assert_eq!(fields["out_refund_no"], "R1");
    assert_eq!(fields["refund_fee"], "16");
    assert!(decrypt_req_info(&req_info, "another-merchant-key-0000000000000").is_err());
    assert!(matches!(
        decrypt_req_info("QUJD", V2_KEY),
        Err(PayV3Error::Decrypt(_))
    ));
    let hostile = encrypt_req_info(
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><root><a>&e;</a></root>",
        V2_KEY,
    );
    assert!(matches!(
        decrypt_req_info(&hostile, V2_KEY),
        Err(PayV3Error::Malformed(_))
    ));
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
