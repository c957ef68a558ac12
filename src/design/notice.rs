//! Seed 000: `formId` (stored for later template messages) and `sendTemplate`.
//!
//! Template messages spend one formId of the recipient (single use, 7 days), as the seed
//! documents. WeChat retired template messages for new mini-programs in 2020 (SPEC §8):
//! with `subscribe=1` the same `data` goes to `message/subscribe/send` instead, which needs
//! no formId (the user subscribed in the mini-program).

use rocket::{post, routes, Route, State};
use serde_json::{json, Map, Value};

use super::data::user;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::outbox::{self, Account, Message};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![form_id, send_template]
}

#[post("/formId", data = "<p>")]
async fn form_id(p: Params, db: &State<Db>) -> Reply {
    let openid = p.text("openid")?;
    let form_id = p.required("formid", text::NAME)?;
    // WeChat's developer tools hand out a placeholder that no real message can use.
    let placeholder = form_id.contains("formId") || form_id.contains("mock");
    db.tx(move |tx| {
        let me = user::caller(tx, &openid)?;
        if !placeholder {
            user::add_form_id(tx, me.id, &form_id)?;
        }
        Ok(())
    })
    .await?;
    ok("保存成功", json!({"stored": !placeholder}))
}

/// The message as WeChat defines it: `touser` (the recipient's openid), `template_id`,
/// optional `page`, `data`, `emphasis_keyword`. Anything else is dropped.
fn message(p: &Params) -> ApiResult<Map<String, Value>> {
    let raw = p.required("data", text::NOTE)?;
    let Ok(Value::Object(given)) = serde_json::from_str::<Value>(&raw) else {
        return Err(ApiError::wrong_type("data"));
    };
    let mut body = Map::new();
    for key in ["touser", "template_id", "page", "data", "emphasis_keyword"] {
        if let Some(v) = given.get(key).filter(|v| !v.is_null()) {
            body.insert(key.to_string(), v.clone());
        }
    }
    for key in ["touser", "template_id"] {
        if body
            .get(key)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ApiError::missing(&format!("data.{key}")));
        }
    }
    Ok(body)
}

/// A bound user sends to another user of the app: customers only to staff.
#[post("/sendTemplate", data = "<p>")]
async fn send_template(p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let openid = p.text("openid")?;
    let mut body = message(&p)?;
    let subscribe = p.opt_num::<i64>("subscribe")?.unwrap_or(0) == 1;
    if settings.wechat_appid.is_empty() {
        return Err(ApiError::upstream(
            "未配置小程序 wechat_appid, 无法发送模板消息",
        ));
    }
    let appid = settings.wechat_appid.clone();
    let id = db
        .tx(move |tx| {
            let me = user::caller(tx, &openid)?;
            me.require_bound()?;
            let touser = body["touser"].as_str().unwrap_or_default().to_string();
            let to = user::by_openid(tx, &touser)?
                .ok_or_else(|| ApiError::new(Code::NotFound, "接收者 openid 不存在"))?;
            if !me.is_staff() && !to.is_staff() {
                return Err(ApiError::forbidden("客户只能给设计师或客服发送消息"));
            }
            let msg = if subscribe {
                Message::MiniSubscribe {
                    account: Account::Config,
                    appid,
                    body: Value::Object(body),
                }
            } else {
                let form_id = user::take_form_id(tx, to.id)?
                    .ok_or_else(|| ApiError::new(Code::Invalid, "接收者没有可用的 formId"))?;
                body.insert("form_id".into(), Value::String(form_id));
                Message::MiniTemplate {
                    account: Account::Config,
                    appid,
                    body: Value::Object(body),
                }
            };
            Ok(outbox::enqueue(tx, &msg)?)
        })
        .await?;
    ok("发送成功", json!({"queued": id}))
}
