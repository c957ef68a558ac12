//! `leida check-credentials [--company ID]`: asks WeChat whether the configured (or a
//! company's) credentials are right, and says what WeChat's errcode means.
//!
//! The mini-program check sends `jscode2session` a code that cannot be valid: with a right
//! appid and secret WeChat answers 40029 (bad code), with a wrong one 40013 or 40125. The
//! Work WeChat check asks `gettoken`, which succeeds only with a right corpid and secret.
//! The SMS check asks the provider about the configured template (Tencent
//! `DescribeSmsTemplateList`, Aliyun `QuerySmsTemplate`), which needs right keys.

use std::fmt;

use serde_json::Value;

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::sms::SmsProvider;
use crate::wechat::apps::{mini_app_of, work_corp_of, Source};
use crate::wechat::mini::MiniApp;
use crate::wechat::token::WorkCorp;
use crate::wechat::WeChat;

/// The code sent to `jscode2session`; WeChat must refuse it.
pub const DUMMY_CODE: &str = "leida-check-credentials";

/// One check's outcome, printed as a line.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked: "小程序 wx123 (配置文件)".
    pub subject: String,
    /// WeChat's errcode, `None` when WeChat was not asked or could not be reached.
    pub errcode: Option<i64>,
    pub ok: bool,
    pub meaning: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.ok { "正确" } else { "有误" };
        match self.errcode {
            Some(code) => write!(
                f,
                "[{mark}] {}: errcode {code} — {}",
                self.subject, self.meaning
            ),
            None => write!(f, "[{mark}] {}: {}", self.subject, self.meaning),
        }
    }
}

/// Checks the mini-program and Work WeChat credentials in use for `company` (its own,
/// else the configuration's), or the configuration's when `company` is `None`.
pub fn check(
    settings: &Settings,
    db: &Db,
    wechat: &WeChat,
    company_id: Option<i64>,
) -> ApiResult<Vec<Check>> {
    let (mini, mini_source, corp, corp_source) = credentials(settings, db, company_id)?;
    let mut checks = vec![
        check_mini(wechat, &mini, mini_source),
        check_work(wechat, &corp, corp_source),
    ];
    checks.extend(check_sms(settings));
    Ok(checks)
}

/// The SMS provider: its keys and template, asked of the provider without sending a text.
/// `None` in dev mode (the webhook without `sms_api`: codes go to the log, nothing to check).
fn check_sms(settings: &Settings) -> Option<Check> {
    let config = settings.sms_config();
    let subject = format!("短信 {:?} (配置文件)", config.provider);
    let refused = |meaning: String| Check {
        subject: subject.clone(),
        errcode: None,
        ok: false,
        meaning,
    };
    if config.provider == SmsProvider::Webhook && config.api.trim().is_empty() {
        return None;
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(10)))
        .http_status_as_error(false)
        .build()
        .into();
    Some(match crate::sms::check(&agent, &config) {
        Ok(what) => Check {
            subject,
            errcode: None,
            ok: true,
            meaning: format!("密钥正确, {what}"),
        },
        Err(e) => refused(e.to_string()),
    })
}

type Credentials = (MiniApp, &'static str, WorkCorp, &'static str);

fn credentials(settings: &Settings, db: &Db, company_id: Option<i64>) -> ApiResult<Credentials> {
    let (mini, corp) = (
        MiniApp::configured(settings),
        WorkCorp::configured(settings),
    );
    let Some(id) = company_id else {
        return Ok((mini, "配置文件", corp, "配置文件"));
    };
    let conn = db.reader()?;
    let missing = || ApiError::not_found(&format!("公司 {id} "));
    let (mini, mini_source) = mini_app_of(&conn, db.secrets(), mini, id)?.ok_or_else(missing)?;
    let (corp, corp_source) = work_corp_of(&conn, db.secrets(), corp, id)?.ok_or_else(missing)?;
    Ok((mini, label(mini_source), corp, label(corp_source)))
}

fn label(source: Source) -> &'static str {
    match source {
        Source::Company => "公司设置",
        Source::Config => "配置文件 (公司未设置)",
    }
}

fn check_mini(wechat: &WeChat, app: &MiniApp, source: &str) -> Check {
    let subject = format!("小程序 appid {:?} ({source})", app.appid);
    if app.appid.is_empty() || app.secret.is_empty() {
        return Check {
            subject,
            errcode: None,
            ok: false,
            meaning: "未配置 appid 或 secret (离线开发模式)".into(),
        };
    }
    let url = format!("{}/sns/jscode2session", wechat.mini_base);
    let answer = wechat.get_json(
        &url,
        &[
            ("appid", &app.appid),
            ("secret", &app.secret),
            ("js_code", DUMMY_CODE),
            ("grant_type", "authorization_code"),
        ],
    );
    verdict(subject, answer, mini_meaning)
}

fn check_work(wechat: &WeChat, corp: &WorkCorp, source: &str) -> Check {
    let subject = format!("企业微信 corpid {:?} ({source})", corp.corpid);
    if corp.corpid.is_empty() || corp.secret.is_empty() {
        return Check {
            subject,
            errcode: None,
            ok: false,
            meaning: "未配置 corpid 或 secret (企业微信登录与推送不可用)".into(),
        };
    }
    let url = format!("{}/cgi-bin/gettoken", wechat.work_base);
    let answer = wechat.get_json(
        &url,
        &[("corpid", &corp.corpid), ("corpsecret", &corp.secret)],
    );
    verdict(subject, answer, work_meaning)
}

fn verdict(
    subject: String,
    answer: ApiResult<Value>,
    meaning: fn(i64) -> (bool, &'static str),
) -> Check {
    match answer {
        Ok(json) => {
            let errcode = json.get("errcode").and_then(Value::as_i64).unwrap_or(0);
            let (ok, what) = meaning(errcode);
            let errmsg = json.get("errmsg").and_then(Value::as_str).unwrap_or("");
            Check {
                subject,
                errcode: Some(errcode),
                ok,
                meaning: if errmsg.is_empty() || ok {
                    what.to_string()
                } else {
                    format!("{what} (微信: {errmsg})")
                },
            }
        }
        Err(e) => Check {
            subject,
            errcode: None,
            ok: false,
            meaning: format!("无法连接微信: {}", e.msg),
        },
    }
}

/// jscode2session's answers to a dummy code.
pub fn mini_meaning(errcode: i64) -> (bool, &'static str) {
    match errcode {
        40029 | 40163 => (
            true,
            "appid 与 secret 正确 (测试用的 code 被拒绝, 这是预期的)",
        ),
        0 => (true, "appid 与 secret 正确"),
        40013 => (false, "appid 无效: 请核对小程序的 AppID"),
        40125 => (false, "secret 无效: 请核对或重置小程序的 AppSecret"),
        40001 => (false, "secret 错误或 appid 与 secret 不配对"),
        40226 => (false, "该小程序被封禁或用户被拦截"),
        41002 => (false, "缺少 appid"),
        41004 => (false, "缺少 secret"),
        45011 => (false, "调用太频繁, 请稍后再试"),
        -1 => (false, "微信系统繁忙, 请稍后再试"),
        _ => (false, "未知错误码, 请查阅微信开放文档"),
    }
}

/// gettoken's answers.
pub fn work_meaning(errcode: i64) -> (bool, &'static str) {
    match errcode {
        0 => (true, "corpid 与 secret 正确"),
        40013 => (false, "corpid 无效: 请核对企业 ID"),
        40001 | 40091 => (false, "secret 无效: 请核对应用的 Secret"),
        41002 => (false, "缺少 corpid"),
        41004 => (false, "缺少 secret"),
        60020 => (false, "服务器 IP 不在企业微信应用的可信 IP 列表中"),
        45009 => (false, "调用太频繁, 请稍后再试"),
        -1 => (false, "企业微信系统繁忙, 请稍后再试"),
        _ => (false, "未知错误码, 请查阅企业微信开发文档"),
    }
}
