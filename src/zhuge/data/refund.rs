//! Shop refunds (the original's 退款单, `zgld_shangcheng_tuikuan_dingdan_management`): a
//! customer may ask, an employee holding `shop` refunds a paid order in full or in part, or
//! refuses. The money moves through `crate::refunds`; the order shows the original's states
//! (4 退款中, 2 退款完成, 3 退款失败, 5 拒绝退款; a partial refund done returns it to 8).

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use super::order::{PAID, REFUNDED, REFUNDING, REFUND_FAILED, REFUND_REFUSED};
use super::shop::yuan;
use crate::error::{ApiError, ApiResult};
use crate::refunds::{self, Refund};
use crate::web::params::Page;

pub const APP: &str = "zhuge";

/// The original's `tuikuanyuanyin_status`.
pub const REASONS: [(i64, &str); 4] = [
    (1, "不想买了"),
    (2, "信息填错,重新下单"),
    (3, "见面交易"),
    (4, "其他原因"),
];

pub fn reason_name(id: i64) -> &'static str {
    REASONS
        .iter()
        .find(|(n, _)| *n == id)
        .map_or("其他原因", |(_, name)| name)
}

/// The order a refund is about.
#[derive(Debug, Clone)]
pub struct RefundableOrder {
    pub id: i64,
    pub company_id: i64,
    pub customer_id: i64,
    pub out_trade_no: String,
    pub amount: i64,
    pub appid: String,
    pub mch_id: String,
    pub status: i64,
}

pub fn order(c: &Connection, id: i64) -> ApiResult<Option<RefundableOrder>> {
    Ok(c.query_row(
        "SELECT id, company_id, customer_id, out_trade_no, amount, appid, mch_id, status
         FROM zl_order WHERE id = ?1",
        [id],
        |r| {
            Ok(RefundableOrder {
                id: r.get(0)?,
                company_id: r.get(1)?,
                customer_id: r.get(2)?,
                out_trade_no: r.get(3)?,
                amount: r.get(4)?,
                appid: r.get(5)?,
                mch_id: r.get(6)?,
                status: r.get(7)?,
            })
        },
    )
    .optional()?)
}

/// Money may go back from a paid order, and from one whose last refund failed or was refused.
pub fn require_refundable(o: &RefundableOrder) -> ApiResult<()> {
    if matches!(o.status, PAID | REFUND_FAILED | REFUND_REFUSED) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "orderNumber",
            &format!(
                "订单状态为「{}」, 不能退款",
                super::order::order_status_name(o.status)
            ),
        ))
    }
}

/// Sets the order's state (as the original did on its order).
pub fn mark_order(c: &Connection, order_id: i64, status: i64) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_order SET status = ?2 WHERE id = ?1",
        params![order_id, status],
    )?;
    Ok(())
}

/// A refund ended: the order is refunded (fully, or back to 交易成功 after a partial one),
/// or its refund failed.
pub fn apply(c: &Connection, refund: &Refund) -> ApiResult<()> {
    let status = if refund.status == refunds::SUCCEEDED {
        let refunded: i64 = c.query_row(
            "SELECT COALESCE(SUM(refund_fen), 0) FROM pay_refund
             WHERE app = ?1 AND order_id = ?2 AND status = 'succeeded'",
            params![APP, refund.order_id],
            |r| r.get(0),
        )?;
        if refunded >= refund.total_fen {
            REFUNDED
        } else {
            PAID
        }
    } else {
        REFUND_FAILED
    };
    c.execute(
        "UPDATE zl_order SET status = ?2 WHERE id = ?1 AND status = ?3",
        params![refund.order_id, status, REFUNDING],
    )?;
    Ok(())
}

/// The refunds of a company (or of one customer there), newest first, in the original's
/// shape (`otherData`, `objsCount`) plus the amount and the reason a refund failed.
pub fn list(
    c: &Connection,
    company_id: Option<i64>,
    customer_id: Option<i64>,
    status: Option<&str>,
    page: &Page,
) -> ApiResult<Value> {
    let filter = "FROM pay_refund r JOIN zl_order o ON o.id = r.order_id
        WHERE r.app = 'zhuge' AND (?1 IS NULL OR r.company_id = ?1) AND (?2 IS NULL OR o.customer_id = ?2)
          AND (?3 IS NULL OR r.status = ?3)";
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) {filter}"),
        params![company_id, customer_id, status],
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT r.id, o.id, o.out_trade_no, r.reason_id, r.reason, r.create_date, r.refund_date,
                r.status, r.refund_fen, r.total_fen, r.fail_reason, o.status, o.goods_name,
                r.out_refund_no, o.customer_id
         {filter} ORDER BY r.id DESC LIMIT ?4 OFFSET ?5"
    );
    let rows = c
        .prepare_cached(&sql)?
        .query_map(
            params![company_id, customer_id, status, page.limit, page.offset],
            |r| {
                let status: String = r.get(7)?;
                let order_status: i64 = r.get(11)?;
                Ok(json!({
                    "id": r.get::<_, i64>(0)?,
                    "orderNumber_id": r.get::<_, i64>(1)?,
                    "orderNumber": r.get::<_, String>(2)?,
                    "tuiKuanYuanYinId": r.get::<_, i64>(3)?,
                    "tuiKuanYuanYin": reason_name(r.get(3)?),
                    "remark": r.get::<_, String>(4)?,
                    "shengChengDateTime": r.get::<_, String>(5)?,
                    "tuiKuanDateTime": r.get::<_, Option<String>>(6)?.unwrap_or_default(),
                    "tuiKuanStatus": status,
                    "tuiKuanStatusName": refunds::status_name(&status),
                    "tuikuanjine": yuan(r.get(8)?),
                    "yingFuKuan": yuan(r.get(9)?),
                    "failReason": r.get::<_, String>(10)?,
                    "statusNameId": order_status,
                    "statusName": super::order::order_status_name(order_status),
                    "goodsName": r.get::<_, String>(12)?,
                    "tuikuandanhao": r.get::<_, String>(13)?,
                    "customer_id": r.get::<_, i64>(14)?,
                }))
            },
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(json!({"otherData": rows, "objsCount": total}))
}
