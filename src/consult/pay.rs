//! Seed 002 §1.4: WeChat Pay v2 for a buyer's order. `/api/pay/init` places a NATIVE unified
//! order and returns its `code_url` and a QR code PNG of it; `/api/pay/notify` is WeChat's
//! payment notice, which marks the order paid exactly once.

use std::net::IpAddr;

use rocket::{post, routes, Route, State};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::order::{self, owned_order, request_refund, Order};
use super::price::yuan;
use super::refund::{self, Payout, NOTIFY_PATH};
use super::reply::{ok, Reply};
use super::session::Buyer;
use super::status::Status;
use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::media;
use crate::refunds;
use crate::task::blocking;
use crate::web::params::Params;
use crate::wechat::merchant::{ApiVersion, ConfiguredPay, PayAccount};
use crate::wechat::pay::{self, TradeType, UnifiedOrder, Verdict};
use crate::wechat::pay_notify::{
    open_v2_refund, open_v3, verdict_of, NotifyAnswer, NotifyHeaders, RefundNotice,
};
use crate::wechat::WeChat;

pub fn routes() -> Vec<Route> {
    routes![init, notify]
}

/// The order `out_trade_no` names: the id `order/add` returned, or its order number.
fn order_of(conn: &Connection, raw: &str, buyer: i64) -> ApiResult<Order> {
    let id = match raw.parse::<i64>() {
        Ok(id) => id,
        Err(_) => {
            order::by_order_no(conn, raw)?
                .ok_or_else(|| ApiError::not_found("订单"))?
                .id
        }
    };
    owned_order(conn, id, buyer)
}

/// WeChat's `body` is at most 128 bytes; the post's title, cut on a character boundary.
fn pay_body(title: &str) -> String {
    let mut body = String::from("咨询需求-");
    for c in title.chars() {
        if body.len() + c.len_utf8() > 120 {
            break;
        }
        body.push(c);
    }
    body
}

/// The amount is the order's price (the post's, frozen while the order lives), never the
/// client's `total_fee`; `body` and `spbill_create_ip` are the server's too unless valid.
#[post("/init", data = "<p>")]
async fn init(
    me: Buyer,
    p: Params,
    remote: Option<IpAddr>,
    db: &State<Db>,
    wechat: &State<WeChat>,
    pay: &State<ConfiguredPay>,
    settings: &State<Settings>,
) -> Reply {
    let out_trade_no = p.text("out_trade_no")?;
    let account = pay.0.clone().ok_or_else(|| {
        ApiError::new(
            Code::Forbidden,
            "微信支付未配置: 需要 wechat_appid、pay_mch_id 和 pay_key (v3: pay_apiv3_key 等)",
        )
    })?;
    let client_ip = p
        .str("spbill_create_ip")
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .or(remote)
        .map_or_else(|| "127.0.0.1".to_string(), |ip| ip.to_string());
    let (order, title) = db
        .run(move |c| {
            let order = order_of(c, &out_trade_no, me.0)?;
            if order.status != Status::Unpaid {
                return Err(order.status.refuse("支付"));
            }
            let title: String = c.query_row(
                "SELECT title FROM cs_post WHERE id = ?1",
                [order.post_id],
                |r| r.get(0),
            )?;
            Ok((order, title))
        })
        .await?;

    let notify_url = format!("{}{NOTIFY_PATH}", settings.public_url.trim_end_matches('/'));
    let (wechat, data_dir) = (wechat.inner().clone(), settings.data_dir.clone());
    let placed = order.clone();
    let (prepay, code_url, qr) = blocking(move || {
        let unified = UnifiedOrder {
            body: &pay_body(&title),
            out_trade_no: &placed.order_no,
            total_fee: placed.price_fen,
            client_ip: &client_ip,
            notify_url: &notify_url,
            trade_type: TradeType::Native,
            openid: None,
        };
        let prepay = match account.version {
            ApiVersion::V2 => wechat.unified_order(&account.v2(), &unified)?,
            ApiVersion::V3 => wechat.v3_prepay(&account, &unified)?,
        };
        let code_url = prepay
            .code_url
            .clone()
            .filter(|url| !url.is_empty())
            .ok_or_else(|| ApiError::upstream("微信支付下单失败: 回答缺少 code_url"))?;
        let qr = media::save_qr(&data_dir, &code_url)?;
        Ok((prepay, code_url, qr))
    })
    .await?;

    let (id, stored_url) = (order.id, code_url.clone());
    db.tx(move |tx| {
        tx.execute(
            "UPDATE cs_order SET prepay_id = ?2, code_url = ?3, update_date = ?4 WHERE id = ?1",
            params![id, prepay.prepay_id, stored_url, clock::now()],
        )?;
        Ok(())
    })
    .await?;
    ok(vec![json!({
        "order_id": order.id,
        "out_trade_no": order.order_no,
        "total_fee": order.price_fen,
        "price": yuan(order.price_fen),
        "code_url": code_url,
        "qr_code": settings.static_url(&qr),
    })])
}

/// WeChat's notice (v2 XML or v3 JSON, payment or refund): stored with its verdict
/// whatever it says, and answered in the notify's own version.
#[post("/notify", data = "<body>")]
async fn notify(
    body: pay::NotifyBody,
    headers: NotifyHeaders,
    db: &State<Db>,
    wechat: &State<WeChat>,
    pay: &State<ConfiguredPay>,
    settings: &State<Settings>,
) -> NotifyAnswer {
    let body = match body.0 {
        Ok(body) => body,
        Err(why) if headers.is_v3("") => {
            log::warn!("consult pay notify: {why}");
            return NotifyAnswer::V3(Verdict::Malformed);
        }
        Err(why) => return NotifyAnswer::Xml(pay::reply(false, why)),
    };
    let v3 = headers.is_v3(&body);
    let account = pay.0.clone();
    let payout = Payout::new(pay, settings);
    let judged = if v3 {
        let wechat = wechat.inner().clone();
        let opened = blocking(move || Ok(open(&wechat, account.as_ref(), &headers, &body))).await;
        match opened {
            Ok((opened, body)) => {
                db.tx(move |tx| {
                    let verdict = match opened {
                        Ok((event, payload)) => judge_v3(tx, &payout, &event, &payload)?,
                        Err(verdict) => verdict,
                    };
                    pay::record_notify(tx, "consult", &body, verdict)?;
                    Ok(verdict)
                })
                .await
            }
            Err(e) => Err(e),
        }
    } else {
        db.tx(move |tx| {
            let verdict = judge(tx, &payout, &body)?;
            pay::record_notify(tx, "consult", &body, verdict)?;
            Ok(verdict)
        })
        .await
    };
    NotifyAnswer::judged(v3, judged, "consult")
}

type Opened = Result<(String, Value), Verdict>;

/// Verifies and decrypts a v3 notify with the configured merchant: (event type, payload).
fn open(
    wechat: &WeChat,
    account: Option<&PayAccount>,
    headers: &NotifyHeaders,
    body: &str,
) -> (Opened, String) {
    let opened = (|| {
        let keys = account
            .and_then(|a| a.v3.as_ref())
            .ok_or(Verdict::NotConfigured)?;
        let signed = headers.signed(body).map_err(|e| verdict_of(&e))?;
        let (notify, payload) = open_v3(wechat, keys, &signed).map_err(|e| {
            log::warn!("consult pay notify refused: {e}");
            verdict_of(&e)
        })?;
        Ok((notify.event_type, payload))
    })();
    (opened, body.to_string())
}

/// A v3 notify's payload, once opened: a payment or a refund.
fn judge_v3(
    conn: &Connection,
    payout: &Payout,
    event: &str,
    payload: &Value,
) -> ApiResult<Verdict> {
    let Some(account) = payout.account.as_ref() else {
        return Ok(Verdict::NotConfigured);
    };
    if event.starts_with("REFUND.") {
        let notice = RefundNotice::from_v3(payload);
        return refunds::judge_notice(conn, refund::APP, &account.mch_id, &notice, refund::apply);
    }
    let text = |k: &str| payload.get(k).and_then(Value::as_str).unwrap_or("");
    if text("appid") != account.appid || text("mchid") != account.mch_id {
        return Ok(Verdict::MerchantMismatch);
    }
    let Some(order) = order::by_order_no(conn, text("out_trade_no"))? else {
        return Ok(Verdict::UnknownOrder);
    };
    if payload.pointer("/amount/total").and_then(Value::as_i64) != Some(order.price_fen) {
        return Ok(Verdict::AmountMismatch);
    }
    if text("trade_state") != "SUCCESS" {
        return Ok(Verdict::PaymentFailed);
    }
    settle(conn, &order, text("transaction_id"), payout)
}

/// What a v2 notice is; settles the order (or its refund) when it says so.
fn judge(conn: &Connection, payout: &Payout, body: &str) -> ApiResult<Verdict> {
    let Some(account) = payout.account.as_ref() else {
        return Ok(Verdict::NotConfigured);
    };
    let Ok(fields) = pay::from_xml(body) else {
        return Ok(Verdict::Malformed);
    };
    if fields.contains_key("req_info") {
        return match open_v2_refund(account, &fields) {
            Ok(info) => {
                let notice = RefundNotice::from_v2(&account.mch_id, &info);
                refunds::judge_notice(conn, refund::APP, &account.mch_id, &notice, refund::apply)
            }
            Err(verdict) => Ok(verdict),
        };
    }
    if account.v2_key.is_empty() || !pay::verify(&fields, &account.v2_key) {
        return Ok(Verdict::BadSignature);
    }
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if field("appid") != account.appid || field("mch_id") != account.mch_id {
        return Ok(Verdict::MerchantMismatch);
    }
    let Some(order) = order::by_order_no(conn, field("out_trade_no"))? else {
        return Ok(Verdict::UnknownOrder);
    };
    if field("total_fee").parse::<i64>().ok() != Some(order.price_fen) {
        return Ok(Verdict::AmountMismatch);
    }
    if field("return_code") != "SUCCESS" || field("result_code") != "SUCCESS" {
        return Ok(Verdict::PaymentFailed);
    }
    settle(conn, &order, field("transaction_id"), payout)
}

/// Marks the order paid, once. A payment for an order cancelled meanwhile is refunded; a
/// repeated notice changes nothing.
fn settle(
    conn: &Connection,
    order: &Order,
    transaction_id: &str,
    payout: &Payout,
) -> ApiResult<Verdict> {
    let already: bool = conn.query_row(
        "SELECT paid_date IS NOT NULL FROM cs_order WHERE id = ?1",
        [order.id],
        |r| r.get(0),
    )?;
    if already {
        return Ok(Verdict::Repeat);
    }
    conn.execute(
        "UPDATE cs_order SET paid_date = ?2, transaction_id = ?3 WHERE id = ?1",
        params![order.id, clock::now(), transaction_id],
    )?;
    match order.status {
        Status::Unpaid => {
            order::move_to(conn, order, Status::Paid)?;
            Ok(Verdict::Paid)
        }
        _ => {
            request_refund(conn, order, "订单取消后收到付款", payout)?;
            Ok(Verdict::RefundRequested)
        }
    }
}
