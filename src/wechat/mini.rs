//! Mini-program APIs: `jscode2session`, with an offline dev mode for demos.

use serde::Deserialize;

use super::{check_errcode, WeChat};
use crate::error::{ApiError, ApiResult, Code};

/// A mini-program's credentials: the company's own, else the config defaults.
#[derive(Debug, Clone, Default)]
pub struct MiniApp {
    pub appid: String,
    pub secret: String,
}

impl MiniApp {
    /// The configured default mini-program (`wechat_appid`, `wechat_secret`).
    pub fn configured(settings: &crate::config::Settings) -> MiniApp {
        MiniApp {
            appid: settings.wechat_appid.clone(),
            secret: settings.wechat_secret.clone(),
        }
    }

    /// No appid: offline dev mode (SPEC §3).
    pub fn offline(&self) -> bool {
        self.appid.is_empty()
    }
}

/// What `jscode2session` gives for a login code.
#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub openid: String,
    pub session_key: String,
}

impl WeChat {
    /// Turns a `wx.login` code into the user's openid and session key. Without an appid it
    /// fakes one in offline dev mode, and refuses anywhere else.
    pub fn code_to_session(&self, app: &MiniApp, code: &str) -> ApiResult<Session> {
        if app.offline() && !self.offline_allowed {
            return Err(ApiError::upstream(
                "服务器未配置小程序 wechat_appid, 暂不能用微信登录",
            ));
        }
        if app.offline() {
            log::warn!("offline dev mode: no mini-program appid configured, using a fake openid");
            let digest = format!("{:x}", md5::compute(code));
            return Ok(Session {
                openid: format!("dev-{digest}"),
                session_key: digest,
            });
        }
        let url = format!("{}/sns/jscode2session", self.mini_base);
        let answer = self.get_json(
            &url,
            &[
                ("appid", &app.appid),
                ("secret", &app.secret),
                ("js_code", code),
                ("grant_type", "authorization_code"),
            ],
        )?;
        check_errcode(&answer).map_err(|(errcode, errmsg)| login_refused(errcode, &errmsg))?;
        serde_json::from_value(answer)
            .map_err(|_| ApiError::upstream("微信登录失败: jscode2session 的回答缺少 openid"))
    }
}

/// A refused code is the caller's problem (401); anything else is the server's setup.
fn login_refused(errcode: i64, errmsg: &str) -> ApiError {
    match errcode {
        40029 | 40163 | 40226 => ApiError::new(
            Code::BadLogin,
            format!("微信登录失败: code 无效 (errcode {errcode})"),
        ),
        _ => ApiError::upstream(format!("微信登录失败: errcode {errcode} {errmsg}")),
    }
}

impl WeChat {
    /// The newer phone-number flow: a one-time `code` from `getPhoneNumber`.
    pub fn phone_by_code(
        &self,
        db: &crate::db::Db,
        app: &MiniApp,
        code: &str,
    ) -> ApiResult<String> {
        let url = format!("{}/wxa/business/getuserphonenumber", self.mini_base);
        let body = serde_json::json!({ "code": code });
        for retry in [false, true] {
            let token = self.mini_token(db, app)?;
            let answer = self.post_json(&url, &[("access_token", &token)], &body)?;
            match check_errcode(&answer) {
                Ok(()) => {
                    return answer["phone_info"]["phoneNumber"]
                        .as_str()
                        .map(str::to_string)
                        .ok_or_else(|| ApiError::upstream("获取手机号失败: 回答缺少 phoneNumber"))
                }
                Err((errcode, _)) if super::errcode::token_expired(errcode) && !retry => {
                    self.forget_mini_token(db, app)?;
                }
                Err((errcode, errmsg)) => {
                    return Err(ApiError::new(
                        Code::Invalid,
                        format!("获取手机号失败: errcode {errcode} {errmsg}"),
                    ))
                }
            }
        }
        Err(ApiError::upstream("获取手机号失败: access_token 无效"))
    }
}

/// How a mini-program proves a phone number is its user's: `getPhoneNumber`'s one-time
/// `code`, or its `encryptedData` and `iv`, sealed with the user's session key.
#[derive(Debug, Clone)]
pub enum PhoneProof {
    Code(String),
    Sealed { data: String, iv: String },
}

impl PhoneProof {
    /// The proof among a request's fields, if any; `encryptedData` without `iv` is 303.
    pub fn from_fields(
        code: Option<String>,
        data: Option<String>,
        iv: Option<String>,
    ) -> ApiResult<Option<PhoneProof>> {
        match (code, data, iv) {
            (Some(code), _, _) => Ok(Some(PhoneProof::Code(code))),
            (None, Some(data), Some(iv)) => Ok(Some(PhoneProof::Sealed { data, iv })),
            (None, Some(_), None) => Err(ApiError::missing("iv")),
            (None, None, _) => Ok(None),
        }
    }
}

impl WeChat {
    /// The phone number WeChat vouches for: `session_key` is the one stored at the user's
    /// last login (a sealed proof from an older login answers "请重新登录").
    pub fn proven_phone(
        &self,
        db: &crate::db::Db,
        app: &MiniApp,
        session_key: &str,
        proof: PhoneProof,
    ) -> ApiResult<String> {
        match proof {
            PhoneProof::Code(code) => self.phone_by_code(db, app, &code),
            PhoneProof::Sealed { data, iv } => {
                if session_key.is_empty() {
                    return Err(ApiError::invalid("session_key", "不存在, 请重新登录"));
                }
                let appid = (!app.offline()).then_some(app.appid.as_str());
                let plain = super::crypto::decrypt(session_key, &iv, &data, appid)?;
                phone_of(&plain)
            }
        }
    }
}

fn phone_of(plain: &serde_json::Value) -> ApiResult<String> {
    plain["phoneNumber"]
        .as_str()
        .or_else(|| plain["purePhoneNumber"].as_str())
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .ok_or_else(|| ApiError::invalid("encryptedData", "中没有手机号"))
}
