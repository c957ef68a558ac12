//! Text messages through a provider: today's webhook, Tencent Cloud SMS (API 3.0, TC3-HMAC-SHA256)
//! or Aliyun Dysms (RPC signature). `SmsConfig::build` makes the signed request from config
//! values, `SmsConfig::interpret` reads the answer, `send` does both around one HTTP call.

pub mod aliyun;
pub mod tencent;

use std::fmt;

use chrono::{DateTime, Utc};
use rand::distr::{Alphanumeric, SampleString};
use serde_json::{json, Map, Value};

use crate::error::ApiError;

/// The `sms_provider` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsProvider {
    /// POST `{"phone": …, <param>: …}` as JSON to `sms_api`; any 2xx is success.
    Webhook,
    Tencent,
    Aliyun,
}

impl SmsProvider {
    /// `webhook` (also empty), `tencent` or `aliyun`.
    pub fn parse(name: &str) -> Result<SmsProvider, SmsError> {
        match name.trim() {
            "" | "webhook" => Ok(SmsProvider::Webhook),
            "tencent" => Ok(SmsProvider::Tencent),
            "aliyun" => Ok(SmsProvider::Aliyun),
            other => Err(SmsError::Config(format!(
                "sms_provider 须为 webhook、tencent 或 aliyun, 现在是 {other:?}"
            ))),
        }
    }

    /// The base URL used when `sms_api` is empty (the webhook has none: empty means dev mode).
    pub fn default_api(self) -> &'static str {
        match self {
            SmsProvider::Webhook => "",
            SmsProvider::Tencent => tencent::DEFAULT_API,
            SmsProvider::Aliyun => aliyun::DEFAULT_API,
        }
    }
}

/// The SMS settings, as the config keys name them. `Debug` never shows `secret_key`.
#[derive(Clone)]
pub struct SmsConfig {
    pub provider: SmsProvider,
    /// `sms_secret_id`: Tencent SecretId / Aliyun AccessKeyId.
    pub secret_id: String,
    /// `sms_secret_key`: Tencent SecretKey / Aliyun AccessKeySecret.
    pub secret_key: String,
    /// `sms_sdk_app_id`: Tencent's SmsSdkAppId (Aliyun has none).
    pub sdk_app_id: String,
    pub sign_name: String,
    /// `sms_template_id`: Tencent TemplateId / Aliyun TemplateCode.
    pub template_id: String,
    /// `sms_api`: base URL; empty means the provider's own host.
    pub api: String,
    /// Empty means `ap-guangzhou` (Tencent) or `cn-hangzhou` (Aliyun).
    pub region: String,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig")
            .field("provider", &self.provider)
            .field("secret_id", &self.secret_id)
            .field("sdk_app_id", &self.sdk_app_id)
            .field("sign_name", &self.sign_name)
            .field("template_id", &self.template_id)
            .field("api", &self.api)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// One text: the phone and the template's parameters, in template order (Tencent reads the
/// values in order, Aliyun reads them by name, the webhook gets them as JSON fields).
#[derive(Debug, Clone, Copy)]
pub struct SmsMessage<'a> {
    pub phone: &'a str,
    pub params: &'a [(&'a str, &'a str)],
}

/// A built, signed HTTP request: what `execute` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// `None` for a GET.
    pub body: Option<String>,
}

impl SmsRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Why a text was not sent. No variant ever holds `sms_secret_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SmsError {
    /// A setting is missing or wrong; the message names the key.
    Config(String),
    /// The provider could not be reached or did not answer.
    Unreachable(String),
    /// The provider answered and refused, with its own code and message.
    Refused { code: String, message: String },
}

impl fmt::Display for SmsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmsError::Config(why) => write!(f, "短信配置错误: {why}"),
            SmsError::Unreachable(why) => write!(f, "短信服务无法访问: {why}"),
            SmsError::Refused { code, message } => write!(f, "短信服务拒绝发送: {code} {message}"),
        }
    }
}

impl std::error::Error for SmsError {}

/// A refusal reaches the caller with the provider's code and message; the rest goes to the log.
impl From<SmsError> for ApiError {
    fn from(e: SmsError) -> Self {
        match e {
            SmsError::Refused { code, message } => {
                ApiError::upstream(format!("短信发送失败: {message} ({code})"))
            }
            other => {
                let mut error = ApiError::upstream("短信发送失败, 请稍后再试");
                error.detail = Some(other.to_string());
                error
            }
        }
    }
}

impl SmsConfig {
    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        let api = self.api.trim().trim_end_matches('/');
        if api.is_empty() {
            self.provider.default_api()
        } else {
            api
        }
    }

    /// Names the first setting this provider needs and lacks. (The webhook's dev mode, an
    /// empty `sms_api` that logs the code instead, is the caller's to handle before this.)
    pub fn check(&self) -> Result<(), SmsError> {
        let needed: &[(&str, &str)] = match self.provider {
            SmsProvider::Webhook => &[("sms_api", &self.api)],
            SmsProvider::Tencent => &[
                ("sms_secret_id", &self.secret_id),
                ("sms_secret_key", &self.secret_key),
                ("sms_sdk_app_id", &self.sdk_app_id),
                ("sms_sign_name", &self.sign_name),
                ("sms_template_id", &self.template_id),
            ],
            SmsProvider::Aliyun => &[
                ("sms_secret_id", &self.secret_id),
                ("sms_secret_key", &self.secret_key),
                ("sms_sign_name", &self.sign_name),
                ("sms_template_id", &self.template_id),
            ],
        };
        match needed.iter().find(|(_, value)| value.trim().is_empty()) {
            Some((key, _)) => Err(SmsError::Config(format!("缺少配置项 {key}"))),
            None => Ok(()),
        }
    }

    /// The signed request for `message` at time `now`; `nonce` is Aliyun's SignatureNonce.
    pub fn build(
        &self,
        message: &SmsMessage,
        now: DateTime<Utc>,
        nonce: &str,
    ) -> Result<SmsRequest, SmsError> {
        self.check()?;
        Ok(match self.provider {
            SmsProvider::Webhook => webhook_request(self.base_url(), message),
            SmsProvider::Tencent => tencent::send_sms(self, message, now.timestamp()),
            SmsProvider::Aliyun => aliyun::send_sms(self, message, now, nonce),
        })
    }

    /// Reads the provider's answer: `Ok` when the text was accepted, else a refusal with the
    /// provider's code and message (with the secret blanked out, should it ever be echoed).
    pub fn interpret(&self, status: u16, body: &str) -> Result<(), SmsError> {
        let verdict = match self.provider {
            SmsProvider::Webhook if (200..300).contains(&status) => Ok(()),
            SmsProvider::Webhook => Err((format!("HTTP {status}"), String::new())),
            SmsProvider::Tencent => tencent::interpret(status, body),
            SmsProvider::Aliyun => aliyun::interpret(status, body),
        };
        verdict.map_err(|(code, message)| SmsError::Refused {
            code: self.redact(&code),
            message: self.redact(&message),
        })
    }

    fn redact(&self, text: &str) -> String {
        let secret = self.secret_key.trim();
        if secret.is_empty() {
            text.to_string()
        } else {
            text.replace(secret, "***")
        }
    }
}

fn webhook_request(url: &str, message: &SmsMessage) -> SmsRequest {
    let mut body = Map::new();
    body.insert("phone".into(), json!(message.phone));
    for (name, value) in message.params {
        body.insert((*name).into(), json!(value));
    }
    SmsRequest {
        method: "POST",
        url: url.to_string(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Some(Value::Object(body).to_string()),
    }
}

/// Builds, sends and interprets one text (blocking: call it through `task::blocking`).
pub fn send(agent: &ureq::Agent, config: &SmsConfig, message: &SmsMessage) -> Result<(), SmsError> {
    let nonce = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let request = config.build(message, Utc::now(), &nonce)?;
    let (status, body) = execute(agent, &request).map_err(|e| match e {
        SmsError::Unreachable(why) => SmsError::Unreachable(config.redact(&why)),
        other => other,
    })?;
    config.interpret(status, &body)
}

/// Checks the keys and the template without sending a text: `Ok(what the provider says of
/// the template)` or why not. The webhook cannot be checked without sending; its address is
/// only checked to be set.
pub fn check(agent: &ureq::Agent, config: &SmsConfig) -> Result<String, SmsError> {
    config.check()?;
    let now = Utc::now();
    let nonce = Alphanumeric.sample_string(&mut rand::rng(), 32);
    let request = match config.provider {
        SmsProvider::Webhook => {
            return Ok(format!(
                "webhook {} 已配置 (不发短信无法进一步检查)",
                config.base_url()
            ))
        }
        SmsProvider::Tencent => tencent::describe_template(config, now.timestamp()),
        SmsProvider::Aliyun => aliyun::query_template(config, now, &nonce),
    };
    let (status, body) = execute(agent, &request)?;
    let verdict = match config.provider {
        SmsProvider::Tencent => tencent::interpret_template(status, &body),
        _ => aliyun::interpret_template(status, &body),
    };
    verdict.map_err(|(code, message)| SmsError::Refused {
        code: config.redact(&code),
        message: config.redact(&message),
    })
}

/// Performs `request`: the HTTP status and body text. A status error (from an agent that
/// turns statuses into errors) comes back as that status with an empty body.
pub fn execute(agent: &ureq::Agent, request: &SmsRequest) -> Result<(u16, String), SmsError> {
    let answer = if request.method == "GET" {
        let mut call = agent.get(&request.url);
        for (name, value) in &request.headers {
            call = call.header(name, value);
        }
        call.call()
    } else {
        let mut call = agent.post(&request.url);
        for (name, value) in &request.headers {
            call = call.header(name, value);
        }
        call.send(request.body.as_deref().unwrap_or(""))
    };
    let host = request.url.split('/').take(3).collect::<Vec<_>>().join("/");
    match answer {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .read_to_string()
                .map_err(|e| SmsError::Unreachable(format!("{host}: {e}")))?;
            Ok((status, body))
        }
        Err(ureq::Error::StatusCode(status)) => Ok((status, String::new())),
        Err(e) => Err(SmsError::Unreachable(format!("{host}: {e}"))),
    }
}
