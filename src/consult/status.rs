//! An order's states (seed 002 §1.3); who moves an order between them is in docs/consult.md.

use crate::error::{ApiError, Code};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Unpaid = 1,
    Paid = 2,
    Accepted = 3,
    Delivered = 4,
    Completed = 5,
    Cancelled = 6,
    Refunding = 7,
    Refunded = 8,
    RefundFailed = 9,
}

impl Status {
    pub fn from_number(n: i64) -> Option<Status> {
        use Status::*;
        [
            Unpaid,
            Paid,
            Accepted,
            Delivered,
            Completed,
            Cancelled,
            Refunding,
            Refunded,
            RefundFailed,
        ]
        .into_iter()
        .find(|s| *s as i64 == n)
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Unpaid => "待付款",
            Status::Paid => "待接单",
            Status::Accepted => "进行中",
            Status::Delivered => "待确认",
            Status::Completed => "已完成",
            Status::Cancelled => "已取消",
            Status::Refunding => "退款中",
            Status::Refunded => "已退款",
            Status::RefundFailed => "退款失败",
        }
    }

    /// "cannot do `action` in this state", for refusals.
    pub fn refuse(self, action: &str) -> ApiError {
        ApiError::new(
            Code::Invalid,
            format!("订单状态为「{}」, 不能{action}", self.name()),
        )
    }
}
