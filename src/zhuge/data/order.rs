//! Shop orders (seed 001 `yuZhiFu`, `payback`, `theOrderShow`): created at prepay, settled
//! once by WeChat Pay's notify.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::clock;
use crate::error::ApiResult;
use crate::web::params::Page;
use crate::zhuge::data::shop::yuan;

pub const UNPAID: i64 = 1;
pub const PAID: i64 = 8;
pub const FAILED: i64 = 9;
/// The original's refund states (`theOrderStatus` 2 to 5).
pub const REFUNDED: i64 = 2;
pub const REFUND_FAILED: i64 = 3;
pub const REFUNDING: i64 = 4;
pub const REFUND_REFUSED: i64 = 5;

pub fn order_status_name(status: i64) -> &'static str {
    match status {
        UNPAID => "待付款",
        PAID => "交易成功",
        FAILED => "交易失败",
        REFUNDED => "退款完成",
        REFUND_FAILED => "退款失败",
        REFUNDING => "退款中",
        REFUND_REFUSED => "拒绝退款",
        _ => "",
    }
}

pub struct NewOrder<'a> {
    pub out_trade_no: &'a str,
    pub company_id: i64,
    pub goods_id: i64,
    pub customer_id: i64,
    pub user_id: Option<i64>,
    pub goods_name: &'a str,
    pub amount: i64,
    pub appid: &'a str,
    pub mch_id: &'a str,
    pub prepay_id: &'a str,
}

pub fn insert_order(c: &Connection, o: &NewOrder) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_order (out_trade_no, company_id, goods_id, customer_id, user_id, goods_name, amount,
                               appid, mch_id, prepay_id, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![o.out_trade_no, o.company_id, o.goods_id, o.customer_id, o.user_id, o.goods_name, o.amount,
                o.appid, o.mch_id, o.prepay_id, clock::now()],
    )?;
    Ok(c.last_insert_rowid())
}

pub fn orders_of_customer(
    c: &Connection,
    customer_id: i64,
    page: &Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let total: i64 = c.query_row(
        "SELECT COUNT(*) FROM zl_order WHERE customer_id = ?1",
        [customer_id],
        |r| r.get(0),
    )?;
    let rows = c
        .prepare_cached(
            "SELECT id, out_trade_no, goods_name, amount, status, create_date, paid_date, goods_id
             FROM zl_order WHERE customer_id = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3",
        )?
        .query_map(params![customer_id, page.limit, page.offset], |r| {
            let status: i64 = r.get(4)?;
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "orderNumber": r.get::<_, String>(1)?,
                "goodsName": r.get::<_, String>(2)?,
                "yingFuKuan": yuan(r.get(3)?),
                "theOrderStatus": status,
                "theOrderStatusName": order_status_name(status),
                "createDate": r.get::<_, String>(5)?,
                "payDate": r.get::<_, Option<String>>(6)?,
                "goodsId": r.get::<_, Option<i64>>(7)?,
            }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// What a pay notify is checked against.
pub struct PaidOrder {
    pub id: i64,
    pub company_id: i64,
    pub amount: i64,
    pub appid: String,
    pub mch_id: String,
    pub status: i64,
}

pub fn order_by_trade_no(c: &Connection, out_trade_no: &str) -> ApiResult<Option<PaidOrder>> {
    Ok(c
        .query_row(
            "SELECT id, company_id, amount, appid, mch_id, status FROM zl_order WHERE out_trade_no = ?1",
            [out_trade_no],
            |r| {
                Ok(PaidOrder {
                    id: r.get(0)?,
                    company_id: r.get(1)?,
                    amount: r.get(2)?,
                    appid: r.get(3)?,
                    mch_id: r.get(4)?,
                    status: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Settles an unpaid order; a settled one stays as it is. Returns whether it changed.
pub fn settle(c: &Connection, id: i64, status: i64, transaction_id: &str) -> ApiResult<bool> {
    let changed = c.execute(
        "UPDATE zl_order SET status = ?2, transaction_id = ?3, paid_date = ?4 WHERE id = ?1 AND status = 1",
        params![id, status, transaction_id, clock::now()],
    )?;
    Ok(changed == 1)
}
