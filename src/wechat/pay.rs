//! WeChat Pay v2: MD5-signed XML for the unified order, and notify verification.

use std::collections::BTreeMap;

use quick_xml::events::Event;
use quick_xml::Reader;
use rand::distr::{Alphanumeric, SampleString};
use rusqlite::{params, Connection};
use subtle::ConstantTimeEq;

use super::WeChat;
use crate::error::{ApiError, ApiResult};

/// Who gets paid: the mini-program (or official account) appid and the merchant's key.
#[derive(Debug, Clone)]
pub struct Merchant {
    pub appid: String,
    pub mch_id: String,
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeType {
    /// Paid inside the mini-program (`wx.requestPayment`); needs the payer's openid.
    Jsapi,
    /// Paid by scanning `code_url`.
    Native,
}

impl TradeType {
    fn name(self) -> &'static str {
        match self {
            TradeType::Jsapi => "JSAPI",
            TradeType::Native => "NATIVE",
        }
    }
}

pub struct UnifiedOrder<'a> {
    pub body: &'a str,
    pub out_trade_no: &'a str,
    /// In fen.
    pub total_fee: i64,
    pub client_ip: &'a str,
    pub notify_url: &'a str,
    pub trade_type: TradeType,
    pub openid: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct Prepay {
    pub prepay_id: String,
    pub code_url: Option<String>,
}

impl WeChat {
    /// Places the order with WeChat Pay; the answer must carry a valid signature.
    pub fn unified_order(&self, m: &Merchant, order: &UnifiedOrder) -> ApiResult<Prepay> {
        let mut fields = BTreeMap::new();
        let mut put = |k: &str, v: &str| {
            fields.insert(k.to_string(), v.to_string());
        };
        put("appid", &m.appid);
        put("mch_id", &m.mch_id);
        put("nonce_str", &nonce());
        put("body", order.body);
        put("out_trade_no", order.out_trade_no);
        put("total_fee", &order.total_fee.to_string());
        put("spbill_create_ip", order.client_ip);
        put("notify_url", order.notify_url);
        put("trade_type", order.trade_type.name());
        if let Some(openid) = order.openid {
            put("openid", openid);
        }
        let signature = sign(&fields, &m.key);
        fields.insert("sign".into(), signature);

        let url = format!("{}/pay/unifiedorder", self.pay_base);
        let answer = self.post_text(&url, "text/xml", to_xml(&fields))?;
        let answer = from_xml(&answer)
            .map_err(|e| ApiError::upstream(format!("微信支付回答无法解析: {e}")))?;
        let field = |k: &str| answer.get(k).map(String::as_str).unwrap_or("");
        if field("return_code") != "SUCCESS" {
            return Err(ApiError::upstream(format!(
                "微信支付下单失败: {}",
                field("return_msg")
            )));
        }
        if !verify(&answer, &m.key) {
            return Err(ApiError::upstream("微信支付下单失败: 回答的签名无效"));
        }
        if field("result_code") != "SUCCESS" {
            return Err(ApiError::upstream(format!(
                "微信支付下单失败: {} {}",
                field("err_code"),
                field("err_code_des")
            )));
        }
        if field("prepay_id").is_empty() {
            return Err(ApiError::upstream("微信支付下单失败: 回答缺少 prepay_id"));
        }
        Ok(Prepay {
            prepay_id: field("prepay_id").to_string(),
            code_url: answer.get("code_url").cloned(),
        })
    }
}

/// The five fields `wx.requestPayment` needs (plus `appId`), signed as WeChat requires.
pub fn jsapi_fields(m: &Merchant, prepay_id: &str) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::from([
        ("appId".to_string(), m.appid.clone()),
        (
            "timeStamp".to_string(),
            chrono::Utc::now().timestamp().to_string(),
        ),
        ("nonceStr".to_string(), nonce()),
        ("package".to_string(), format!("prepay_id={prepay_id}")),
        ("signType".to_string(), "MD5".to_string()),
    ]);
    let pay_sign = sign(&fields, &m.key);
    fields.insert("paySign".into(), pay_sign);
    fields
}

/// MD5 over the non-empty fields but `sign`, in key order, then `&key=`; uppercase hex.
pub fn sign(fields: &BTreeMap<String, String>, key: &str) -> String {
    let mut text = String::new();
    for (k, v) in fields {
        if k == "sign" || v.is_empty() {
            continue;
        }
        text.push_str(k);
        text.push('=');
        text.push_str(v);
        text.push('&');
    }
    text.push_str("key=");
    text.push_str(key);
    format!("{:X}", md5::compute(text))
}

/// True only when `sign` is present and matches (compared in constant time).
pub fn verify(fields: &BTreeMap<String, String>, key: &str) -> bool {
    match fields.get("sign") {
        Some(given) => bool::from(given.as_bytes().ct_eq(sign(fields, key).as_bytes())),
        None => false,
    }
}

pub fn to_xml(fields: &BTreeMap<String, String>) -> String {
    let mut xml = String::from("<xml>");
    for (k, v) in fields {
        xml.push_str(&format!(
            "<{k}>{}</{k}>",
            quick_xml::escape::escape(v.as_str())
        ));
    }
    xml.push_str("</xml>");
    xml
}

/// Reads WeChat's flat `<xml><k>v</k>...</xml>`. A DOCTYPE (the XXE vector) or nesting is refused.
pub fn from_xml(xml: &str) -> Result<BTreeMap<String, String>, String> {
    let mut reader = Reader::from_str(xml);
    let mut fields = BTreeMap::new();
    let mut depth = 0;
    let mut current: Option<String> = None;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::DocType(_) => return Err("拒绝带 DOCTYPE 的 XML".into()),
            Event::Start(tag) => {
                depth += 1;
                if depth > 2 {
                    return Err("XML 层级过深".into());
                }
                if depth == 2 {
                    let name = String::from_utf8_lossy(tag.name().as_ref()).into_owned();
                    fields.insert(name.clone(), String::new());
                    current = Some(name);
                }
            }
            Event::End(_) => {
                depth -= 1;
                current = None;
            }
            Event::Text(text) => {
                if let Some(name) = &current {
                    let value = text.unescape().map_err(|e| e.to_string())?;
                    fields.entry(name.clone()).or_default().push_str(&value);
                }
            }
            Event::CData(data) => {
                if let Some(name) = &current {
                    let value = String::from_utf8(data.into_inner().into_owned())
                        .map_err(|e| e.to_string())?;
                    fields.entry(name.clone()).or_default().push_str(&value);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if depth != 0 {
        return Err("XML 不完整".into());
    }
    Ok(fields)
}

/// WeChat's expected answer to a notify.
pub fn reply(ok: bool, msg: &str) -> String {
    let code = if ok { "SUCCESS" } else { "FAIL" };
    format!(
        "<xml><return_code><![CDATA[{code}]]></return_code><return_msg><![CDATA[{}]]></return_msg></xml>",
        msg.replace("]]>", "")
    )
}

/// What a notify was judged to be. The set is fixed, so `/metrics` labels stay few and
/// known whatever a sender writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Paid,
    Repeat,
    PaymentFailed,
    RefundRequested,
    Malformed,
    UnknownOrder,
    BadSignature,
    MerchantMismatch,
    AmountMismatch,
    NotSuccess,
    OrderClosed,
    NotConfigured,
    /// A v3 notify whose `Wechatpay-Timestamp` is more than 5 minutes off.
    Stale,
    /// A refund notify: the money went back.
    Refunded,
    /// A refund notify: the refund was closed or is abnormal.
    RefundFailed,
}

const VERDICTS: [Verdict; 15] = [
    Verdict::Paid,
    Verdict::Repeat,
    Verdict::PaymentFailed,
    Verdict::RefundRequested,
    Verdict::Malformed,
    Verdict::UnknownOrder,
    Verdict::BadSignature,
    Verdict::MerchantMismatch,
    Verdict::AmountMismatch,
    Verdict::NotSuccess,
    Verdict::OrderClosed,
    Verdict::NotConfigured,
    Verdict::Stale,
    Verdict::Refunded,
    Verdict::RefundFailed,
];

impl Verdict {
    /// Whether WeChat hears SUCCESS (it stops sending this notify).
    pub fn accepted(self) -> bool {
        matches!(
            self,
            Verdict::Paid
                | Verdict::Repeat
                | Verdict::PaymentFailed
                | Verdict::RefundRequested
                | Verdict::Refunded
                | Verdict::RefundFailed
        )
    }

    /// Stored in `pay_notify.verdict` and told to WeChat when refused.
    pub fn text(self) -> &'static str {
        match self {
            Verdict::Paid => "已支付",
            Verdict::Repeat => "重复通知, 订单不变",
            Verdict::PaymentFailed => "支付未成功",
            Verdict::RefundRequested => "订单已取消, 已记录退款申请",
            Verdict::Malformed => "XML 无效",
            Verdict::UnknownOrder => "订单不存在",
            Verdict::BadSignature => "签名无效",
            Verdict::MerchantMismatch => "appid 或 mch_id 与订单不符",
            Verdict::AmountMismatch => "金额与订单不符",
            Verdict::NotSuccess => "return_code 不是 SUCCESS",
            Verdict::OrderClosed => "订单已关闭",
            Verdict::NotConfigured => "微信支付未配置",
            Verdict::Stale => "通知时间与本机相差超过 5 分钟",
            Verdict::Refunded => "已退款",
            Verdict::RefundFailed => "退款失败",
        }
    }

    /// The `/metrics` label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Paid => "paid",
            Verdict::Repeat => "repeat",
            Verdict::PaymentFailed => "payment_failed",
            Verdict::RefundRequested => "refund_requested",
            Verdict::Malformed => "malformed",
            Verdict::UnknownOrder => "unknown_order",
            Verdict::BadSignature => "bad_signature",
            Verdict::MerchantMismatch => "merchant_mismatch",
            Verdict::AmountMismatch => "amount_mismatch",
            Verdict::NotSuccess => "not_success",
            Verdict::OrderClosed => "order_closed",
            Verdict::NotConfigured => "not_configured",
            Verdict::Stale => "stale",
            Verdict::Refunded => "refunded",
            Verdict::RefundFailed => "refund_failed",
        }
    }

    /// The verdict a stored text names; `None` for rows written by older versions.
    pub fn from_text(text: &str) -> Option<Verdict> {
        VERDICTS.into_iter().find(|v| v.text() == text)
    }

    /// WeChat's expected answer to the notify.
    pub fn reply(self) -> String {
        if self.accepted() {
            reply(true, "OK")
        } else {
            reply(false, self.text())
        }
    }
}

/// The most of a refused notify's body that is stored: enough to see what was sent, not
/// enough for a sender to fill the disk.
pub const REFUSED_BODY_MAX: usize = 512;

/// Every notify is kept with its verdict (SPEC §8): whole when accepted (well-formed,
/// signed, naming a known order), else its first `REFUSED_BODY_MAX` bytes.
pub fn record_notify(
    conn: &Connection,
    app: &str,
    body: &str,
    verdict: Verdict,
) -> rusqlite::Result<()> {
    let kept = if verdict.accepted() {
        body
    } else {
        crate::text::head_bytes(body, REFUSED_BODY_MAX)
    };
    conn.execute(
        "INSERT INTO pay_notify (app, body, verdict, create_date) VALUES (?1, ?2, ?3, ?4)",
        params![app, kept, verdict.text(), crate::clock::now()],
    )?;
    Ok(())
}

/// How long a refused notify is kept: long enough to look into a dispute with WeChat.
pub const REFUSED_KEEP_DAYS: u32 = 30;

/// Deletes refused notifies older than [`REFUSED_KEEP_DAYS`] (a batch of at most
/// `retention::BATCH`). Accepted ones record a payment and stay.
pub fn prune_refused(c: &Connection, rules: &crate::retention::Rules) -> ApiResult<usize> {
    let refused: Vec<&str> = VERDICTS
        .into_iter()
        .filter(|v| !v.accepted())
        .map(Verdict::text)
        .collect();
    let refused = serde_json::to_string(&refused).map_err(ApiError::internal)?;
    Ok(c.prepare_cached(
        "DELETE FROM pay_notify WHERE id IN (
             SELECT id FROM pay_notify
             WHERE create_date < ?1 AND verdict IN (SELECT value FROM json_each(?2))
             LIMIT ?3)",
    )?
    .execute(params![
        rules.days_ago(REFUSED_KEEP_DAYS),
        refused,
        crate::retention::BATCH as i64
    ])?)
}

pub fn nonce() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 32)
}

/// A notify's raw body. WeChat must always hear XML back, so a body that is too large or not
/// UTF-8 is not a Rocket refusal (a JSON envelope) but an `Err` the handler answers with FAIL.
pub struct NotifyBody(pub Result<String, &'static str>);

#[rocket::async_trait]
impl<'r> rocket::data::FromData<'r> for NotifyBody {
    type Error = std::convert::Infallible;

    async fn from_data(
        _req: &'r rocket::Request<'_>,
        data: rocket::Data<'r>,
    ) -> rocket::data::Outcome<'r, Self> {
        use rocket::data::ToByteUnit;
        let body = match data.open(64.kibibytes()).into_bytes().await {
            Ok(bytes) if bytes.is_complete() => {
                String::from_utf8(bytes.into_inner()).map_err(|_| "通知不是 UTF-8")
            }
            Ok(_) => Err("通知过大"),
            Err(_) => Err("通知读取失败"),
        };
        rocket::data::Outcome::Success(NotifyBody(body))
    }
}
