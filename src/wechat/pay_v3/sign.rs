//! Our side's signatures: the `Authorization` header of every v3 request
//! (WECHATPAY2-SHA256-RSA2048) and the RSA-signed parameters of `wx.requestPayment`.

use rand::distr::{Alphanumeric, SampleString};
use serde::{Deserialize, Serialize};

use super::keys::MerchantKey;
use super::PayV3Error;

/// The scheme name that opens the `Authorization` header.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// A merchant as v3 requests name it: `mchid`, the serial of its API certificate, its key.
#[derive(Debug)]
pub struct MerchantSigner {
    pub mch_id: String,
    pub serial_no: String,
    pub key: MerchantKey,
}

impl MerchantSigner {
    /// The `Authorization` header value for one request. `url` may be a full URL or its
    /// path and query; only the path and query are signed. `body` is "" for a GET.
    pub fn authorization(
        &self,
        method: &str,
        url: &str,
        body: &str,
        timestamp: i64,
        nonce: &str,
    ) -> Result<String, PayV3Error> {
        let message = request_message(method, path_and_query(url), timestamp, nonce, body);
        let signature = self.key.sign(message.as_bytes())?;
        Ok(authorization_header(
            &self.mch_id,
            &self.serial_no,
            nonce,
            timestamp,
            &signature,
        ))
    }
}

/// The signed message of a request: `METHOD\nURL\ntimestamp\nnonce\nbody\n`.
pub fn request_message(method: &str, url: &str, timestamp: i64, nonce: &str, body: &str) -> String {
    format!("{method}\n{url}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The header value, fields in the documented order.
pub fn authorization_header(
    mch_id: &str,
    serial_no: &str,
    nonce: &str,
    timestamp: i64,
    signature: &str,
) -> String {
    format!(
        "{SCHEME} mchid=\"{mch_id}\",nonce_str=\"{nonce}\",signature=\"{signature}\",timestamp=\"{timestamp}\",serial_no=\"{serial_no}\""
    )
}

/// `https://api.mch.weixin.qq.com/v3/x?y=1` → `/v3/x?y=1`; a path is returned as it is.
pub fn path_and_query(url: &str) -> &str {
    let Some(scheme_end) = url.find("://") else {
        return url;
    };
    let after = &url[scheme_end + 3..];
    match after.find('/') {
        Some(slash) => &after[slash..],
        None => "/",
    }
}

/// A fresh 32-character nonce for `nonce_str` / `nonceStr`.
pub fn nonce_str() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}

/// What the mini-program passes to `wx.requestPayment` for a v3 JSAPI prepay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MiniPayParams {
    pub app_id: String,
    pub time_stamp: String,
    pub nonce_str: String,
    pub package: String,
    pub sign_type: String,
    pub pay_sign: String,
}

/// Signs `appId\ntimeStamp\nnonceStr\npackage\n` with the merchant key (`signType` RSA).
pub fn mini_program_pay_params(
    key: &MerchantKey,
    app_id: &str,
    prepay_id: &str,
    timestamp: i64,
    nonce: &str,
) -> Result<MiniPayParams, PayV3Error> {
    let package = format!("prepay_id={prepay_id}");
    let time_stamp = timestamp.to_string();
    let message = format!("{app_id}\n{time_stamp}\n{nonce}\n{package}\n");
    Ok(MiniPayParams {
        app_id: app_id.into(),
        time_stamp,
        nonce_str: nonce.into(),
        package,
        sign_type: "RSA".into(),
        pay_sign: key.sign(message.as_bytes())?,
    })
}

impl MiniPayParams {
    /// The message `pay_sign` signs, for checking it (the fakes and tests do).
    pub fn message(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n",
            self.app_id, self.time_stamp, self.nonce_str, self.package
        )
    }
}
