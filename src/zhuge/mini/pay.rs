//! Seed 001 payment: `yuZhiFu` orders goods through WeChat Pay v2 (JSAPI), `payback` takes
//! WeChat's notify, `theOrderShow` lists a customer's orders.

use std::net::IpAddr;

use rocket::http::ContentType;
use rocket::{get, post, routes, Route, State};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::secrets::{Secrets, PAY_KEY};
use crate::task::blocking;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::pay::{self, Merchant, TradeType, UnifiedOrder, Verdict};
use crate::wechat::WeChat;
use crate::zhuge::data::order::{self, NewOrder, FAILED, PAID};
use crate::zhuge::data::shop;
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![yu_zhi_fu, payback, order_show]
}

/// Everything the unified order needs, read before calling WeChat.
struct Checkout {
    company_id: i64,
    goods_id: i64,
    goods_name: String,
    amount: i64,
    salesperson: i64,
    merchant: Merchant,
    openid: String,
}

fn checkout(
    c: &Connection,
    secrets: &Secrets,
    settings: &Settings,
    me: &Customer,
    goods_id: i64,
    count: i64,
) -> ApiResult<Checkout> {
    let (company_id, goods) =
        shop::goods(c, goods_id)?.ok_or_else(|| ApiError::not_found("商品"))?;
    if goods.status != 1 {
        return Err(ApiError::invalid("goodsId", "商品已下架"));
    }
    // The payer must be a customer of this company: bound to one of its salespeople.
    let salesperson: i64 = c
        .query_row(
            "SELECT r.user_id FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
             WHERE r.customer_id = ?1 AND e.company_id = ?2 ORDER BY r.id LIMIT 1",
            params![me.id, company_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| ApiError::forbidden("只能购买已绑定名片的公司的商品"))?;
    let (_, mch_id, key) = shop::settings(c, company_id)?.unwrap_or_default();
    let key = secrets.open(PAY_KEY, &key)?;
    if mch_id.is_empty() || key.is_empty() {
        return Err(ApiError::invalid("goodsId", "该商城尚未配置微信支付商户号"));
    }
    let own_appid: String = c.query_row(
        "SELECT mp_appid FROM zl_company WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )?;
    let appid = if own_appid.is_empty() {
        settings.wechat_appid.clone()
    } else {
        own_appid
    };
    if appid.is_empty() {
        return Err(ApiError::invalid(
            "xiaochengxu_id",
            "未配置小程序 appid, 无法支付 (离线模式)",
        ));
    }
    let openid: String = c.query_row(
        "SELECT openid FROM zl_customer WHERE id = ?1",
        [me.id],
        |r| r.get(0),
    )?;
    let amount = goods
        .price_fen
        .checked_mul(count)
        .ok_or_else(|| ApiError::invalid("goodsNum", "过大"))?;
    Ok(Checkout {
        company_id,
        goods_id,
        goods_name: goods.name,
        amount,
        salesperson,
        merchant: Merchant { appid, mch_id, key },
        openid,
    })
}

/// `YYYYmmddHHMMSS` + 6 random digits + the goods id: unique, and readable by a person.
fn trade_no(goods_id: i64) -> String {
    let random: u32 = rand::random_range(0..1_000_000);
    format!(
        "{}{random:06}{goods_id}",
        crate::clock::now_local().format("%Y%m%d%H%M%S")
    )
}

#[post("/yuZhiFu", data = "<p>")]
async fn yu_zhi_fu(
    me: Customer,
    p: Params,
    ip: Option<IpAddr>,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let goods_id = p.id("goodsId")?;
    if let Some(u_id) = p.opt_id("u_id")? {
        if u_id != me.id {
            return Err(ApiError::forbidden("只能为自己下单"));
        }
    }
    let count: i64 = p.opt_num("goodsNum")?.unwrap_or(1);
    if !(1..=99).contains(&count) {
        return Err(ApiError::invalid("goodsNum", "须在 1 到 99 之间"));
    }
    let (config, secrets) = (settings.inner().clone(), db.secrets().clone());
    let sale = db
        .run(move |c| checkout(c, &secrets, &config, &me, goods_id, count))
        .await?;
    let notify_url = format!(
        "{}/zhugeleida/xiaochengxu/payback",
        settings.public_url.trim_end_matches('/')
    );
    let client_ip = ip.map_or("127.0.0.1".to_string(), |ip| ip.to_string());
    let wechat = wechat.inner().clone();
    let (sale, out_trade_no, prepay_id) =
        blocking(move || place_order(&wechat, sale, &client_ip, &notify_url)).await?;
    let fields = pay::jsapi_fields(&sale.merchant, &prepay_id);
    db.tx(move |tx| store_order(tx, me.id, &sale, &out_trade_no, &prepay_id))
        .await?;
    let time_stamp: i64 = fields["timeStamp"].parse().unwrap_or_default();
    ok(
        "预支付请求成功",
        json!({
            "appId": fields["appId"], "timeStamp": time_stamp, "nonceStr": fields["nonceStr"],
            "package": fields["package"], "signType": fields["signType"], "paySign": fields["paySign"],
        }),
    )
}

/// WeChat Pay's unified order (JSAPI) for the sale: answers the sale back with its new
/// trade number and WeChat's prepay id.
fn place_order(
    wechat: &WeChat,
    sale: Checkout,
    client_ip: &str,
    notify_url: &str,
) -> ApiResult<(Checkout, String, String)> {
    let out_trade_no = trade_no(sale.goods_id);
    let prepay = wechat.unified_order(
        &sale.merchant,
        &UnifiedOrder {
            body: &sale.goods_name,
            out_trade_no: &out_trade_no,
            total_fee: sale.amount,
            client_ip,
            notify_url,
            trade_type: TradeType::Jsapi,
            openid: Some(&sale.openid),
        },
    )?;
    Ok((sale, out_trade_no, prepay.prepay_id))
}

/// The unpaid order, kept until WeChat's notify settles it; answers its id.
fn store_order(
    tx: &Connection,
    customer_id: i64,
    sale: &Checkout,
    out_trade_no: &str,
    prepay_id: &str,
) -> ApiResult<i64> {
    order::insert_order(
        tx,
        &NewOrder {
            out_trade_no,
            company_id: sale.company_id,
            goods_id: sale.goods_id,
            customer_id,
            user_id: Some(sale.salesperson),
            goods_name: &sale.goods_name,
            amount: sale.amount,
            appid: &sale.merchant.appid,
            mch_id: &sale.merchant.mch_id,
            prepay_id,
        },
    )
}

/// WeChat Pay's notify: checked, recorded, and applied at most once (SPEC §8).
#[post("/payback", data = "<body>")]
async fn payback(body: pay::NotifyBody, db: &State<Db>) -> (ContentType, String) {
    let body = match body.0 {
        Ok(body) => body,
        Err(why) => return (ContentType::XML, pay::reply(false, why)),
    };
    let secrets = db.secrets().clone();
    let outcome = db
        .tx(move |tx| {
            let verdict = judge(tx, &secrets, &body)?;
            pay::record_notify(tx, "zhuge", &body, verdict)?;
            Ok(verdict)
        })
        .await;
    let reply = match outcome {
        Ok(verdict) => verdict.reply(),
        Err(e) => {
            log::error!("payback: {e}");
            pay::reply(false, "系统繁忙")
        }
    };
    (ContentType::XML, reply)
}

/// What the notify is; settles the order when it says so.
fn judge(c: &Connection, secrets: &Secrets, body: &str) -> ApiResult<Verdict> {
    let Ok(fields) = pay::from_xml(body) else {
        return Ok(Verdict::Malformed);
    };
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let Some(order) = order::order_by_trade_no(c, field("out_trade_no"))? else {
        return Ok(Verdict::UnknownOrder);
    };
    let (_, _, key) = shop::settings(c, order.company_id)?.unwrap_or_default();
    let key = secrets.open(PAY_KEY, &key)?;
    if key.is_empty() || !pay::verify(&fields, &key) {
        return Ok(Verdict::BadSignature);
    }
    if field("appid") != order.appid || field("mch_id") != order.mch_id {
        return Ok(Verdict::MerchantMismatch);
    }
    if field("return_code") != "SUCCESS" {
        return Ok(Verdict::NotSuccess);
    }
    if field("result_code") != "SUCCESS" {
        order::settle(c, order.id, FAILED, field("transaction_id"))?;
        return Ok(Verdict::PaymentFailed);
    }
    if field("total_fee").parse::<i64>().ok() != Some(order.amount) {
        return Ok(Verdict::AmountMismatch);
    }
    if order.status == PAID {
        return Ok(Verdict::Repeat);
    }
    if order::settle(c, order.id, PAID, field("transaction_id"))? {
        Ok(Verdict::Paid)
    } else {
        Ok(Verdict::OrderClosed)
    }
}

#[get("/theOrderShow")]
async fn order_show(me: Customer, p: Params, db: &State<Db>) -> Reply {
    if let Some(u_id) = p.opt_id("u_id")? {
        if u_id != me.id {
            return Err(ApiError::forbidden("只能查看自己的订单"));
        }
    }
    let page = p.page()?;
    let (rows, total): (Vec<Value>, i64) = db
        .run(move |c| order::orders_of_customer(c, me.id, &page))
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}
