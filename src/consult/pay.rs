//! Seed 002 §1.4: WeChat Pay v2 for a buyer's order. `/api/pay/init` places a NATIVE unified
//! order and returns its `code_url` and a QR code PNG of it; `/api/pay/notify` is WeChat's
//! payment notice, which marks the order paid exactly once.

use std::collections::BTreeMap;
use std::net::IpAddr;

use rocket::http::ContentType;
use rocket::{post, routes, Route, State};
use rusqlite::{params, Connection};
use serde_json::json;

use super::order::{self, owned_order, request_refund, Order};
use super::price::yuan;
use super::reply::{ok, Reply};
use super::session::Buyer;
use super::status::Status;
use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::media;
use crate::task::blocking;
use crate::web::params::Params;
use crate::wechat::pay::{self, Merchant, TradeType, UnifiedOrder, Verdict};
use crate::wechat::WeChat;

/// Where WeChat posts payment notices (`notify_url` = `public_url` + this).
pub const NOTIFY_PATH: &str = "/api/pay/notify";

pub fn routes() -> Vec<Route> {
    routes![init, notify]
}

/// The consulting app's merchant: `pay_mch_id`, `pay_key` and `wechat_appid` from the config.
fn merchant(settings: &Settings) -> Option<Merchant> {
    let m = Merchant {
        appid: settings.wechat_appid.clone(),
        mch_id: settings.pay_mch_id.clone(),
        key: settings.pay_key.clone(),
    };
    (!m.appid.is_empty() && !m.mch_id.is_empty() && !m.key.is_empty()).then_some(m)
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
    settings: &State<Settings>,
) -> Reply {
    let out_trade_no = p.text("out_trade_no")?;
    let merchant = merchant(settings).ok_or_else(|| {
        ApiError::new(
            Code::Forbidden,
            "微信支付未配置: 需要 pay_mch_id、pay_key 和 wechat_appid",
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
        let prepay = wechat.unified_order(
            &merchant,
            &UnifiedOrder {
                body: &pay_body(&title),
                out_trade_no: &placed.order_no,
                total_fee: placed.price_fen,
                client_ip: &client_ip,
                notify_url: &notify_url,
                trade_type: TradeType::Native,
                openid: None,
            },
        )?;
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

/// WeChat's notice: answered in XML, stored with its verdict whatever it says.
#[post("/notify", data = "<body>")]
async fn notify(
    body: pay::NotifyBody,
    db: &State<Db>,
    settings: &State<Settings>,
) -> (ContentType, String) {
    let body = match body.0 {
        Ok(body) => body,
        Err(why) => return (ContentType::XML, pay::reply(false, why)),
    };
    let merchant = merchant(settings);
    let judged = db
        .tx(move |tx| {
            let verdict = judge(tx, merchant.as_ref(), &body)?;
            pay::record_notify(tx, "consult", &body, verdict)?;
            Ok(verdict)
        })
        .await;
    let answer = match judged {
        Ok(verdict) => verdict.reply(),
        Err(e) => {
            log::error!("consult pay notify: {e}");
            pay::reply(false, "服务器内部错误")
        }
    };
    (ContentType::XML, answer)
}

/// What the notice is; settles the order when it says so.
fn judge(conn: &Connection, merchant: Option<&Merchant>, body: &str) -> ApiResult<Verdict> {
    let Some(merchant) = merchant else {
        return Ok(Verdict::NotConfigured);
    };
    let Ok(fields) = pay::from_xml(body) else {
        return Ok(Verdict::Malformed);
    };
    if !pay::verify(&fields, &merchant.key) {
        return Ok(Verdict::BadSignature);
    }
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if field("appid") != merchant.appid || field("mch_id") != merchant.mch_id {
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
    settle(conn, &order, &fields)
}

/// Marks the order paid, once. A payment for an order cancelled meanwhile becomes a refund
/// request; a repeated notice changes nothing.
fn settle(
    conn: &Connection,
    order: &Order,
    fields: &BTreeMap<String, String>,
) -> ApiResult<Verdict> {
    let already: bool = conn.query_row(
        "SELECT paid_date IS NOT NULL FROM cs_order WHERE id = ?1",
        [order.id],
        |r| r.get(0),
    )?;
    if already {
        return Ok(Verdict::Repeat);
    }
    let transaction_id = fields.get("transaction_id").cloned().unwrap_or_default();
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
            request_refund(conn, order, "订单取消后收到付款")?;
            Ok(Verdict::RefundRequested)
        }
    }
}
