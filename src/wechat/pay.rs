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

/// Every notify is kept as received, with what we made of it (SPEC §8).
pub fn record_notify(
    conn: &Connection,
    app: &str,
    body: &str,
    verdict: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO pay_notify (app, body, verdict, create_date) VALUES (?1, ?2, ?3, ?4)",
        params![app, body, verdict, crate::clock::now()],
    )?;
    Ok(())
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
