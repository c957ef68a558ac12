//! `payback`: WeChat Pay's notifies for the shop (v2 XML or v3 JSON, payment or refund).

use rocket::{post, routes, Route, State};
use rusqlite::Connection;
use serde_json::Value;

use super::pay::account_of;
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;
use crate::refunds;
use crate::secrets::Secrets;
use crate::task::blocking;
use crate::wechat::merchant::PayAccount;
use crate::wechat::pay::{self, Verdict};
use crate::wechat::pay_notify::{
    open_v2_refund, open_v3, verdict_of, NotifyAnswer, NotifyHeaders, RefundNotice,
};
use crate::wechat::WeChat;
use crate::zhuge::data::order::{self, FAILED, PAID};
use crate::zhuge::data::refund;

pub fn routes() -> Vec<Route> {
    routes![payback]
}

/// WeChat Pay's notify (v2 XML or v3 JSON, payment or refund): checked, recorded, and
/// applied at most once (SPEC §8).
#[post("/payback", data = "<body>")]
async fn payback(
    body: pay::NotifyBody,
    headers: NotifyHeaders,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> NotifyAnswer {
    let body = match body.0 {
        Ok(body) => body,
        Err(why) if headers.is_v3("") => {
            log::warn!("payback: {why}");
            return NotifyAnswer::V3(Verdict::Malformed);
        }
        Err(why) => return NotifyAnswer::Xml(pay::reply(false, why)),
    };
    let v3 = headers.is_v3(&body);
    let secrets = db.secrets().clone();
    let judged = if v3 {
        let (wechat, config, reader) = (
            wechat.inner().clone(),
            settings.inner().clone(),
            db.inner().clone(),
        );
        let opened = blocking(move || {
            let candidates = v3_accounts(&reader, &secrets, &config)?;
            Ok((open(&wechat, &candidates, &headers, &body), body))
        })
        .await;
        match opened {
            Ok((opened, body)) => {
                db.tx(move |tx| {
                    let verdict = match opened {
                        Ok(opened) => judge_v3(tx, &opened)?,
                        Err(verdict) => verdict,
                    };
                    pay::record_notify(tx, "zhuge", &body, verdict)?;
                    Ok(verdict)
                })
                .await
            }
            Err(e) => Err(e),
        }
    } else {
        let config = settings.inner().clone();
        db.tx(move |tx| {
            let verdict = judge(tx, &secrets, &config, &body)?;
            pay::record_notify(tx, "zhuge", &body, verdict)?;
            Ok(verdict)
        })
        .await
    };
    NotifyAnswer::judged(v3, judged, "payback")
}

/// The shops whose merchant speaks v3.
fn v3_accounts(
    db: &Db,
    secrets: &Secrets,
    settings: &Settings,
) -> ApiResult<Vec<(i64, PayAccount)>> {
    let c = db.reader()?;
    let ids: Vec<i64> = c
        .prepare_cached("SELECT company_id FROM zl_shop_setting WHERE pay_api_version = 'v3'")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut accounts = Vec::new();
    for id in ids {
        match account_of(&c, secrets, settings, id) {
            Ok(Some(account)) if account.v3.is_some() => accounts.push((id, account)),
            Ok(_) => {}
            Err(e) => log::warn!("payback: shop {id}'s merchant is unusable: {e}"),
        }
    }
    Ok(accounts)
}

/// A v3 notify opened by the shop whose keys verify and decrypt it.
struct Opened {
    company_id: i64,
    account: PayAccount,
    event: String,
    payload: Value,
}

fn open(
    wechat: &WeChat,
    candidates: &[(i64, PayAccount)],
    headers: &NotifyHeaders,
    body: &str,
) -> Result<Opened, Verdict> {
    let signed = headers.signed(body).map_err(|e| verdict_of(&e))?;
    let mut refusal = Verdict::NotConfigured;
    for (company_id, account) in candidates {
        let Some(keys) = account.v3.as_ref() else {
            continue;
        };
        if !keys.known.is_empty() && keys.known.get(signed.serial).is_none() {
            refusal = Verdict::BadSignature;
            continue;
        }
        match open_v3(wechat, keys, &signed) {
            Ok((notify, payload)) => {
                return Ok(Opened {
                    company_id: *company_id,
                    account: account.clone(),
                    event: notify.event_type,
                    payload,
                })
            }
            Err(e) => {
                log::warn!("payback: not shop {company_id}'s notify: {e}");
                refusal = verdict_of(&e);
            }
        }
    }
    Err(refusal)
}

/// A v3 payment or refund, once opened.
fn judge_v3(c: &Connection, o: &Opened) -> ApiResult<Verdict> {
    if o.event.starts_with("REFUND.") {
        let notice = RefundNotice::from_v3(&o.payload);
        return refunds::judge_notice(c, refund::APP, &o.account.mch_id, &notice, refund::apply);
    }
    let text = |k: &str| o.payload.get(k).and_then(Value::as_str).unwrap_or("");
    let Some(order) = order::order_by_trade_no(c, text("out_trade_no"))? else {
        return Ok(Verdict::UnknownOrder);
    };
    if order.company_id != o.company_id
        || text("appid") != order.appid
        || text("mchid") != order.mch_id
    {
        return Ok(Verdict::MerchantMismatch);
    }
    let amount = o.payload.pointer("/amount/total").and_then(Value::as_i64);
    settle(
        c,
        &order,
        text("trade_state") == "SUCCESS",
        amount,
        text("transaction_id"),
    )
}

/// What a v2 notify is; settles the order (or a refund) when it says so.
fn judge(c: &Connection, secrets: &Secrets, settings: &Settings, body: &str) -> ApiResult<Verdict> {
    let Ok(fields) = pay::from_xml(body) else {
        return Ok(Verdict::Malformed);
    };
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if fields.contains_key("req_info") {
        return judge_v2_refund(c, secrets, settings, &fields);
    }
    let Some(order) = order::order_by_trade_no(c, field("out_trade_no"))? else {
        return Ok(Verdict::UnknownOrder);
    };
    let key = account_of(c, secrets, settings, order.company_id)?
        .map(|a| a.v2_key)
        .unwrap_or_default();
    if key.is_empty() || !pay::verify(&fields, &key) {
        return Ok(Verdict::BadSignature);
    }
    if field("appid") != order.appid || field("mch_id") != order.mch_id {
        return Ok(Verdict::MerchantMismatch);
    }
    if field("return_code") != "SUCCESS" {
        return Ok(Verdict::NotSuccess);
    }
    let amount = field("total_fee").parse::<i64>().ok();
    settle(
        c,
        &order,
        field("result_code") == "SUCCESS",
        amount,
        field("transaction_id"),
    )
}

/// A v2 refund notify: opened by the shop whose merchant id it names and whose key decrypts it.
fn judge_v2_refund(
    c: &Connection,
    secrets: &Secrets,
    settings: &Settings,
    fields: &std::collections::BTreeMap<String, String>,
) -> ApiResult<Verdict> {
    let mch_id = fields.get("mch_id").cloned().unwrap_or_default();
    let ids: Vec<i64> = c
        .prepare_cached(
            "SELECT company_id FROM zl_shop_setting WHERE shangHuHao = ?1 AND shangHuHao != ''",
        )?
        .query_map([&mch_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut verdict = Verdict::UnknownOrder;
    for id in ids {
        let Some(account) = account_of(c, secrets, settings, id)? else {
            continue;
        };
        match open_v2_refund(&account, fields) {
            Ok(info) => {
                let notice = RefundNotice::from_v2(&account.mch_id, &info);
                return refunds::judge_notice(
                    c,
                    refund::APP,
                    &account.mch_id,
                    &notice,
                    refund::apply,
                );
            }
            Err(refused) => verdict = refused,
        }
    }
    Ok(verdict)
}

/// The same rules for both versions: a failed payment fails the order, a success must carry
/// the order's amount, a repeat changes nothing.
fn settle(
    c: &Connection,
    order: &order::PaidOrder,
    success: bool,
    amount: Option<i64>,
    transaction_id: &str,
) -> ApiResult<Verdict> {
    if !success {
        order::settle(c, order.id, FAILED, transaction_id)?;
        return Ok(Verdict::PaymentFailed);
    }
    if amount != Some(order.amount) {
        return Ok(Verdict::AmountMismatch);
    }
    if order.status == PAID {
        return Ok(Verdict::Repeat);
    }
    if order::settle(c, order.id, PAID, transaction_id)? {
        Ok(Verdict::Paid)
    } else {
        Ok(Verdict::OrderClosed)
    }
}
