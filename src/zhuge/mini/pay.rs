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
use crate::refunds;
use crate::secrets::Secrets;
use crate::task::blocking;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::merchant::{ApiVersion, PayAccount};
use crate::wechat::pay::{self, TradeType, UnifiedOrder, Verdict};
use crate::wechat::pay_notify::{
    open_v2_refund, open_v3, verdict_of, NotifyAnswer, NotifyHeaders, RefundNotice,
};
use crate::wechat::pay_v3::{mini_program_pay_params, sign::nonce_str};
use crate::wechat::WeChat;
use crate::zhuge::data::order::{self, NewOrder, FAILED, PAID};
use crate::zhuge::data::{refund, shop};
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
