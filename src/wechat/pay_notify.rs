//! The Rocket side of WeChat Pay's notifies, for both versions on the same URL: a v3 notify
//! carries `Wechatpay-*` headers and a JSON body and is answered 204 (or 4xx with
//! `{code, message}`); a v2 notify is XML answered with XML. Refund notifies of both versions
//! are opened here too (v2's `req_info`).

use std::collections::BTreeMap;

use rocket::http::{ContentType, Status};
use rocket::request::{self, FromRequest, Request};
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;
use serde_json::{json, Value};

use super::merchant::{PayAccount, V3Keys};
use super::pay::{self, Verdict};
use super::pay_v3::refund_v2::decrypt_req_info;
use super::pay_v3::verify::{HEADER_NONCE, HEADER_SERIAL, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use super::pay_v3::{open_notify, Notify, PayV3Error, SignedMessage};
use super::WeChat;
use crate::error::ApiResult;

/// The `Wechatpay-*` headers of a notify, whichever are present.
#[derive(Debug, Clone, Default)]
pub struct NotifyHeaders {
    values: Vec<(&'static str, String)>,
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for NotifyHeaders {
    type Error = std::convert::Infallible;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, Self::Error> {
        let values = [
            HEADER_TIMESTAMP,
            HEADER_NONCE,
            HEADER_SIGNATURE,
            HEADER_SERIAL,
        ]
        .into_iter()
        .filter_map(|name| Some((name, req.headers().get_one(name)?.to_string())))
        .collect();
        request::Outcome::Success(NotifyHeaders { values })
    }
}

impl NotifyHeaders {
    pub fn new(values: Vec<(&'static str, String)>) -> NotifyHeaders {
        NotifyHeaders { values }
    }

    /// A v3 notify: signed in headers, or a JSON body.
    pub fn is_v3(&self, body: &str) -> bool {
        !self.values.is_empty() || body.trim_start().starts_with('{')
    }

    pub fn signed<'a>(&'a self, body: &'a str) -> Result<SignedMessage<'a>, PayV3Error> {
        SignedMessage::from_headers(
            |name| {
                self.values
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
            },
            body,
        )
    }

    /// `Wechatpay-Serial`, which names the key that signed.
    pub fn serial(&self) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| *k == HEADER_SERIAL)
            .map(|(_, v)| v.as_str())
    }
}

/// A v3 notify opened for one merchant: verified, then decrypted (blocking: platform
/// certificates may be fetched when the serial is not yet known).
pub fn open_v3(
    wechat: &WeChat,
    keys: &V3Keys,
    signed: &SignedMessage,
) -> Result<(Notify, Value), PayV3Error> {
    let set = wechat
        .v3_keys(keys, Some(signed.serial))
        .map_err(|_| PayV3Error::UnknownSerial(signed.serial.to_string()))?;
    open_notify(&set, &keys.api_key, signed, pay_api_now())
}

fn pay_api_now() -> i64 {
    super::pay_api::unix_now()
}

/// What a refused v3 notify was judged to be.
pub fn verdict_of(e: &PayV3Error) -> Verdict {
    match e {
        PayV3Error::Skew { .. } => Verdict::Stale,
        PayV3Error::MissingHeader(_)
        | PayV3Error::UnknownSerial(_)
        | PayV3Error::BadSignature
        | PayV3Error::Key(_) => Verdict::BadSignature,
        PayV3Error::Decrypt(_) | PayV3Error::Malformed(_) => Verdict::Malformed,
    }
}

/// A v2 refund notify (`req_info` present): the decrypted refund fields when its appid and
/// mch_id are `account`'s and `req_info` opens with md5 of its key.
pub fn open_v2_refund(
    account: &PayAccount,
    fields: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, Verdict> {
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if field("return_code") != "SUCCESS" {
        return Err(Verdict::NotSuccess);
    }
    if field("appid") != account.appid || field("mch_id") != account.mch_id {
        return Err(Verdict::MerchantMismatch);
    }
    decrypt_req_info(field("req_info"), &account.v2_key).map_err(|_| Verdict::BadSignature)
}

/// A refund notify's facts, from either version.
#[derive(Debug, Clone)]
pub struct RefundNotice {
    pub mch_id: String,
    pub out_refund_no: String,
    pub refund_id: String,
    pub refund_fen: Option<i64>,
    /// `SUCCESS`, `CLOSED`, `ABNORMAL` (v3) or `SUCCESS`, `CHANGE`, `REFUNDCLOSE` (v2).
    pub status: String,
}

impl RefundNotice {
    pub fn from_v3(payload: &Value) -> RefundNotice {
        let text = |k: &str| {
            payload
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        RefundNotice {
            mch_id: text("mchid"),
            out_refund_no: text("out_refund_no"),
            refund_id: text("refund_id"),
            refund_fen: payload.pointer("/amount/refund").and_then(Value::as_i64),
            status: text("refund_status"),
        }
    }

    pub fn from_v2(mch_id: &str, info: &BTreeMap<String, String>) -> RefundNotice {
        let field = |k: &str| info.get(k).cloned().unwrap_or_default();
        RefundNotice {
            mch_id: mch_id.to_string(),
            out_refund_no: field("out_refund_no"),
            refund_id: field("refund_id"),
            refund_fen: field("refund_fee").parse().ok(),
            status: field("refund_status"),
        }
    }

    pub fn succeeded(&self) -> bool {
        self.status == "SUCCESS"
    }
}

/// The answer to a notify.
pub enum NotifyAnswer {
    /// v2: XML, HTTP 200.
    Xml(String),
    /// v3: 204 when accepted, else the status with `{code, message}`.
    V3(Verdict),
    /// v3, the server failed: 500, WeChat retries.
    V3Error,
}

impl NotifyAnswer {
    pub fn judged(v3: bool, judged: ApiResult<Verdict>, app: &str) -> NotifyAnswer {
        match (v3, judged) {
            (false, Ok(verdict)) => NotifyAnswer::Xml(verdict.reply()),
            (true, Ok(verdict)) => NotifyAnswer::V3(verdict),
            (v3, Err(e)) => {
                log::error!("{app} pay notify: {e}");
                if v3 {
                    NotifyAnswer::V3Error
                } else {
                    NotifyAnswer::Xml(pay::reply(false, "服务器内部错误"))
                }
            }
        }
    }
}

/// The v3 status for a verdict: 204, or a 4xx WeChat retries later.
fn v3_status(verdict: Verdict) -> Status {
    match verdict {
        v if v.accepted() => Status::NoContent,
        Verdict::BadSignature | Verdict::Stale => Status::Unauthorized,
        Verdict::UnknownOrder => Status::NotFound,
        Verdict::OrderClosed => Status::Conflict,
        Verdict::NotConfigured => Status::ServiceUnavailable,
        _ => Status::BadRequest,
    }
}

impl<'r> Responder<'r, 'static> for NotifyAnswer {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        match self {
            NotifyAnswer::Xml(xml) => (ContentType::XML, xml).respond_to(req),
            NotifyAnswer::V3(verdict) if verdict.accepted() => {
                Response::build().status(Status::NoContent).ok()
            }
            NotifyAnswer::V3(verdict) => {
                let body = json!({"code": "FAIL", "message": verdict.text()});
                Response::build_from(Json(body).respond_to(req)?)
                    .status(v3_status(verdict))
                    .ok()
            }
            NotifyAnswer::V3Error => {
                let body = json!({"code": "FAIL", "message": "服务器内部错误"});
                Response::build_from(Json(body).respond_to(req)?)
                    .status(Status::InternalServerError)
                    .ok()
            }
        }
    }
}
