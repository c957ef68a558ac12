//! What the salesperson and the customer hear about outside the request: radar pushes to
//! Work WeChat and chat notices to the mini-program, both through the outbox.

use rusqlite::{params, Connection};
use serde_json::json;

use crate::clock;
use crate::config::Settings;
use crate::db::OptionalExtension;
use crate::error::ApiResult;
use crate::outbox::{enqueue, Account, Message};
use crate::zhuge::data::employee::CARD_NAME;

/// WeChat drops a formId after 7 days.
pub const FORM_ID_DAYS: i64 = 7;

/// Whether the configuration gives companies without a Work WeChat of their own one to push
/// through: a corp id, its secret and an agent id, all set.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pushes {
    work_default: bool,
}

impl Pushes {
    pub fn of(settings: &Settings) -> Pushes {
        Pushes {
            work_default: !settings.work_wechat_corpid.is_empty()
                && !settings.work_wechat_secret.is_empty()
                && !settings.work_wechat_agentid.is_empty(),
        }
    }
}

/// Pushes a line to the salesperson's Work WeChat, when they have a Work WeChat `userid`
/// and their company can push (`text` is only worked out then): its own corp and agent,
/// else the configured ones. A company with neither queues nothing: a message that could
/// never be sent is a row nobody needs (issue 17).
pub fn push_to_salesperson(
    c: &Connection,
    pushes: Pushes,
    user_id: i64,
    text: impl FnOnce() -> ApiResult<String>,
) -> ApiResult<()> {
    let target: Option<(i64, String, String, String)> = c
        .prepare_cached(
            "SELECT co.id, e.userid, co.work_corp_id, co.work_agent_id
             FROM zl_employee e JOIN zl_company co ON co.id = e.company_id
             WHERE e.id = ?1 AND e.userid != ''
               AND ((co.work_corp_id != '' AND co.work_agent_id != '')
                    OR (co.work_corp_id = '' AND ?2))",
        )?
        .query_row(params![user_id, pushes.work_default], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    if let Some((company_id, touser, corpid, agentid)) = target {
        let push = Message::WorkText {
            account: Account::Company(company_id),
            corpid,
            agentid,
            touser,
            content: text()?,
        };
        enqueue(c, &push)?;
    }
    Ok(())
}

/// A line the salesperson `user_id` reads: the customer's name as their company knows it,
/// then `what` (a radar remark, or `:` and a chat message).
pub fn customer_line(
    c: &Connection,
    customer_id: i64,
    user_id: i64,
    what: &str,
) -> ApiResult<String> {
    let name = crate::zhuge::data::customer::name_for(c, customer_id, user_id)?;
    Ok(format!("{name}{what}"))
}

/// Tells the customer a salesperson wrote: a subscribe message when the company set a
/// subscribe template, else a template message spending one fresh formId. With no
/// mini-program or template configured, or no usable formId, nothing is sent.
pub fn chat_notice(
    c: &Connection,
    settings: &Settings,
    user_id: i64,
    customer_id: i64,
) -> ApiResult<()> {
    let Some(target) = notice_target(c, settings, user_id, customer_id)? else {
        return Ok(());
    };
    let page = format!("pages/mingpian/msg?source=template_msg&uid={user_id}&pid=");
    let when = clock::now_local().format("%Y-%m-%d %H:%M:%S").to_string();
    let hint = "您有未读消息,点击小程序查看哦";
    if !target.subscribe_template.is_empty() {
        let body = json!({
            "touser": target.openid, "template_id": target.subscribe_template, "page": page,
            "data": {"thing1": {"value": target.sender}, "time2": {"value": when},
                     "thing3": {"value": hint}},
        });
        enqueue(
            c,
            &Message::MiniSubscribe {
                account: Account::Company(target.company_id),
                appid: target.appid,
                body,
            },
        )?;
        return Ok(());
    }
    if target.template.is_empty() {
        log::info!(
            "chat notice not sent: no template id for appid {}",
            target.appid
        );
        return Ok(());
    }
    let Some(form_id) = spend_form_id(c, customer_id)? else {
        log::info!("chat notice not sent: customer {customer_id} has no usable formId");
        return Ok(());
    };
    let body = json!({
        "touser": target.openid, "template_id": target.template, "form_id": form_id, "page": page,
        "data": {"keyword1": {"value": target.sender}, "keyword2": {"value": when},
                 "keyword3": {"value": hint}},
    });
    enqueue(
        c,
        &Message::MiniTemplate {
            account: Account::Company(target.company_id),
            appid: target.appid,
            body,
        },
    )?;
    Ok(())
}

struct NoticeTarget {
    company_id: i64,
    appid: String,
    template: String,
    subscribe_template: String,
    openid: String,
    sender: String,
}

/// The company's mini-program and templates win over the configured defaults.
fn notice_target(
    c: &Connection,
    settings: &Settings,
    user_id: i64,
    customer_id: i64,
) -> ApiResult<Option<NoticeTarget>> {
    let sql = format!(
        "SELECT co.id, co.mp_appid, co.mp_template_id, co.mp_subscribe_template_id, cu.openid, {CARD_NAME}
         FROM zl_employee e JOIN zl_company co ON co.id = e.company_id, zl_customer cu
         WHERE e.id = ?1 AND cu.id = ?2"
    );
    let row: Option<(i64, String, String, String, String, String)> = c
        .prepare_cached(&sql)?
        .query_row(params![user_id, customer_id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .optional()?;
    let Some((company_id, appid, template, subscribe_template, openid, sender)) = row else {
        return Ok(None);
    };
    let (appid, template) = if appid.is_empty() {
        (
            settings.wechat_appid.clone(),
            settings.wechat_template_id.clone(),
        )
    } else if template.is_empty() {
        (appid, settings.wechat_template_id.clone())
    } else {
        (appid, template)
    };
    if appid.is_empty() {
        log::info!("chat notice not sent: no mini-program appid configured (offline mode)");
        return Ok(None);
    }
    Ok(Some(NoticeTarget {
        company_id,
        appid,
        template,
        subscribe_template,
        openid,
        sender,
    }))
}

/// The newest unused formId younger than 7 days, marked used.
fn spend_form_id(c: &Connection, customer_id: i64) -> ApiResult<Option<String>> {
    let oldest = (clock::now_local() - chrono::Duration::days(FORM_ID_DAYS))
        .format(clock::FORMAT)
        .to_string();
    let found: Option<(i64, String)> = c
        .prepare_cached(
            "SELECT id, form_id FROM zl_form_id
             WHERE customer_id = ?1 AND used = 0 AND create_date > ?2 ORDER BY id DESC LIMIT 1",
        )?
        .query_row(params![customer_id, oldest], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((id, _)) = &found {
        c.prepare_cached("UPDATE zl_form_id SET used = 1 WHERE id = ?1")?
            .execute([id])?;
    }
    Ok(found.map(|(_, form_id)| form_id))
}
