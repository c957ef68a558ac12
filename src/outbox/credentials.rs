//! Whose credentials send a queued message: the account it names, never whichever company
//! happens to have saved the same appid or corp id.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::{Message, Outcome};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::secrets::{Column, Secrets, MP_SECRET, WORK_SECRET};
use crate::wechat::apps::{mini_app_of, work_corp_of};
use crate::wechat::mini::MiniApp;
use crate::wechat::token::WorkCorp;
use crate::wechat::WeChat;

/// Whose app a message goes through; stored in its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// The configured mini-program or Work WeChat corp.
    Config,
    /// The company's own app, else the configured one when it set none.
    Company(i64),
    /// Queued before messages named their account: the configured app when the appid or
    /// corp id is the configured one, else the one company that set it.
    #[default]
    Unnamed,
}

/// The app a message is sent through, secret included.
pub enum App {
    Mini(MiniApp),
    Work(WorkCorp),
}

impl App {
    pub fn token(&self, wechat: &WeChat, db: &Db) -> ApiResult<String> {
        match self {
            App::Mini(app) => wechat.mini_token(db, app),
            App::Work(corp) => wechat.work_token(db, corp),
        }
    }

    pub fn forget(&self, wechat: &WeChat, db: &Db) -> ApiResult<()> {
        match self {
            App::Mini(app) => wechat.forget_mini_token(db, app),
            App::Work(corp) => wechat.forget_work_token(db, corp),
        }
    }

    /// The Work WeChat agent a text is sent as.
    pub fn agentid(&self) -> &str {
        match self {
            App::Work(corp) => &corp.agentid,
            App::Mini(_) => "",
        }
    }
}

/// The app `msg` goes through; `Err` is what becomes of the message instead.
pub fn app_for(db: &Db, settings: &Settings, msg: &Message) -> Result<App, Outcome> {
    let retry = |e: ApiError| Outcome::Retry(e.to_string());
    let c = db.reader().map_err(retry)?;
    let secrets = db.secrets();
    let app = match msg {
        Message::MiniTemplate { account, appid, .. }
        | Message::MiniSubscribe { account, appid, .. } => {
            mini(&c, secrets, settings, *account, appid).map_err(retry)?
        }
        Message::WorkText {
            account,
            corpid,
            agentid,
            ..
        } => work(&c, secrets, settings, *account, corpid, agentid).map_err(retry)?,
    };
    let app = app.map_err(Outcome::GiveUp)?;
    if let App::Work(corp) = &app {
        if corp.corpid.is_empty() {
            return Err(Outcome::GiveUp(
                "未配置企业微信 (work_wechat_corpid), 雷达推送不发送".into(),
            ));
        }
    }
    Ok(app)
}

/// The inner `Err` says why the message can never be sent.
type Found = ApiResult<Result<App, String>>;

fn mini(
    c: &Connection,
    secrets: &Secrets,
    settings: &Settings,
    account: Account,
    appid: &str,
) -> Found {
    let configured = MiniApp::configured(settings);
    let app = match account {
        Account::Config => Ok(configured),
        Account::Company(id) => mini_app_of(c, secrets, configured, id)?
            .map(|(app, _)| app)
            .ok_or_else(|| format!("公司 {id} 已不存在")),
        Account::Unnamed if appid == configured.appid => Ok(configured),
        Account::Unnamed => {
            only_owner(c, secrets, MP_SECRET, "mp_appid = ?1", &[appid])?.map(|secret| MiniApp {
                appid: appid.to_string(),
                secret,
            })
        }
    };
    Ok(app.map(App::Mini))
}

fn work(
    c: &Connection,
    secrets: &Secrets,
    settings: &Settings,
    account: Account,
    corpid: &str,
    agentid: &str,
) -> Found {
    let configured = WorkCorp::configured(settings);
    let corp = match account {
        Account::Config => Ok(configured),
        Account::Company(id) => work_corp_of(c, secrets, configured, id)?
            .map(|(corp, _)| corp)
            .ok_or_else(|| format!("公司 {id} 已不存在")),
        // As queued before: an empty corp meant the configured one, with the company's agent.
        Account::Unnamed if corpid.is_empty() || corpid == configured.corpid => Ok(WorkCorp {
            agentid: if agentid.is_empty() {
                configured.agentid.clone()
            } else {
                agentid.to_string()
            },
            ..configured
        }),
        Account::Unnamed => only_owner(
            c,
            secrets,
            WORK_SECRET,
            "work_corp_id = ?1 AND work_agent_id = ?2",
            &[corpid, agentid],
        )?
        .map(|secret| WorkCorp {
            corpid: corpid.to_string(),
            secret,
            agentid: agentid.to_string(),
        }),
    };
    Ok(corp.map(App::Work))
}

/// The secret of the one company matching `filter`; none or several is a refusal, as the
/// message does not say whose it is.
fn only_owner(
    c: &Connection,
    secrets: &Secrets,
    column: Column,
    filter: &str,
    args: &[&str],
) -> ApiResult<Result<String, String>> {
    // `column` and `filter` are constants of this file, never from a payload.
    let sql = format!(
        "SELECT {name} FROM zl_company WHERE {filter} AND {name} != '' LIMIT 2",
        name = column.name
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let found: Vec<String> = stmt
        .query_map(rusqlite::params_from_iter(args), |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(match found.as_slice() {
        [sealed] => Ok(secrets.open(column, sealed)?),
        [] => Err(format!("未知的小程序 appid 或企业微信 corpid {}", args[0])),
        _ => Err(format!(
            "多个公司设置了 {}, 无法确定用谁的凭据发送",
            args[0]
        )),
    })
}
