//! Seed 002 §1.2: a buyer's demands. `publish`, `modify`, `delete` and `check` need the
//! buyer's session and touch only the buyer's own posts; `acquire` is open to any signed-in
//! account and lists the open posts of a tag.

use rocket::{delete, get, post, routes, Route, State};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::price::{parse_yuan, yuan};
use super::reply::{ok, Reply};
use super::session::{Account, Buyer};
use super::status::Status;
use super::tag;
use crate::clock;
use crate::db::{Db, OptionalExtension};
use crate::error::{ApiError, ApiResult};
use crate::text;
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![publish, modify, delete_post, delete_by_post, check, acquire]
}

/// A post as its owner's checks need it.
pub struct Post {
    pub id: i64,
    pub title: String,
    pub price_fen: i64,
}

/// The post `id` if `me` owns it: 302 when it does not exist, 403 when it is another's.
pub fn owned(conn: &Connection, id: i64, me: i64) -> ApiResult<Post> {
    let row = conn
        .query_row(
            "SELECT user_id, title, price_fen FROM cs_post WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )
        .optional()?;
    match row {
        None => Err(ApiError::not_found("需求")),
        Some((owner, _, _)) if owner != me => Err(ApiError::forbidden("只能操作自己发布的需求")),
        Some((_, title, price_fen)) => Ok(Post {
            id,
            title,
            price_fen,
        }),
    }
}

/// The seed sends `user_id`; the session decides, and a different id is refused.
pub fn check_user_id(p: &Params, me: i64) -> ApiResult<()> {
    match p.opt_id("user_id")? {
        Some(id) if id != me => Err(ApiError::forbidden("user_id 与登录用户不一致")),
        _ => Ok(()),
    }
}

/// Title, content and price as sent, checked.
struct Draft {
    title: String,
    content: String,
    raw_tags: String,
}

fn draft(p: &Params) -> ApiResult<Draft> {
    Ok(Draft {
        title: p.required("title", text::NAME)?,
        content: p.required("content", text::NOTE)?,
        raw_tags: p.text("tag_id")?,
    })
}

fn price(raw: &str) -> ApiResult<i64> {
    let fen = parse_yuan("price", raw)?;
    if fen == 0 {
        return Err(ApiError::invalid("price", "必须大于 0"));
    }
    Ok(fen)
}

fn set_tags(conn: &Connection, post_id: i64, tags: &[i64]) -> ApiResult<()> {
    conn.execute("DELETE FROM cs_post_tag WHERE post_id = ?1", [post_id])?;
    for tag in tags {
        conn.execute(
            "INSERT INTO cs_post_tag (post_id, tag_id) VALUES (?1, ?2)",
            params![post_id, tag],
        )?;
    }
    Ok(())
}

#[post("/post/publish", data = "<p>")]
async fn publish(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    check_user_id(&p, me.0)?;
    let draft = draft(&p)?;
    let price_fen = price(&p.text("price")?)?;
    let id = db
        .tx(move |tx| {
            let tags = tag::parse_ids(tx, &draft.raw_tags)?;
            let now = clock::now();
            tx.execute(
                "INSERT INTO cs_post (user_id, title, content, price_fen, create_date, update_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![me.0, draft.title, draft.content, price_fen, now],
            )?;
            let id = tx.last_insert_rowid();
            set_tags(tx, id, &tags)?;
            Ok(id)
        })
        .await?;
    ok(vec![json!(id)])
}

/// Title, content and tags may change at any time; the price only while no order is live,
/// so an order's amount always equals its post's price.
#[post("/post/modify", data = "<p>")]
async fn modify(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    check_user_id(&p, me.0)?;
    let post_id = p.id("post_id")?;
    let draft = draft(&p)?;
    let new_price = p.str("price").map(price).transpose()?;
    db.tx(move |tx| {
        let post = owned(tx, post_id, me.0)?;
        let tags = tag::parse_ids(tx, &draft.raw_tags)?;
        let price_fen = new_price.unwrap_or(post.price_fen);
        if price_fen != post.price_fen && has_live_order(tx, post_id)? {
            return Err(ApiError::invalid("price", "需求已有订单, 不能修改价格"));
        }
        tx.execute(
            "UPDATE cs_post SET title = ?2, content = ?3, price_fen = ?4, update_date = ?5
             WHERE id = ?1",
            params![post_id, draft.title, draft.content, price_fen, clock::now()],
        )?;
        set_tags(tx, post_id, &tags)
    })
    .await?;
    ok(vec![])
}

fn has_live_order(conn: &Connection, post_id: i64) -> ApiResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM cs_order WHERE post_id = ?1 AND status BETWEEN ?2 AND ?3)",
        params![post_id, Status::Unpaid as i64, Status::Completed as i64],
        |r| r.get(0),
    )?)
}

#[delete("/post/delete", data = "<p>")]
async fn delete_post(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    remove(me, p, db).await
}

/// The seed's method is DELETE; forms can only POST, so POST is accepted too (SPEC §7).
#[post("/post/delete", data = "<p>")]
async fn delete_by_post(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    remove(me, p, db).await
}

/// A post that was ever paid for stays (its money must be accounted for), and one with a
/// live order must have it cancelled first; otherwise the post goes with its cancelled orders.
async fn remove(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    let post_id = p.id("post_id")?;
    db.tx(move |tx| {
        owned(tx, post_id, me.0)?;
        let paid: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM cs_order WHERE post_id = ?1 AND paid_date IS NOT NULL)",
            [post_id],
            |r| r.get(0),
        )?;
        if paid {
            return Err(ApiError::forbidden("需求已有付款订单, 不能删除"));
        }
        if has_live_order(tx, post_id)? {
            return Err(ApiError::forbidden("需求有未付款的订单, 请先取消订单"));
        }
        tx.execute("DELETE FROM cs_post WHERE id = ?1", [post_id])?;
        Ok(())
    })
    .await?;
    ok(vec![])
}

#[get("/post/check")]
async fn check(me: Buyer, p: Params, db: &State<Db>) -> Reply {
    check_user_id(&p, me.0)?;
    let posts = db.run(move |c| own_posts(c, me.0)).await?;
    ok(posts)
}

fn own_posts(conn: &Connection, user_id: i64) -> ApiResult<Vec<Value>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.title, p.content, p.create_date, p.update_date, p.price_fen,
                (SELECT group_concat(tag_id) FROM cs_post_tag WHERE post_id = p.id)
         FROM cs_post p WHERE p.user_id = ?1 ORDER BY p.id DESC",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        let tags: Option<String> = r.get(6)?;
        Ok(json!({
            "post_id": r.get::<_, i64>(0)?,
            "tag_id": tag_list(tags.as_deref()),
            "title": r.get::<_, String>(1)?,
            "summary": r.get::<_, String>(2)?,
            "create_time": r.get::<_, String>(3)?,
            "update_time": r.get::<_, String>(4)?,
            "price": yuan(r.get(5)?),
        }))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn tag_list(joined: Option<&str>) -> Vec<i64> {
    let mut ids: Vec<i64> = joined
        .unwrap_or("")
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    ids.sort_unstable();
    ids
}

/// Open posts of a tag: no consultant has taken them (no order accepted, delivered or done).
#[get("/post/acquire")]
async fn acquire(_me: Account, p: Params, db: &State<Db>) -> Reply {
    let tag_id = p.id("tag_id")?;
    let page = p.page()?;
    let posts = db
        .run(move |c| {
            tag::ensure_exists(c, tag_id)?;
            let mut stmt = c.prepare_cached(
                "SELECT p.id, p.user_id, p.title, p.content, p.create_date, p.price_fen
                 FROM cs_post p JOIN cs_post_tag t ON t.post_id = p.id AND t.tag_id = ?1
                 WHERE NOT EXISTS (SELECT 1 FROM cs_order o
                                   WHERE o.post_id = p.id AND o.status BETWEEN ?2 AND ?3)
                 ORDER BY p.id DESC LIMIT ?4 OFFSET ?5",
            )?;
            let taken = (Status::Accepted as i64, Status::Completed as i64);
            let rows = stmt.query_map(
                params![tag_id, taken.0, taken.1, page.limit, page.offset],
                |r| {
                    Ok(json!({
                        "post_id": r.get::<_, i64>(0)?,
                        "user_id": r.get::<_, i64>(1)?,
                        "title": r.get::<_, String>(2)?,
                        "summary": r.get::<_, String>(3)?,
                        "create_time": r.get::<_, String>(4)?,
                        "price": yuan(r.get(5)?),
                    }))
                },
            )?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await?;
    ok(posts)
}
