//! Seed 001 payment: `yuZhiFu` orders goods through WeChat Pay (v2 JSAPI, or v3 JSAPI with
//! RSA-signed pay parameters, as the shop's merchant speaks), `payback` takes WeChat's
//! payment and refund notifies of either version, `theOrderShow` lists a customer's orders.

use std::net::IpAddr;

use rocket::{get, post, routes, Route, State};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::secrets::Secrets;
use crate::task::blocking;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::merchant::{ApiVersion, PayAccount};
use crate::wechat::pay::{self, TradeType, UnifiedOrder};
use crate::wechat::pay_v3::{mini_program_pay_params, sign::nonce_str};
use crate::wechat::WeChat;
use crate::zhuge::data::order::{self, NewOrder};
use crate::zhuge::data::shop;
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![yu_zhi_fu, order_show]
}

/// Everything the unified order needs, read before calling WeChat.
struct Checkout {
    company_id: i64,
    goods_id: i64,
    goods_name: String,
    amount: i64,
    salesperson: i64,
    account: PayAccount,
    openid: String,
}

/// The appid a company's customers pay through: its own mini-program's, else the default.
fn appid_of(c: &Connection, settings: &Settings, company_id: i64) -> ApiResult<String> {
    let own: String = c.query_row(
        "SELECT mp_appid FROM zl_company WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )?;
    Ok(if own.is_empty() {
        settings.wechat_appid.clone()
    } else {
        own
    })
}

/// A company's shop merchant, `None` when it has none.
pub fn account_of(
    c: &Connection,
    secrets: &Secrets,
    settings: &Settings,
    company_id: i64,
) -> ApiResult<Option<PayAccount>> {
    let appid = appid_of(c, settings, company_id)?;
    PayAccount::of_company(c, secrets, company_id, &appid)
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
    if appid_of(c, settings, company_id)?.is_empty() {
        return Err(ApiError::invalid(
            "xiaochengxu_id",
            "未配置小程序 appid, 无法支付 (离线模式)",
        ));
    }
    let account = account_of(c, secrets, settings, company_id)?
        .ok_or_else(|| ApiError::invalid("goodsId", "该商城尚未配置微信支付商户号"))?;
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
        account,
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
    let params = pay_params(&sale.account, &prepay_id)?;
    db.tx(move |tx| store_order(tx, me.id, &sale, &out_trade_no, &prepay_id))
        .await?;
    ok("预支付请求成功", params)
}

/// What `wx.requestPayment` takes: MD5-signed for v2, RSA-signed (`signType` RSA) for v3.
fn pay_params(account: &PayAccount, prepay_id: &str) -> ApiResult<Value> {
    let (app_id, time_stamp, nonce, package, sign_type, pay_sign) = match account.version {
        ApiVersion::V2 => {
            let f = pay::jsapi_fields(&account.v2(), prepay_id);
            let get = |k: &str| f.get(k).cloned().unwrap_or_default();
            let ts = get("timeStamp");
            (
                get("appId"),
                ts,
                get("nonceStr"),
                get("package"),
                get("signType"),
                get("paySign"),
            )
        }
        ApiVersion::V3 => {
            let keys = account.v3_keys()?;
            let p = mini_program_pay_params(
                &keys.signer.key,
                &account.appid,
                prepay_id,
                chrono::Utc::now().timestamp(),
                &nonce_str(),
            )?;
            (
                p.app_id,
                p.time_stamp,
                p.nonce_str,
                p.package,
                p.sign_type,
                p.pay_sign,
            )
        }
    };
    let time_stamp: i64 = time_stamp.parse().unwrap_or_default();
    Ok(json!({
        "appId": app_id, "timeStamp": time_stamp, "nonceStr": nonce,
        "package": package, "signType": sign_type, "paySign": pay_sign,
    }))
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
    let unified = UnifiedOrder {
        body: &sale.goods_name,
        out_trade_no: &out_trade_no,
        total_fee: sale.amount,
        client_ip,
        notify_url,
        trade_type: TradeType::Jsapi,
        openid: Some(&sale.openid),
    };
    let prepay = match sale.account.version {
        ApiVersion::V2 => wechat.unified_order(&sale.account.v2(), &unified)?,
        ApiVersion::V3 => wechat.v3_prepay(&sale.account, &unified)?,
    };
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
            appid: &sale.account.appid,
            mch_id: &sale.account.mch_id,
            prepay_id,
        },
    )
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
