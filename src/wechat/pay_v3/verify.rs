//! Their side's signatures: every answer and notify from WeChat Pay carries
//! `Wechatpay-Timestamp`, `-Nonce`, `-Signature` and `-Serial`; the signature is RSA-SHA256
//! over `timestamp\nnonce\nbody\n` with the key the serial names.

use super::keys::PublicKey;
use super::PayV3Error;

pub const HEADER_TIMESTAMP: &str = "Wechatpay-Timestamp";
pub const HEADER_NONCE: &str = "Wechatpay-Nonce";
pub const HEADER_SIGNATURE: &str = "Wechatpay-Signature";
pub const HEADER_SERIAL: &str = "Wechatpay-Serial";

/// An answer or notify is refused when its timestamp is further than this from our clock.
pub const MAX_SKEW_SECS: i64 = 300;

/// The signed parts of one answer or notify, borrowed from its headers and body.
#[derive(Debug, Clone, Copy)]
pub struct SignedMessage<'a> {
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub serial: &'a str,
    pub body: &'a str,
}

impl<'a> SignedMessage<'a> {
    /// Collects the four headers through `header` (a case-insensitive lookup, such as
    /// Rocket's `headers().get_one` or `http::HeaderMap::get`); a missing one is refused.
    pub fn from_headers(
        header: impl Fn(&str) -> Option<&'a str>,
        body: &'a str,
    ) -> Result<SignedMessage<'a>, PayV3Error> {
        let get = |name: &'static str| header(name).ok_or(PayV3Error::MissingHeader(name));
        Ok(SignedMessage {
            timestamp: get(HEADER_TIMESTAMP)?,
            nonce: get(HEADER_NONCE)?,
            signature: get(HEADER_SIGNATURE)?,
            serial: get(HEADER_SERIAL)?,
            body,
        })
    }

    /// `timestamp\nnonce\nbody\n`.
    pub fn message(&self) -> String {
        answer_message(self.timestamp, self.nonce, self.body)
    }
}

/// The message an answer's signature covers.
pub fn answer_message(timestamp: &str, nonce: &str, body: &str) -> String {
    format!("{timestamp}\n{nonce}\n{body}\n")
}

/// The keys WeChat Pay may sign with, each under the id `Wechatpay-Serial` names it by: the
/// WeChat Pay public key under its `PUB_KEY_ID_…`, platform certificates under their serials.
#[derive(Debug, Clone, Default)]
pub struct KeySet {
    keys: Vec<(String, PublicKey)>,
}

impl KeySet {
    pub fn new() -> KeySet {
        KeySet::default()
    }

    /// Adds (or replaces) the key named `id`.
    pub fn insert(&mut self, id: &str, key: PublicKey) {
        let id = id.trim();
        self.keys
            .retain(|(known, _)| !known.eq_ignore_ascii_case(id));
        self.keys.push((id.to_string(), key));
    }

    /// `insert`, for building a set in one expression.
    pub fn with(mut self, id: &str, key: PublicKey) -> KeySet {
        self.insert(id, key);
        self
    }

    pub fn get(&self, id: &str) -> Option<&PublicKey> {
        let id = id.trim();
        self.keys
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(id))
            .map(|(_, key)| key)
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Accepts `signed` only when its timestamp is within `MAX_SKEW_SECS` of `now` (Unix
    /// seconds), its serial names a key of this set, and the signature verifies with that key.
    /// WeChat Pay's probe signatures (`WECHATPAY/SIGNTEST/…`) fail here, as they must.
    pub fn verify(&self, signed: &SignedMessage, now: i64) -> Result<(), PayV3Error> {
        let timestamp: i64 = signed
            .timestamp
            .trim()
            .parse()
            .map_err(|_| skew(signed, now))?;
        if timestamp.abs_diff(now) > MAX_SKEW_SECS.unsigned_abs() {
            return Err(skew(signed, now));
        }
        let key = self
            .get(signed.serial)
            .ok_or_else(|| PayV3Error::UnknownSerial(signed.serial.to_string()))?;
        if key.verify(signed.message().as_bytes(), signed.signature) {
            Ok(())
        } else {
            Err(PayV3Error::BadSignature)
        }
    }
}

fn skew(signed: &SignedMessage, now: i64) -> PayV3Error {
    PayV3Error::Skew {
        timestamp: signed.timestamp.to_string(),
        now,
    }
}
