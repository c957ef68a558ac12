//! Refunds of consulting orders: a cancelled paid order (or a payment that arrived for a
//! cancelled one) gives its whole price back, once (`out_refund_no` = `RF` + order number).
//! The order stays 退款中 until WeChat Pay's refund notify says 已退款 or 退款失败.

use rusqlite::Connection;

use super::status::Status;
use crate::clock;
use crate::config::Settings;
use crate::error::ApiResult;
use crate::refunds::{self, NewRefund, Refund};
use crate::wechat::merchant::{ConfiguredPay, PayAccount};

pub const APP: &str = "consult";

/// Who pays refunds out, and where WeChat tells how they ended.
#[derive(Debug, Clone)]
pub struct Payout {
    pub account: Option<PayAccount>,
    pub notify_url: String,
}

impl Payout {
    pub fn new(pay: &ConfiguredPay, settings: &Settings) -> Payout {
        Payout {
            account: pay.0.clone(),
            notify_url: format!(
                "{}{}",
                settings.public_url.trim_end_matches('/'),
                NOTIFY_PATH
            ),
        }
    }
}

/// What became of a refund request, for the buyer.
#[derive(Debug, Clone)]
pub struct Sent {
    pub status: &'static str,
}

impl Sent {
    pub fn message(&self) -> &'static str {
        if self.status == refunds::PENDING {
            "订单已取消, 退款已提交微信支付, 款项将原路退回"
        } else {
            "订单已取消, 已记录退款申请: 商户未配置退款证书, 将由商家在微信支付商户平台退款"
        }
    }
}

/// Where WeChat Pay sends the marketplace's payment and refund notifies.
pub const NOTIFY_PATH: &str = "/api/pay/notify";

/// What a refund needs of its order.
pub struct Paid<'a> {
    pub id: i64,
    pub order_no: &'a str,
    pub price_fen: i64,
}

/// Queues the order's refund (or records it when the merchant cannot refund by API). An
/// order has one refund: asking again changes nothing.
pub fn request(
    conn: &Connection,
    order: &Paid<'_>,
    reason: &str,
    payout: &Payout,
) -> ApiResult<Sent> {
    let existing = refunds::of_order(conn, APP, order.id)?;
    if let Some(refund) = existing.first() {
        let status = if refund.status == refunds::PENDING {
            refunds::PENDING
        } else {
            refunds::RECORDED
        };
        return Ok(Sent { status });
    }
    let by_api = payout
        .account
        .as_ref()
        .is_some_and(PayAccount::refunds_by_api);
    let status = if by_api {
        refunds::PENDING
    } else {
        refunds::RECORDED
    };
    let (appid, mch_id) = payout
        .account
        .as_ref()
        .map(|a| (a.appid.as_str(), a.mch_id.as_str()))
        .unwrap_or(("", ""));
    refunds::insert(
        conn,
        &NewRefund {
            app: APP,
            order_id: order.id,
            company_id: None,
            appid,
            mch_id,
            out_trade_no: order.order_no,
            out_refund_no: Some(format!("RF{}", order.order_no)),
            total_fen: order.price_fen,
            refund_fen: order.price_fen,
            reason,
            reason_id: 4,
            notify_url: &payout.notify_url,
            status,
        },
    )?;
    Ok(Sent { status })
}

/// A refund ended: the order is refunded, or its refund failed.
pub fn apply(conn: &Connection, refund: &Refund) -> ApiResult<()> {
    let to = if refund.status == refunds::SUCCEEDED {
        Status::Refunded
    } else {
        Status::RefundFailed
    };
    conn.execute(
        "UPDATE cs_order SET status = ?2, update_date = ?3 WHERE id = ?1 AND status = ?4",
        rusqlite::params![
            refund.order_id,
            to as i64,
            clock::now(),
            Status::Refunding as i64
        ],
    )?;
    Ok(())
}
