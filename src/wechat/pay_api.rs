//! Calls to WeChat Pay that move money beyond v2's unified order: v3 requests (signed
//! WECHATPAY2-SHA256-RSA2048, every answer verified before it is read), the v3 prepays and
//! refund, platform certificates for older merchants, and the v2 refund over the client
//! certificate.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use super::merchant::{ClientCert, PayAccount, V3Keys};
use super::pay::{self, nonce};
use super::pay_v3::sign::nonce_str;
use super::pay_v3::verify::{HEADER_NONCE, HEADER_SERIAL, HEADER_SIGNATURE, HEADER_TIMESTAMP};
use super::pay_v3::{load_certificates, KeySet, PayV3Error, SignedMessage};
use super::WeChat;
use crate::error::{ApiError, ApiResult};

/// A v3 answer, verified: its status and JSON body.
#[derive(Debug, Clone)]
pub struct V3Answer {
    pub status: u16,
    pub body: Value,
}

/// An answer as it came: status, the four `Wechatpay-*` headers, the body.
struct RawAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl RawAnswer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What became of a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundSent {
    /// WeChat took it (`refund_id`); the notify will say how it ended.
    Accepted { refund_id: String, done: bool },
    /// WeChat refused it for good (closed, wrong amount, …): the reason.
    Refused(String),
    /// Not this time (unreachable, busy, balance short): try again later.
    Retry(String),
}

/// One refund, as both versions send it.
pub struct RefundRequest<'a> {
    pub out_trade_no: &'a str,
    pub out_refund_no: &'a str,
    pub total_fen: i64,
    pub refund_fen: i64,
    pub reason: &'a str,
    pub notify_url: &'a str,
}

impl WeChat {
    /// The keys that may sign `account`'s answers: its configured public key and every
    /// platform certificate fetched so far; with `serial` unknown, the certificates are
    /// fetched (once per call) from `/v3/certificates`.
    pub fn v3_keys(&self, keys: &V3Keys, serial: Option<&str>) -> ApiResult<KeySet> {
        let mut set = keys.known.clone();
        if let Some(cached) = self.cached_certificates(&keys.signer.mch_id) {
            for id in cached.ids() {
                if let Some(key) = cached.get(id) {
                    set.insert(id, key.clone());
                }
            }
        }
        let missing = match serial {
            Some(serial) => set.get(serial).is_none(),
            None => set.is_empty(),
        };
        if missing && keys.known.is_empty() {
            set = self.fetch_certificates(keys, &set)?;
        }
        Ok(set)
    }

    fn cached_certificates(&self, mch_id: &str) -> Option<KeySet> {
        self.pay_certificates.lock().ok()?.get(mch_id).cloned()
    }

    /// `GET /v3/certificates`: decrypted with the APIv3 key and trusted only when the answer
    /// verifies with one of the certificates it carries.
    fn fetch_certificates(&self, keys: &V3Keys, known: &KeySet) -> ApiResult<KeySet> {
        let url = format!("{}/v3/certificates", self.pay_base);
        let raw = self.v3_send(keys, "GET", &url, "")?;
        if !(200..300).contains(&raw.status) {
            return Err(ApiError::upstream(format!(
                "微信支付平台证书下载失败: HTTP {}",
                raw.status
            )));
        }
        let signed = signed_message(&raw)?;
        let set = load_certificates(known, &signed, &keys.api_key, unix_now())?;
        if let Ok(mut cache) = self.pay_certificates.lock() {
            cache.insert(keys.signer.mch_id.clone(), set.clone());
        }
        Ok(set)
    }

    /// One signed v3 call; the answer is returned only once its signature verifies.
    pub fn v3_call(
        &self,
        keys: &V3Keys,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> ApiResult<V3Answer> {
        let url = format!("{}{path}", self.pay_base);
        let text = body.map(Value::to_string).unwrap_or_default();
        let raw = self.v3_send(keys, method, &url, &text)?;
        let signed = signed_message(&raw)?;
        let set = self.v3_keys(keys, Some(signed.serial))?;
        set.verify(&signed, unix_now())?;
        let body = if raw.body.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&raw.body)
                .map_err(|e| ApiError::from(PayV3Error::Malformed(e.to_string())))?
        };
        Ok(V3Answer {
            status: raw.status,
            body,
        })
    }

    fn v3_send(&self, keys: &V3Keys, method: &str, url: &str, body: &str) -> ApiResult<RawAnswer> {
        let authorization = keys.signer.authorization(
            method,
            url,
            body,
            chrono::Utc::now().timestamp(),
            &nonce_str(),
        )?;
        let mut headers = vec![
            ("Authorization", authorization),
            ("Accept", "application/json".to_string()),
            (
                "User-Agent",
                concat!("leida/", env!("CARGO_PKG_VERSION")).to_string(),
            ),
        ];
        if let Some(id) = keys.known.ids().next() {
            headers.push(("Wechatpay-Serial", id.to_string()));
        }
        let answer = if method == "GET" {
            let mut call = self.agent.get(url);
            for (k, v) in &headers {
                call = call.header(*k, v.as_str());
            }
            call.call()
        } else {
            let mut call = self
                .agent
                .post(url)
                .header("Content-Type", "application/json");
            for (k, v) in &headers {
                call = call.header(*k, v.as_str());
            }
            call.send(body)
        };
        read_answer(url, answer)
    }

    /// `/v3/pay/transactions/jsapi` (with `openid`) or `/native`: the prepay id, or the
    /// `code_url` of a NATIVE order.
    pub fn v3_prepay(
        &self,
        account: &PayAccount,
        order: &pay::UnifiedOrder,
    ) -> ApiResult<pay::Prepay> {
        let keys = account.v3_keys()?;
        let mut body = json!({
            "appid": account.appid,
            "mchid": account.mch_id,
            "description": order.body,
            "out_trade_no": order.out_trade_no,
            "notify_url": order.notify_url,
            "amount": {"total": order.total_fee, "currency": "CNY"},
            "scene_info": {"payer_client_ip": order.client_ip},
        });
        let path = match order.openid {
            Some(openid) => {
                body["payer"] = json!({"openid": openid});
                "/v3/pay/transactions/jsapi"
            }
            None => "/v3/pay/transactions/native",
        };
        let answer = self.v3_call(keys, "POST", path, Some(&body))?;
        if answer.status != 200 {
            return Err(refusal("微信支付下单失败", &answer.body));
        }
        let field = |k: &str| answer.body.get(k).and_then(Value::as_str).map(String::from);
        match (order.openid, field("prepay_id"), field("code_url")) {
            (Some(_), Some(prepay_id), _) => Ok(pay::Prepay {
                prepay_id,
                code_url: None,
            }),
            (None, _, Some(code_url)) => Ok(pay::Prepay {
                prepay_id: String::new(),
                code_url: Some(code_url),
            }),
            _ => Err(ApiError::upstream(
                "微信支付下单失败: 回答缺少 prepay_id/code_url",
            )),
        }
    }

    /// Asks WeChat Pay to refund, with the API the account speaks. Blocking.
    pub fn refund(&self, account: &PayAccount, r: &RefundRequest) -> RefundSent {
        match (&account.v3, &account.client_cert) {
            (Some(keys), _) => self.refund_v3(keys, r),
            (None, Some(cert)) => self.refund_v2(account, cert, r),
            (None, None) => RefundSent::Refused("v2 商户未配置客户端证书, 无法调用退款接口".into()),
        }
    }

    fn refund_v3(&self, keys: &V3Keys, r: &RefundRequest) -> RefundSent {
        let body = json!({
            "out_trade_no": r.out_trade_no,
            "out_refund_no": r.out_refund_no,
            "reason": r.reason,
            "notify_url": r.notify_url,
            "amount": {"refund": r.refund_fen, "total": r.total_fen, "currency": "CNY"},
        });
        let answer = match self.v3_call(keys, "POST", "/v3/refund/domestic/refunds", Some(&body)) {
            Ok(answer) => answer,
            Err(e) => return RefundSent::Retry(e.detail.unwrap_or_else(|| e.msg.to_string())),
        };
        let text = |k: &str| answer.body.get(k).and_then(Value::as_str).unwrap_or("");
        if answer.status == 200 {
            return match text("status") {
                "SUCCESS" | "PROCESSING" => RefundSent::Accepted {
                    refund_id: text("refund_id").to_string(),
                    done: text("status") == "SUCCESS",
                },
                other => RefundSent::Refused(format!("退款状态 {other}")),
            };
        }
        let why = format!("{} {}", text("code"), text("message"));
        match text("code") {
            "SYSTEM_ERROR" | "FREQUENCY_LIMITED" | "NOT_ENOUGH" => RefundSent::Retry(why),
            _ if answer.status >= 500 || answer.status == 429 => RefundSent::Retry(why),
            _ => RefundSent::Refused(why),
        }
    }

    /// `/secapi/pay/refund`: MD5-signed XML over TLS with the merchant's client certificate.
    fn refund_v2(&self, account: &PayAccount, cert: &ClientCert, r: &RefundRequest) -> RefundSent {
        let m = account.v2();
        let mut fields: BTreeMap<String, String> = [
            ("appid", m.appid.as_str()),
            ("mch_id", m.mch_id.as_str()),
            ("nonce_str", &nonce()),
            ("out_trade_no", r.out_trade_no),
            ("out_refund_no", r.out_refund_no),
            ("total_fee", &r.total_fen.to_string()),
            ("refund_fee", &r.refund_fen.to_string()),
            ("refund_desc", r.reason),
            ("notify_url", r.notify_url),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let signature = pay::sign(&fields, &m.key);
        fields.insert("sign".into(), signature);
        let agent = match client_cert_agent(cert) {
            Ok(agent) => agent,
            Err(why) => return RefundSent::Refused(why),
        };
        let url = format!("{}/secapi/pay/refund", self.pay_base);
        let sent = agent
            .post(&url)
            .header("Content-Type", "text/xml")
            .send(pay::to_xml(&fields));
        let text = match sent.map(|mut r| r.body_mut().read_to_string()) {
            Ok(Ok(text)) => text,
            Ok(Err(e)) | Err(e) => return RefundSent::Retry(format!("微信支付无法访问: {e}")),
        };
        let Ok(answer) = pay::from_xml(&text) else {
            return RefundSent::Retry("微信支付的回答不是 XML".into());
        };
        let field = |k: &str| answer.get(k).map(String::as_str).unwrap_or("");
        if field("return_code") != "SUCCESS" {
            return RefundSent::Retry(format!(
                "return_code {}: {}",
                field("return_code"),
                field("return_msg")
            ));
        }
        if !pay::verify(&answer, &m.key) {
            return RefundSent::Retry("微信支付回答的签名无效".into());
        }
        if field("result_code") == "SUCCESS" {
            return RefundSent::Accepted {
                refund_id: field("refund_id").to_string(),
                done: false,
            };
        }
        let why = format!("{} {}", field("err_code"), field("err_code_des"));
        match field("err_code") {
            "SYSTEMERROR" | "BIZERR_NEED_RETRY" | "FREQUENCY_LIMITED" | "NOTENOUGH" => {
                RefundSent::Retry(why)
            }
            _ => RefundSent::Refused(why),
        }
    }
}

/// An agent presenting the merchant's client certificate (rustls client authentication).
fn client_cert_agent(cert: &ClientCert) -> Result<ureq::Agent, String> {
    use ureq::tls::{parse_pem, Certificate, PemItem, PrivateKey, TlsConfig};
    let chain: Vec<Certificate<'static>> = parse_pem(cert.cert_pem.as_bytes())
        .filter_map(|item| match item {
            Ok(PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if chain.is_empty() {
        return Err("客户端证书 PEM 中没有证书".into());
    }
    let key = PrivateKey::from_pem(cert.key_pem.as_bytes())
        .map_err(|e| format!("客户端证书私钥无法读取: {e}"))?;
    let tls = TlsConfig::builder()
        .client_cert(Some(ureq::tls::ClientCert::new_with_certs(&chain, key)))
        .build();
    Ok(ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(10)))
        .http_status_as_error(false)
        .tls_config(tls)
        .build()
        .into())
}

fn read_answer(
    url: &str,
    answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> ApiResult<RawAnswer> {
    let host = url.split('/').take(3).collect::<Vec<_>>().join("/");
    let mut response = answer.map_err(|e| {
        log::warn!("call to {host} failed: {e}");
        ApiError::upstream("微信支付暂时不可用, 请稍后再试")
    })?;
    let headers = [
        HEADER_TIMESTAMP,
        HEADER_NONCE,
        HEADER_SIGNATURE,
        HEADER_SERIAL,
    ]
    .iter()
    .filter_map(|name| {
        let value = response.headers().get(*name)?.to_str().ok()?;
        Some((name.to_string(), value.to_string()))
    })
    .collect();
    let status = response.status().as_u16();
    let body = response.body_mut().read_to_string().map_err(|e| {
        log::warn!("call to {host} failed: {e}");
        ApiError::upstream("微信支付暂时不可用, 请稍后再试")
    })?;
    Ok(RawAnswer {
        status,
        headers,
        body,
    })
}

fn signed_message(raw: &RawAnswer) -> ApiResult<SignedMessage<'_>> {
    Ok(SignedMessage::from_headers(
        |name| raw.header(name),
        &raw.body,
    )?)
}

/// WeChat's `{code, message}` refusal, for the caller.
fn refusal(what: &str, body: &Value) -> ApiError {
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    ApiError::upstream(format!("{what}: {} ({})", text("message"), text("code")))
}

pub fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
