//! The one client for WeChat's HTTP APIs (mini-program, Work WeChat, Pay), over ureq with
//! configurable bases so tests point it at a fake server.

pub mod apps;
pub mod crypto;
pub mod errcode;
pub mod merchant;
pub mod mini;
pub mod pay;
pub mod pay_api;
pub mod pay_notify;
pub mod pay_v3;
pub mod token;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use ureq::Agent;

use crate::config::Settings;
use crate::error::{ApiError, ApiResult};

/// Cheap to clone; calls are blocking and belong on `task::blocking`.
#[derive(Clone)]
pub struct WeChat {
    agent: Agent,
    /// WeChat Pay platform certificates fetched per merchant id (v3 merchants without a
    /// configured WeChat Pay public key).
    pay_certificates: Arc<Mutex<HashMap<String, pay_v3::KeySet>>>,
    pub mini_base: String,
    pub work_base: String,
    pub pay_base: String,
    /// Mini-programs without an appid fake their logins (`Settings::offline_allowed`).
    pub offline_allowed: bool,
    refresh_lock: Arc<Mutex<()>>,
}

impl WeChat {
    pub fn new(settings: &Settings) -> WeChat {
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(10)))
            .http_status_as_error(false)
            .build()
            .into();
        WeChat {
            agent,
            pay_certificates: Arc::default(),
            mini_base: settings.wechat_api.trim_end_matches('/').to_string(),
            work_base: settings.work_wechat_api.trim_end_matches('/').to_string(),
            pay_base: settings.pay_api.trim_end_matches('/').to_string(),
            offline_allowed: settings.offline_allowed(),
            refresh_lock: Arc::default(),
        }
    }

    /// GET `url` with `query`, expecting JSON.
    pub fn get_json(&self, url: &str, query: &[(&str, &str)]) -> ApiResult<Value> {
        let mut request = self.agent.get(url);
        for (k, v) in query {
            request = request.query(*k, *v);
        }
        let mut response = request.call().map_err(|e| unreachable_service(url, e))?;
        response
            .body_mut()
            .read_json()
            .map_err(|e| unreachable_service(url, e))
    }

    /// POST a JSON body, expecting JSON.
    pub fn post_json(&self, url: &str, query: &[(&str, &str)], body: &Value) -> ApiResult<Value> {
        let mut request = self.agent.post(url);
        for (k, v) in query {
            request = request.query(*k, *v);
        }
        let mut response = request
            .send_json(body)
            .map_err(|e| unreachable_service(url, e))?;
        response
            .body_mut()
            .read_json()
            .map_err(|e| unreachable_service(url, e))
    }

    /// POST a text body (Pay's XML), expecting text back.
    pub fn post_text(&self, url: &str, content_type: &str, body: String) -> ApiResult<String> {
        let mut response = self
            .agent
            .post(url)
            .header("Content-Type", content_type)
            .send(body)
            .map_err(|e| unreachable_service(url, e))?;
        response
            .body_mut()
            .read_to_string()
            .map_err(|e| unreachable_service(url, e))
    }
}

fn unreachable_service(url: &str, e: ureq::Error) -> ApiError {
    let host = url.split('/').take(3).collect::<Vec<_>>().join("/");
    log::warn!("call to {host} failed: {e}");
    ApiError::upstream("微信服务暂时不可用, 请稍后再试")
}

/// WeChat's `{"errcode": N, "errmsg": ...}` answers: `Err` with both when N is not 0.
pub fn check_errcode(answer: &Value) -> Result<(), (i64, String)> {
    match answer.get("errcode").and_then(Value::as_i64) {
        None | Some(0) => Ok(()),
        Some(code) => {
            let msg = answer.get("errmsg").and_then(Value::as_str).unwrap_or("");
            Err((code, msg.to_string()))
        }
    }
}
