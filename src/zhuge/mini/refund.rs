//! Shop refunds (退款单) as the original's routes shape them: `tuiKuanDingDanShow` lists,
//! `tuiKuanDingDanOper/add/0` asks (a customer) or refunds at once (an employee holding
//! `shop`, in full or in part: `tuiKuanJinE`), `tuiKuanDingDanOper/updateStatus/<id>`
//! approves (`status=2`, optionally for less) or refuses (`status=5`) a customer's request,
//! `tuiKuanDingDanOper/selectYuanYin/0` lists the reasons. The money goes through
//! `crate::refunds`: sent by the worker, ended by WeChat Pay's refund notify on `payback`.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use super::pay::account_of;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::refunds::{self, NewRefund, Refund};
use crate::secrets::Secrets;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::access;
use crate::zhuge::data::order::REFUNDING;
use crate::zhuge::data::refund::{self, RefundableOrder, APP, REASONS};
use crate::zhuge::data::shop::parse_yuan;
use crate::zhuge::principal::{Employee, Signer};

pub fn routes() -> Vec<Route> {
    routes![show, add, update_status, reasons]
}

/// Employees holding `shop` see their company's refunds; a customer sees their own.
#[get("/tuiKuanDingDanShow")]
pub(crate) async fn show(who: Signer, p: Params, db: &State<Db>) -> Reply {
    let page = p.page()?;
    let status = p.opt_text("status");
    let data = db
        .run(move |c| match who {
            Signer::Employee(me) => {
                access::require(c, &me, "shop")?;
                refund::list(c, Some(me.company_id), None, status.as_deref(), &page)
            }
            Signer::Customer(me) => refund::list(c, None, Some(me.id), status.as_deref(), &page),
        })
        .await?;
    ok("查询成功", data)
}

#[get("/tuiKuanDingDanOper/selectYuanYin/0")]
async fn reasons(_who: Signer) -> Reply {
    let data: Vec<Value> = REASONS
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    ok("查询成功", json!(data))
}

/// What the form says.
struct Form {
    order_id: i64,
    reason_id: i64,
    remark: String,
    amount: Option<i64>,
}

fn form(p: &Params) -> ApiResult<Form> {
    let reason_id = p.opt_num::<i64>("tuiKuanYuanYin")?.unwrap_or(4);
    if !REASONS.iter().any(|(id, _)| *id == reason_id) {
        return Err(ApiError::invalid("tuiKuanYuanYin", "须为 1 到 4"));
    }
    Ok(Form {
        order_id: p.id("orderNumber")?,
        reason_id,
        remark: p.bounded("remark", text::LINE)?.unwrap_or_default(),
        amount: p
            .str("tuiKuanJinE")
            .map(|raw| parse_yuan("tuiKuanJinE", raw))
            .transpose()?,
    })
}

/// Where refunds are paid from and told to end.
#[derive(Clone)]
struct Context {
    secrets: Secrets,
    settings: Settings,
}

impl Context {
    fn notify_url(&self) -> String {
        format!(
            "{}/zhugeleida/xiaochengxu/payback",
            self.settings.public_url.trim_end_matches('/')
        )
    }

    fn by_api(&self, c: &Connection, company_id: i64) -> ApiResult<bool> {
        Ok(account_of(c, &self.secrets, &self.settings, company_id)?
            .is_some_and(|a| a.refunds_by_api()))
    }
}

#[post("/tuiKuanDingDanOper/add/<_id>", data = "<p>")]
async fn add(
    who: Signer,
    _id: i64,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let form = form(&p)?;
    let ctx = Context {
        secrets: db.secrets().clone(),
        settings: settings.inner().clone(),
    };
    let (msg, refund) = db
        .tx(move |tx| {
            let order =
                refund::order(tx, form.order_id)?.ok_or_else(|| ApiError::not_found("订单"))?;
            match who {
                Signer::Customer(me) => {
                    if order.customer_id != me.id {
                        return Err(ApiError::forbidden("只能为自己的订单申请退款"));
                    }
                    if form.amount.is_some() {
                        return Err(ApiError::invalid("tuiKuanJinE", "由商家决定, 客户不能指定"));
                    }
                    let r = write(tx, &ctx, &order, &form, refunds::REQUESTED, None)?;
                    Ok(("添加退款订单成功！", r))
                }
                Signer::Employee(me) => {
                    require_shop(tx, &me, &order)?;
                    let status = if ctx.by_api(tx, order.company_id)? {
                        refunds::PENDING
                    } else {
                        refunds::RECORDED
                    };
                    let r = write(tx, &ctx, &order, &form, status, form.amount)?;
                    Ok((sent_message(status), r))
                }
            }
        })
        .await?;
    ok(msg, shown(&refund))
}

fn require_shop(c: &Connection, me: &Employee, order: &RefundableOrder) -> ApiResult<()> {
    access::require(c, me, "shop")?;
    if order.company_id != me.company_id {
        return Err(ApiError::forbidden("无权操作其他公司的订单"));
    }
    Ok(())
}

/// A refund of `order` (of `amount`, else all that is left) in `status`; the order goes 退款中.
fn write(
    c: &Connection,
    ctx: &Context,
    order: &RefundableOrder,
    form: &Form,
    status: &'static str,
    amount: Option<i64>,
) -> ApiResult<Refund> {
    refund::require_refundable(order)?;
    let open = refunds::of_order(c, APP, order.id)?.into_iter().any(|r| {
        matches!(
            r.status.as_str(),
            refunds::REQUESTED | refunds::PENDING | refunds::PROCESSING
        )
    });
    if open {
        return Err(ApiError::invalid("orderNumber", "该订单已有退款在处理中"));
    }
    let left = order.amount - refunds::committed_fen(c, APP, order.id)?;
    let refund_fen = amount.unwrap_or(left);
    if left <= 0 || refund_fen > left {
        return Err(ApiError::invalid(
            "tuiKuanJinE",
            &format!(
                "超过可退金额 {}",
                crate::zhuge::data::shop::yuan(left.max(0))
            ),
        ));
    }
    let refund = refunds::insert(
        c,
        &NewRefund {
            app: APP,
            order_id: order.id,
            company_id: Some(order.company_id),
            appid: &order.appid,
            mch_id: &order.mch_id,
            out_trade_no: &order.out_trade_no,
            out_refund_no: None,
            total_fen: order.amount,
            refund_fen,
            reason: &form.remark,
            reason_id: form.reason_id,
            notify_url: &ctx.notify_url(),
            status,
        },
    )?;
    refund::mark_order(c, order.id, REFUNDING)?;
    Ok(refund)
}

fn sent_message(status: &str) -> &'static str {
    if status == refunds::PENDING {
        "退款已提交微信支付, 款项将原路退回"
    } else {
        "已记录退款: 商户未配置退款证书, 请在微信支付商户平台手动退款"
    }
}

fn shown(r: &Refund) -> Value {
    json!({
        "id": r.id,
        "tuikuandanhao": r.out_refund_no,
        "tuiKuanStatus": r.status,
        "tuiKuanStatusName": refunds::status_name(&r.status),
        "tuikuanjine": crate::zhuge::data::shop::yuan(r.refund_fen),
    })
}

/// The seller decides a customer's request: 2 refunds (all asked, or `tuiKuanJinE`), 5 refuses.
#[post("/tuiKuanDingDanOper/updateStatus/<id>", data = "<p>")]
pub(crate) async fn update_status(
    who: Signer,
    id: i64,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let Signer::Employee(me) = who else {
        return Err(ApiError::forbidden("客户无权处理退款"));
    };
    let status: i64 = p
        .opt_num("status")?
        .ok_or_else(|| ApiError::missing("status"))?;
    let amount = p
        .str("tuiKuanJinE")
        .map(|raw| parse_yuan("tuiKuanJinE", raw))
        .transpose()?;
    let ctx = Context {
        secrets: db.secrets().clone(),
        settings: settings.inner().clone(),
    };
    let (msg, refund) = db
        .tx(move |tx| {
            let refund = refunds::load(tx, id)?
                .filter(|r| r.app == APP)
                .ok_or_else(|| ApiError::not_found("退款订单"))?;
            let order =
                refund::order(tx, refund.order_id)?.ok_or_else(|| ApiError::not_found("订单"))?;
            require_shop(tx, &me, &order)?;
            if refund.status != refunds::REQUESTED {
                return Err(ApiError::invalid(
                    "status",
                    &format!(
                        "退款单状态为「{}」, 不能再处理",
                        refunds::status_name(&refund.status)
                    ),
                ));
            }
            let msg = match status {
                2 => {
                    let fen = amount.unwrap_or(refund.refund_fen);
                    if fen > refund.refund_fen {
                        return Err(ApiError::invalid("tuiKuanJinE", "不能超过客户申请的金额"));
                    }
                    let by_api = ctx.by_api(tx, order.company_id)?;
                    refunds::approve(tx, &refund, fen, by_api)?;
                    sent_message(if by_api {
                        refunds::PENDING
                    } else {
                        refunds::RECORDED
                    })
                }
                5 => {
                    tx.execute(
                        "UPDATE pay_refund SET status = 'refused', update_date = ?2 WHERE id = ?1",
                        rusqlite::params![refund.id, crate::clock::now()],
                    )?;
                    refund::mark_order(tx, order.id, crate::zhuge::data::order::REFUND_REFUSED)?;
                    "卖家拒绝退款"
                }
                _ => return Err(ApiError::invalid("status", "须为 2 (退款) 或 5 (拒绝)")),
            };
            let refund =
                refunds::load(tx, refund.id)?.ok_or_else(|| ApiError::not_found("退款订单"))?;
            Ok((msg, refund))
        })
        .await?;
    ok(msg, shown(&refund))
}
