//! Issue 17 §1 for the marketplace: `GET /api/<side>/export_account` answers everything
//! stored about the signed-in buyer or consultant, `POST /api/<side>/delete_account` deletes
//! the account. Both sides live in `cs_account`, so both get the pair. Orders that money
//! moved for stay (amounts, times, numbers), their demand's text replaced by `已注销用户`.

use rocket::http::{Cookie, CookieJar};
use rocket::{get, post, routes, Route, State};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::reply::{ok, Reply};
use super::session::{cookie_name, Buyer, Consultant};
use super::Kind;
use crate::db::Db;
use crate::error::ApiResult;
use crate::privacy::{self, rows, scrub, ERASED_NAME};

pub fn routes() -> Vec<Route> {
    routes![
        buyer_export,
        buyer_delete,
        consultant_export,
        consultant_delete
    ]
}

#[get("/user/export_account")]
async fn buyer_export(me: Buyer, db: &State<Db>) -> Reply {
    export_reply(db, me.0).await
}

#[post("/user/delete_account")]
async fn buyer_delete(me: Buyer, db: &State<Db>, jar: &CookieJar<'_>) -> Reply {
    delete_reply(db, me.0, Kind::User, jar).await
}

#[get("/consultant/export_account")]
async fn consultant_export(me: Consultant, db: &State<Db>) -> Reply {
    export_reply(db, me.0).await
}

#[post("/consultant/delete_account")]
async fn consultant_delete(me: Consultant, db: &State<Db>, jar: &CookieJar<'_>) -> Reply {
    delete_reply(db, me.0, Kind::Consultant, jar).await
}

async fn export_reply(db: &Db, id: i64) -> Reply {
    let data = db
        .tx(move |tx| {
            privacy::audit(tx, "consult", id, privacy::Request::Export)?;
            export(tx, id)
        })
        .await?;
    ok(vec![data])
}

async fn delete_reply(db: &Db, id: i64, kind: Kind, jar: &CookieJar<'_>) -> Reply {
    db.tx(move |tx| erase(tx, id)).await?;
    jar.remove(Cookie::build(cookie_name(kind)).path("/api"));
    ok(vec![json!({"deleted": true})])
}

const ORDERS: &str = "SELECT id FROM cs_order WHERE user_id = ?1 OR consultant_id = ?1";

/// Everything stored about account `id`: credentials (password hash, session tokens, SMS
/// codes) left out.
pub fn export(c: &Connection, id: i64) -> ApiResult<Value> {
    Ok(json!({
        "profile": privacy::row(c, "SELECT * FROM cs_account WHERE id = ?1", [id])?,
        "posts": rows(c, "SELECT p.*, (SELECT group_concat(tag_id) FROM cs_post_tag t
                                       WHERE t.post_id = p.id) AS tag_ids
                          FROM cs_post p WHERE p.user_id = ?1 ORDER BY p.id", [id])?,
        "orders": rows(c, "SELECT * FROM cs_order WHERE user_id = ?1 OR consultant_id = ?1
                           ORDER BY id", [id])?,
        "refunds": rows(c, &format!("SELECT id, order_id, out_refund_no, total_fen, refund_fen,
                                     reason, status, fail_reason, create_date, refund_date
                                     FROM pay_refund
                                     WHERE app = 'consult' AND order_id IN ({ORDERS})
                                     ORDER BY id"), [id])?,
        "sessions": rows(c, "SELECT expires_ms, create_date FROM cs_session WHERE account_id = ?1",
                         [id])?,
        "sms_codes": rows(c, "SELECT s.kind, s.phone, s.sent_ms, s.expires_ms, s.tries, s.used
                              FROM cs_sms_code s JOIN cs_account a ON a.phone = s.phone
                              WHERE a.id = ?1 ORDER BY s.id", [id])?,
    }))
}

/// Deletes what identifies account `id`, in the caller's transaction.
pub fn erase(c: &Connection, id: i64) -> ApiResult<()> {
    let phone: Option<String> =
        c.query_row("SELECT phone FROM cs_account WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    // Demands that money moved for stay as the orders' subject, without their text.
    let settled = "SELECT post_id FROM cs_order
                   WHERE paid_date IS NOT NULL
                      OR id IN (SELECT order_id FROM pay_refund WHERE app = 'consult')";
    c.execute(
        &format!(
            "UPDATE cs_post SET title = ?2, content = '' WHERE user_id = ?1 AND id IN ({settled})"
        ),
        params![id, ERASED_NAME],
    )?;
    // The others go, with their unpaid orders and tags (ON DELETE CASCADE).
    c.execute(
        &format!("DELETE FROM cs_post WHERE user_id = ?1 AND id NOT IN ({settled})"),
        [id],
    )?;
    let orders: Vec<String> = c
        .prepare("SELECT order_no FROM cs_order WHERE user_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    scrub::redact_pay_notifies(c, "consult", &orders, None)?;
    c.execute("DELETE FROM cs_session WHERE account_id = ?1", [id])?;
    if let Some(phone) = &phone {
        c.execute("DELETE FROM cs_sms_code WHERE phone = ?1", [phone])?;
    }
    c.execute(
        "UPDATE cs_account SET username = NULL, password_hash = '', phone = NULL, realname = ?2,
                gender = NULL, email = ''
         WHERE id = ?1",
        params![id, ERASED_NAME],
    )?;
    privacy::audit(c, "consult", id, privacy::Request::Delete)?;
    Ok(())
}
