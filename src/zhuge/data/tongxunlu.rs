//! The address book (seed 003 `tongxunlu`): the customer relations in a signer's scope.

use rusqlite::{named_params, Connection};

use crate::error::ApiResult;
use crate::web::params::Page;
use crate::zhuge::data::customer;
use crate::zhuge::data::relation::Scope;

/// The orders of the address book (seed 003 `tongxunlu`), each newest/highest first.
#[derive(Debug, Clone, Copy)]
pub enum BookOrder {
    ExpectedPr,
    LastFollow,
    LastActivity,
    /// When the customer was bound (the original's default).
    Bound,
}

impl BookOrder {
    fn column(self) -> &'static str {
        match self {
            BookOrder::ExpectedPr => "r.expedted_pr",
            BookOrder::LastFollow => "r.last_follow_time",
            BookOrder::LastActivity => "r.last_activity_time",
            BookOrder::Bound => "r.create_date",
        }
    }
}

/// One row of the address book; times as stored, the handler words them.
pub struct Contact {
    pub customer_id: i64,
    pub customer_username: String,
    pub headimgurl: String,
    pub expected_time: Option<String>,
    pub expedted_pr: i64,
    pub belonger: String,
    pub source: i64,
    /// `zl_customer.user_type`: 1 公众号, 2 小程序.
    pub user_type: i64,
    pub last_follow_time: Option<String>,
    pub last_activity_time: Option<String>,
}

/// The relations in scope, optionally of one source, with the total that matched.
pub fn address_book(
    c: &Connection,
    scope: Scope,
    source: Option<i64>,
    order: BookOrder,
    page: Page,
) -> ApiResult<(Vec<Contact>, i64)> {
    let from = format!(
        "FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
         JOIN zl_customer cu ON cu.id = r.customer_id
         {}
         WHERE {} AND (:source IS NULL OR r.source = :source)",
        customer::notes_of_company("e.company_id"),
        scope.condition()
    );
    let total: i64 = c
        .prepare_cached(&format!("SELECT COUNT(*) {from}"))?
        .query_row(
            named_params! {":scope": scope.value(), ":source": source},
            |r| r.get(0),
        )?;
    let sql = format!(
        "SELECT r.customer_id, {name}, cu.headimgurl, r.expected_time, r.expedted_pr, e.username,
                r.source, r.last_follow_time, r.last_activity_time, cu.user_type
         {from} ORDER BY {order} DESC, r.id DESC LIMIT :limit OFFSET :offset",
        name = customer::NAME,
        order = order.column(),
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        named_params! {":scope": scope.value(), ":source": source,
        ":limit": page.limit, ":offset": page.offset},
        |r| {
            Ok(Contact {
                customer_id: r.get(0)?,
                customer_username: r.get(1)?,
                headimgurl: r.get(2)?,
                expected_time: r.get(3)?,
                expedted_pr: r.get(4)?,
                belonger: r.get(5)?,
                source: r.get(6)?,
                last_follow_time: r.get(7)?,
                last_activity_time: r.get(8)?,
                user_type: r.get(9)?,
            })
        },
    )?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}
