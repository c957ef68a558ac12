//! The two signed-and-encrypted bodies WeChat Pay sends: a notify (`TRANSACTION.SUCCESS`,
//! `REFUND.SUCCESS`, …) and the `/v3/certificates` answer of older merchants.

use serde::Deserialize;
use serde_json::Value;

use super::aead::{ApiV3Key, Resource};
use super::keys::PublicKey;
use super::verify::{KeySet, SignedMessage};
use super::PayV3Error;

/// A notify's envelope; `resource` holds the encrypted payload.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Notify {
    pub id: String,
    #[serde(default)]
    pub create_time: String,
    pub event_type: String,
    #[serde(default)]
    pub resource_type: String,
    pub resource: Resource,
    #[serde(default)]
    pub summary: String,
}

/// Verifies a notify (timestamp within 5 minutes of `now`, key named by its serial, signature
/// over `timestamp\nnonce\nbody\n`), then decrypts its resource. Only then is anything in it
/// read: the envelope and the decrypted JSON payload (a transaction or a refund).
pub fn open_notify(
    keys: &KeySet,
    api_key: &ApiV3Key,
    signed: &SignedMessage,
    now: i64,
) -> Result<(Notify, Value), PayV3Error> {
    keys.verify(signed, now)?;
    let notify: Notify = serde_json::from_str(signed.body)
        .map_err(|e| PayV3Error::Malformed(format!("通知不是约定的 JSON ({e})")))?;
    let plain = notify.resource.decrypt(api_key)?;
    let payload = serde_json::from_slice(&plain)
        .map_err(|e| PayV3Error::Malformed(format!("解密后的通知不是 JSON ({e})")))?;
    Ok((notify, payload))
}

/// One entry of the `/v3/certificates` answer.
#[derive(Debug, Clone, Deserialize)]
pub struct CertificateEntry {
    pub serial_no: String,
    #[serde(default)]
    pub effective_time: String,
    #[serde(default)]
    pub expire_time: String,
    pub encrypt_certificate: Resource,
}

#[derive(Deserialize)]
struct CertificateList {
    data: Vec<CertificateEntry>,
}

/// Decrypts every certificate of a `/v3/certificates` body. Each certificate's own serial
/// must equal the `serial_no` it is listed under.
pub fn platform_certificates(
    body: &str,
    api_key: &ApiV3Key,
) -> Result<Vec<(String, PublicKey)>, PayV3Error> {
    let list: CertificateList = serde_json::from_str(body)
        .map_err(|e| PayV3Error::Malformed(format!("证书列表不是约定的 JSON ({e})")))?;
    let mut certificates = Vec::new();
    for entry in list.data {
        let pem = entry.encrypt_certificate.decrypt(api_key)?;
        let pem = String::from_utf8(pem)
            .map_err(|_| PayV3Error::Malformed("解密后的证书不是 PEM 文本".into()))?;
        let (serial, key) = PublicKey::from_certificate_pem(&pem)?;
        if !serial.eq_ignore_ascii_case(entry.serial_no.trim()) {
            return Err(PayV3Error::Malformed(format!(
                "证书序列号 {serial} 与列表中的 {} 不符",
                entry.serial_no
            )));
        }
        certificates.push((serial, key));
    }
    Ok(certificates)
}

/// The platform certificates of a `/v3/certificates` answer as a key set, trusted only after
/// the answer itself verifies with one of them (the certificate list is signed by a
/// certificate it contains; the APIv3 key that decrypts them is what vouches for them).
/// `known` keys (a configured WeChat Pay public key, older certificates) are kept.
pub fn load_certificates(
    known: &KeySet,
    signed: &SignedMessage,
    api_key: &ApiV3Key,
    now: i64,
) -> Result<KeySet, PayV3Error> {
    let mut keys = known.clone();
    for (serial, key) in platform_certificates(signed.body, api_key)? {
        keys.insert(&serial, key);
    }
    keys.verify(signed, now)?;
    Ok(keys)
}
