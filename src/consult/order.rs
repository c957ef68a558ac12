//! Seed 002 §1.3: a buyer's orders. The server owns the order number, the time, the price
//! (the post's) and the status; the states and who moves them are in docs/consult.md.

use rand::Rng;
use rocket::{get, post, routes, Route, State};
use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};

use super::post::{check_user_id, owned};
use super::price::{parse_yuan, yuan};
use super::refund;
use super::reply::{ok, Reply};
use super::session::Buyer;
use super::status::Status;
use crate::clock;
use crate::config::Settings;
use crate::db::{Db, OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::web::params::Params;
use crate::wechat::merchant::ConfiguredPay;

pub fn routes() -> Vec<Route> {
    routes![add, cancel, delete, confirm, list]
}

/// An order as the transitions need it.
#[derive(Debug, Clone)]
pub struct Order {
    pub id: i64,
    pub order_no: String,
    pub post_id: i64,
    pub user_id: i64,
    pub consultant_id: Option<i64>,
    pub price_fen: i64,
    pub status: Status,
}

const ORDER_COLUMNS: &str =
    "id, order_no, post_id, user_id, consultant_id, price_fen, status FROM cs_order";

fn order_row(r: &Row<'_>) -> rusqlite::Result<Order> {
    let status: i64 = r.get(6)?;
    Ok(Order {
        id: r.get(0)?,
        order_no: r.get(1)?,
        post_id: r.get(2)?,
        user_id: r.get(3)?,
        consultant_id: r.get(4)?,
        price_fen: r.get(5)?,
        status: Status::from_number(status).unwrap_or(Status::Cancelled),
    })
}

/// The order `id` (hidden ones included): 302 when there is none.
pub fn load(conn: &Connection, id: i64) -> ApiResult<Order> {
    conn.query_row(
        &format!("SELECT {ORDER_COLUMNS} WHERE id = ?1"),
        [id],
        order_row,
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found("订单"))
}

pub fn by_order_no(conn: &Connection, order_no: &str) -> ApiResult<Option<Order>> {
    Ok(conn
        .query_row(
            &format!("SELECT {ORDER_COLUMNS} WHERE order_no = ?1"),
            [order_no],
            order_row,
        )
        .optional()?)
}

/// The buyer's own, visible order `id`.
pub fn owned_order(conn: &Connection, id: i64, buyer: i64) -> ApiResult<Order> {
    let order = load(conn, id)?;
    if order.user_id != buyer {
        return Err(ApiError::forbidden("只能操作自己的订单"));
    }
    let hidden: bool = conn.query_row("SELECT hidden FROM cs_order WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    if hidden {
        return Err(ApiError::not_found("订单"));
    }
    Ok(order)
}

/// Moves `order` from its current state to `to`.
pub fn move_to(conn: &Connection, order: &Order, to: Status) -> ApiResult<()> {
    conn.execute(
        "UPDATE cs_order SET status = ?3, update_date = ?4 WHERE id = ?1 AND status = ?2",
        params![order.id, order.status as i64, to as i64, clock::now()],
    )?;
    Ok(())
}

/// Money came in for an order that will not be served: the order is refunding, and its
/// whole price goes back (by API when the merchant can, else recorded for an operator).
pub fn request_refund(
    conn: &Connection,
    order: &Order,
    reason: &str,
    payout: &refund::Payout,
) -> ApiResult<refund::Sent> {
    move_to(conn, order, Status::Refunding)?;
    let paid = refund::Paid {
        id: order.id,
        order_no: &order.order_no,
        price_fen: order.price_fen,
    };
    refund::request(conn, &paid, reason, payout)
}

/// The order id the seed's `order/cancel` and `order/delete` name: `order_id`, or the
/// seed's own `post_id` field, which its table describes as "订单id".
fn order_id_param(p: &Params) -> ApiResult<i64> {
    match p.opt_id("order_id")? {
        Some(id) => Ok(id),
        None => p
            .opt_id("post_id")?
            .ok_or_else(|| ApiError::missing("order_id")),
    }
}

/// `CS` + local time + 6 random digits: unique, and within WeChat's 32 characters.
fn new_order_no() -> String {
    let stamp = clock::now_local().format("%Y%m%d%H%M%S");
    format!("CS{stamp}{:06}", rand::rng().random_range(0..1_000_000))
}

/// The buyer orders their own demand, optionally offering it to one consultant.
#[post("/order/add", data = "<p>")]
async fn add(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    check_user_id(&p, me.0)?;
    let post_id = p.id("post_id")?;
    let consultant_id = p.opt_id("consultant_id")?;
    let claimed_price = p
        .str("price")
        .map(|raw| parse_yuan("price", raw))
        .transpose()?;
    let id = db
        .tx(move |tx| {
            let post = owned(tx, post_id, me.0)?;
            if claimed_price.is_some_and(|fen| fen != post.price_fen) {
                return Err(ApiError::invalid("price", "与需求价格不符"));
            }
            if let Some(consultant) = consultant_id {
                ensure_consultant(tx, consultant)?;
            }
            let now = clock::now();
            tx.execute(
                "INSERT INTO cs_order (order_no, post_id, user_id, consultant_id, price_fen,
                     status, create_date, update_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
                params![
                    new_order_no(),
                    post.id,
                    me.0,
                    consultant_id,
                    post.price_fen,
                    Status::Unpaid as i64,
                    now
                ],
            )
            .on_unique(Code::Invalid, "该需求已有未完成的订单")?;
            Ok(tx.last_insert_rowid())
        })
        .await?;
    ok(vec![json!(id)])
}

fn ensure_consultant(conn: &Connection, id: i64) -> ApiResult<()> {
    let found: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM cs_account WHERE id = ?1 AND kind = 'consultant')",
        [id],
        |r| r.get(0),
    )?;
    if !found {
        return Err(ApiError::not_found("顾问"));
    }
    Ok(())
}

/// Unpaid: cancelled. Paid or accepted: refunded (the answer says whether by API).
#[post("/order/cancel", data = "<p>")]
async fn cancel(
    me: Buyer,
    p: Params,
    db: &State<Db>,
    pay: &State<ConfiguredPay>,
    settings: &State<Settings>,
) -> Reply {
    let id = order_id_param(&p)?;
    let payout = refund::Payout::new(pay, settings);
    let sent = db
        .tx(move |tx| {
            let order = owned_order(tx, id, me.0)?;
            match order.status {
                Status::Unpaid => move_to(tx, &order, Status::Cancelled).map(|()| None),
                Status::Paid | Status::Accepted => {
                    request_refund(tx, &order, "买家取消订单", &payout).map(Some)
                }
                other => Err(other.refuse("取消")),
            }
        })
        .await?;
    match sent {
        None => ok(vec![]),
        Some(sent) => ok(vec![
            json!({"refund": sent.status, "refund_msg": sent.message()}),
        ]),
    }
}

/// Removes an order from the buyer's list: unpaid ones are cancelled on the way; orders
/// with money in flight (paid, accepted, delivered, refunding) stay.
#[post("/order/delete", data = "<p>")]
async fn delete(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    let id = order_id_param(&p)?;
    db.tx(move |tx| {
        let order = owned_order(tx, id, me.0)?;
        match order.status {
            Status::Unpaid => move_to(tx, &order, Status::Cancelled)?,
            Status::Cancelled | Status::Completed => {}
            other => return Err(other.refuse("删除")),
        }
        tx.execute("UPDATE cs_order SET hidden = 1 WHERE id = ?1", [id])?;
        Ok(())
    })
    .await?;
    ok(vec![])
}

/// The buyer confirms a delivered order: done.
#[post("/order/confirm", data = "<p>")]
async fn confirm(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    let id = order_id_param(&p)?;
    db.tx(move |tx| {
        let order = owned_order(tx, id, me.0)?;
        match order.status {
            Status::Delivered => move_to(tx, &order, Status::Completed),
            other => Err(other.refuse("确认完成")),
        }
    })
    .await?;
    ok(vec![])
}

#[get("/order/list")]
async fn list(me: Buyer, db: &State<Db>) -> Reply {
    let orders = db
        .run(move |c| listed(c, "o.user_id = ?1 AND o.hidden = 0", me.0))
        .await?;
    ok(orders)
}

/// Orders matching `filter` (one `?1` parameter), newest first, with their post's title.
pub fn listed(conn: &Connection, filter: &str, param: i64) -> ApiResult<Vec<Value>> {
    let sql = format!(
        "SELECT o.id, o.order_no, o.post_id, p.title, o.price_fen, o.status, o.user_id,
                o.consultant_id, o.create_date, o.paid_date
         FROM cs_order o JOIN cs_post p ON p.id = o.post_id
         WHERE {filter} ORDER BY o.id DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([param], |r| {
        let status = Status::from_number(r.get(5)?).unwrap_or(Status::Cancelled);
        Ok(json!({
            "order_id": r.get::<_, i64>(0)?,
            "order_no": r.get::<_, String>(1)?,
            "post_id": r.get::<_, i64>(2)?,
            "title": r.get::<_, String>(3)?,
            "price": yuan(r.get(4)?),
            "status": status as i64,
            "status_name": status.name(),
            "user_id": r.get::<_, i64>(6)?,
            "consultant_id": r.get::<_, Option<i64>>(7)?,
            "create_time": r.get::<_, String>(8)?,
            "paid_time": r.get::<_, Option<String>>(9)?,
        }))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
