//! The seller's "2.2 订单信息管理" that seed 002 stops at: a consultant sees the paid orders
//! offered to them (or to any consultant), accepts one (one consultant per post), and marks
//! it delivered; `/api/consultant/order/...`.

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use super::order::{listed, load, move_to};
use super::reply::{ok, Reply};
use super::session::Consultant;
use super::status::Status;
use crate::db::Db;
use crate::error::ApiError;
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![offered, taken, accept, deliver]
}

/// Paid orders waiting for a consultant: offered to me, or to no one in particular.
#[get("/order/offered")]
async fn offered(me: Consultant, db: &State<Db>) -> Reply {
    let filter = format!(
        "o.status = {} AND (o.consultant_id = ?1 OR o.consultant_id IS NULL)",
        Status::Paid as i64
    );
    let orders = db.run(move |c| listed(c, &filter, me.0)).await?;
    ok(orders)
}

/// Orders I accepted, in whatever state they are now.
#[get("/order/taken")]
async fn taken(me: Consultant, db: &State<Db>) -> Reply {
    let filter = format!(
        "o.consultant_id = ?1 AND o.status NOT IN ({}, {})",
        Status::Unpaid as i64,
        Status::Paid as i64
    );
    let orders = db.run(move |c| listed(c, &filter, me.0)).await?;
    ok(orders)
}

#[post("/order/accept", data = "<p>")]
async fn accept(me: Consultant, p: Params, db: &State<Db>) -> Reply {
    let id = p.id("order_id")?;
    db.tx(move |tx| {
        let order = load(tx, id)?;
        if order.consultant_id.is_some_and(|c| c != me.0) {
            return Err(ApiError::forbidden("该订单已指定给其他顾问"));
        }
        if order.status != Status::Paid {
            return Err(order.status.refuse("接单"));
        }
        move_to(tx, &order, Status::Accepted)?;
        tx.execute(
            "UPDATE cs_order SET consultant_id = ?2 WHERE id = ?1",
            rusqlite::params![id, me.0],
        )?;
        Ok(())
    })
    .await?;
    ok(vec![json!(id)])
}

#[post("/order/deliver", data = "<p>")]
async fn deliver(me: Consultant, p: Params, db: &State<Db>) -> Reply {
    let id = p.id("order_id")?;
    db.tx(move |tx| {
        let order = load(tx, id)?;
        if order.consultant_id != Some(me.0) || order.status == Status::Paid {
            return Err(ApiError::forbidden("只能交付自己接下的订单"));
        }
        if order.status != Status::Accepted {
            return Err(order.status.refuse("交付"));
        }
        move_to(tx, &order, Status::Delivered)
    })
    .await?;
    ok(vec![])
}
