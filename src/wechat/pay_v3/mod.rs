//! WeChat Pay API v3 primitives: keys, the WECHATPAY2-SHA256-RSA2048 request signature,
//! answer/notify verification, AEAD_AES_256_GCM resources, mini-program pay parameters and
//! the v2 refund notify's `req_info`. Pure functions over bytes and strings; no HTTP here.

pub mod aead;
pub mod keys;
pub mod notify;
pub mod refund_v2;
pub mod sign;
pub mod verify;

use std::fmt;

use crate::error::ApiError;

pub use aead::{ApiV3Key, Resource};
pub use keys::{MerchantKey, PublicKey};
pub use notify::{load_certificates, open_notify, Notify};
pub use sign::{mini_program_pay_params, MerchantSigner, MiniPayParams};
pub use verify::{KeySet, SignedMessage, MAX_SKEW_SECS};

/// Why a v3 primitive refused. The messages name the part at fault and never a key's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayV3Error {
    /// Key material that cannot be used (bad PEM, not RSA, too short, APIv3 key not 32 bytes).
    Key(String),
    /// A `Wechatpay-*` header is absent.
    MissingHeader(&'static str),
    /// `Wechatpay-Timestamp` is not a number, or too far from our clock.
    Skew { timestamp: String, now: i64 },
    /// `Wechatpay-Serial` names no key we hold.
    UnknownSerial(String),
    /// The signature does not verify with the key the serial names.
    BadSignature,
    /// An encrypted resource that does not open (wrong key, tampered, malformed).
    Decrypt(String),
    /// A body that is not what WeChat Pay documents.
    Malformed(String),
}

impl fmt::Display for PayV3Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PayV3Error::Key(why) => write!(f, "微信支付密钥不可用: {why}"),
            PayV3Error::MissingHeader(name) => write!(f, "缺少应答头 {name}"),
            PayV3Error::Skew { timestamp, now } => {
                write!(
                    f,
                    "Wechatpay-Timestamp {timestamp:?} 与本机时间 {now} 相差超过 5 分钟"
                )
            }
            PayV3Error::UnknownSerial(serial) => write!(f, "未知的微信支付证书/公钥 {serial}"),
            PayV3Error::BadSignature => write!(f, "微信支付签名校验失败"),
            PayV3Error::Decrypt(why) => write!(f, "微信支付密文无法解密: {why}"),
            PayV3Error::Malformed(why) => write!(f, "微信支付报文格式错误: {why}"),
        }
    }
}

impl std::error::Error for PayV3Error {}

/// For handlers: the caller hears a generic refusal, the log gets the reason.
impl From<PayV3Error> for ApiError {
    fn from(e: PayV3Error) -> Self {
        let mut error = ApiError::upstream("微信支付应答校验失败, 请稍后再试");
        error.detail = Some(e.to_string());
        error
    }
}
