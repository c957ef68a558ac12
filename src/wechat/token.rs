//! Access tokens: one per appid/corp and secret, kept in SQLite (sealed) so the server and
//! the CLI share it, refreshed a few minutes before expiry by one caller at a time (SPEC §8).
//!
//! A cache entry is named after a keyed fingerprint of the secret as well: a company that
//! saved another's appid or corp id with a wrong secret can neither use nor replace the
//! token fetched with the right one.

use rusqlite::{params, OptionalExtension};
use serde_json::Value;

use super::mini::MiniApp;
use super::{check_errcode, WeChat};
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::secrets::{Secrets, ACCESS_TOKEN};

/// A Work WeChat corp and the app (agent) Leida speaks as.
#[derive(Debug, Clone, Default)]
pub struct WorkCorp {
    pub corpid: String,
    pub secret: String,
    pub agentid: String,
}

impl WorkCorp {
    /// The configured default corp (`work_wechat_*`).
    pub fn configured(settings: &crate::config::Settings) -> WorkCorp {
        WorkCorp {
            corpid: settings.work_wechat_corpid.clone(),
            secret: settings.work_wechat_secret.clone(),
            agentid: settings.work_wechat_agentid.clone(),
        }
    }

    fn cache_key(&self, secrets: &Secrets) -> String {
        let secret = secrets.fingerprint(&[&self.corpid, &self.secret]);
        format!("work:{}:{}:{secret}", self.corpid, self.agentid)
    }
}

impl MiniApp {
    fn cache_key(&self, secrets: &Secrets) -> String {
        let secret = secrets.fingerprint(&[&self.appid, &self.secret]);
        format!("mini:{}:{secret}", self.appid)
    }
}

/// Refresh this long before WeChat's stated expiry.
const MARGIN_SECS: i64 = 300;

impl WeChat {
    pub fn mini_token(&self, db: &Db, app: &MiniApp) -> ApiResult<String> {
        if app.offline() {
            return Err(ApiError::upstream("未配置小程序 appid, 无法调用微信接口"));
        }
        self.cached_token(db, &app.cache_key(db.secrets()), || {
            let url = format!("{}/cgi-bin/token", self.mini_base);
            self.get_json(
                &url,
                &[
                    ("grant_type", "client_credential"),
                    ("appid", &app.appid),
                    ("secret", &app.secret),
                ],
            )
        })
    }

    pub fn work_token(&self, db: &Db, corp: &WorkCorp) -> ApiResult<String> {
        if corp.corpid.is_empty() {
            return Err(ApiError::upstream("未配置企业微信, 无法调用企业微信接口"));
        }
        self.cached_token(db, &corp.cache_key(db.secrets()), || {
            let url = format!("{}/cgi-bin/gettoken", self.work_base);
            self.get_json(
                &url,
                &[("corpid", &corp.corpid), ("corpsecret", &corp.secret)],
            )
        })
    }

    /// Drops a mini-program token WeChat refused, so the next call fetches a new one.
    pub fn forget_mini_token(&self, db: &Db, app: &MiniApp) -> ApiResult<()> {
        forget(db, &app.cache_key(db.secrets()))
    }

    /// Drops a Work WeChat token WeChat refused.
    pub fn forget_work_token(&self, db: &Db, corp: &WorkCorp) -> ApiResult<()> {
        forget(db, &corp.cache_key(db.secrets()))
    }

    fn cached_token(
        &self,
        db: &Db,
        key: &str,
        fetch: impl FnOnce() -> ApiResult<Value>,
    ) -> ApiResult<String> {
        if let Some(token) = stored(db, key)? {
            return Ok(token);
        }
        // One refresher at a time; whoever waited finds the fresh token stored.
        let _turn = self.refresh_lock.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(token) = stored(db, key)? {
            return Ok(token);
        }
        let answer = fetch()?;
        crate::events::inc("wechat_token_refresh");
        check_errcode(&answer).map_err(|(code, msg)| {
            ApiError::upstream(format!("获取 access_token 失败: errcode {code} {msg}"))
        })?;
        let token = answer["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::upstream("获取 access_token 失败: 回答缺少 access_token"))?
            .to_string();
        let lifetime = answer["expires_in"].as_i64().unwrap_or(7200);
        let expires_at = chrono::Utc::now().timestamp() + lifetime;
        let sealed = db.secrets().seal(ACCESS_TOKEN, &token)?;
        db.tx_blocking(|c| {
            c.execute(
                "INSERT INTO wechat_token (key, token, expires_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (key) DO UPDATE SET token = ?2, expires_at = ?3",
                params![key, sealed, expires_at],
            )?;
            Ok(())
        })?;
        Ok(token)
    }
}

fn forget(db: &Db, key: &str) -> ApiResult<()> {
    db.tx_blocking(|c| {
        c.execute("DELETE FROM wechat_token WHERE key = ?1", [key])?;
        Ok(())
    })
}

/// The cached token, if fresh; one that does not open (another key) counts as none.
fn stored(db: &Db, key: &str) -> ApiResult<Option<String>> {
    let fresh_after = chrono::Utc::now().timestamp() + MARGIN_SECS;
    let sealed: Option<String> = db
        .reader()?
        .query_row(
            "SELECT token FROM wechat_token WHERE key = ?1 AND expires_at > ?2",
            params![key, fresh_after],
            |r| r.get(0),
        )
        .optional()?;
    Ok(sealed.and_then(|s| db.secrets().open(ACCESS_TOKEN, &s).ok()))
}
