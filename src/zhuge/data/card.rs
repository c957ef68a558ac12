//! A card's counters and likes. Each runs inside the action's write transaction, so
//! concurrent taps serialise on the one writer and the counters stay exact.

use rusqlite::{params, Connection};

use crate::clock;
use crate::db::OptionalExtension;
use crate::error::ApiResult;

pub fn add_view(c: &Connection, uid: i64) -> ApiResult<()> {
    let mut stmt =
        c.prepare_cached("UPDATE zl_employee SET popularity = popularity + 1 WHERE id = ?1")?;
    stmt.execute([uid])?;
    Ok(())
}

pub fn add_forward(c: &Connection, uid: i64) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_employee SET forward = forward + 1 WHERE id = ?1",
        [uid],
    )?;
    Ok(())
}

/// Whether this customer currently finds the card 靠谱.
pub fn is_praised(c: &Connection, uid: i64, customer_id: i64) -> ApiResult<bool> {
    let mut stmt =
        c.prepare_cached("SELECT up FROM zl_up_down WHERE user_id = ?1 AND customer_id = ?2")?;
    Ok(stmt
        .query_row(params![uid, customer_id], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Flips the customer's 靠谱 and the card's count; returns `(praise_num, is_praise)`.
pub fn toggle_praise(c: &Connection, uid: i64, customer_id: i64) -> ApiResult<(i64, bool)> {
    let now_up = !is_praised(c, uid, customer_id)?;
    c.execute(
        "INSERT INTO zl_up_down (user_id, customer_id, up) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, customer_id) DO UPDATE SET up = excluded.up",
        params![uid, customer_id, now_up],
    )?;
    let delta = if now_up { 1 } else { -1 };
    c.execute(
        "UPDATE zl_employee SET praise = MAX(praise + ?2, 0) WHERE id = ?1",
        params![uid, delta],
    )?;
    let praise = c.query_row("SELECT praise FROM zl_employee WHERE id = ?1", [uid], |r| {
        r.get(0)
    })?;
    Ok((praise, now_up))
}

pub fn has_liked_sign(c: &Connection, uid: i64, customer_id: i64) -> ApiResult<bool> {
    let mut stmt =
        c.prepare_cached("SELECT 1 FROM zl_up_down_sign WHERE user_id = ?1 AND customer_id = ?2")?;
    Ok(stmt
        .query_row(params![uid, customer_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Likes the signature once; returns `(sign_num, newly_liked)`.
pub fn like_sign(c: &Connection, uid: i64, customer_id: i64) -> ApiResult<(i64, bool)> {
    let inserted = c.execute(
        "INSERT OR IGNORE INTO zl_up_down_sign (user_id, customer_id, create_date) VALUES (?1, ?2, ?3)",
        params![uid, customer_id, clock::now()],
    )?;
    if inserted == 1 {
        c.execute(
            "UPDATE zl_employee SET sign_num = sign_num + 1 WHERE id = ?1",
            [uid],
        )?;
    }
    let sign_num = c.query_row(
        "SELECT sign_num FROM zl_employee WHERE id = ?1",
        [uid],
        |r| r.get(0),
    )?;
    Ok((sign_num, inserted == 1))
}
