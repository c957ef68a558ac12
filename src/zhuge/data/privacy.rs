//! A mini-program customer's own data (issue 17 §1): everything stored about them, and its
//! deletion. The customer row stays behind with nothing of the person in it, so that paid
//! orders and the radar's tallies keep a row to name (`已注销用户`) and no view changes shape.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::privacy::{self, files, rows, scrub, ERASED_NAME};
use crate::zhuge::data::employee::CARD_NAME;

/// Everything stored about customer `id`, credentials left out. Notes and follow-ups that
/// salespeople wrote about them are theirs to see too (PIPL Art. 45).
pub fn export(c: &Connection, id: i64) -> ApiResult<Value> {
    let notes = rows(
        c,
        "SELECT co.name AS company_name, cn.* FROM zl_customer_note cn
         JOIN zl_company co ON co.id = cn.company_id WHERE cn.customer_id = ?1",
        [id],
    )?;
    let phones: Vec<String> = c
        .prepare(
            "SELECT phone FROM zl_customer_note WHERE customer_id = ?1 AND phone != ''
             UNION SELECT given_phone FROM zl_customer_note WHERE customer_id = ?1 AND given_phone != ''",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let cards = format!(
        "SELECT r.id, r.user_id, {CARD_NAME} AS card_name, co.name AS company_name, r.source,
                r.customer_parent_id, r.expected_time, r.expedted_pr, r.last_follow_time,
                r.last_activity_time, r.qr_code, r.poster_url, r.create_date
         FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
         JOIN zl_company co ON co.id = e.company_id WHERE r.customer_id = ?1 ORDER BY r.id"
    );
    Ok(json!({
        "profile": privacy::row(c, "SELECT * FROM zl_customer WHERE id = ?1", [id])?,
        "phones": phones,
        "company_notes": notes,
        "cards": rows(c, &cards, [id])?,
        "tags": rows(c, "SELECT t.company_id, t.name FROM zl_tag_customer tc
                         JOIN zl_tag t ON t.id = tc.tag_id WHERE tc.customer_id = ?1", [id])?,
        "follow_ups": rows(c, "SELECT f.* FROM zl_follow_info f
                               JOIN zl_relation r ON r.id = f.relation_id WHERE r.customer_id = ?1
                               ORDER BY f.id", [id])?,
        "radar": rows(c, "SELECT id, user_id, action, remark, is_new_msg, create_date FROM zl_radar
                          WHERE customer_id = ?1 ORDER BY id", [id])?,
        "card_views": rows(c, "SELECT user_id, views FROM zl_card_view WHERE customer_id = ?1", [id])?,
        "praise": rows(c, "SELECT user_id, up FROM zl_up_down WHERE customer_id = ?1", [id])?,
        "signature_likes": rows(c, "SELECT user_id, create_date FROM zl_up_down_sign
                                    WHERE customer_id = ?1", [id])?,
        "chats": rows(c, "SELECT * FROM zl_chat WHERE customer_id = ?1 ORDER BY id", [id])?,
        "orders": rows(c, "SELECT * FROM zl_order WHERE customer_id = ?1 ORDER BY id", [id])?,
        "form_ids": rows(c, "SELECT * FROM zl_form_id WHERE customer_id = ?1 ORDER BY id", [id])?,
    }))
}

/// Deletes what identifies customer `id`, in the caller's transaction; returns the media
/// files made for them (delete them after the commit). Orders stay with their amounts,
/// times and numbers; the radar's tallies keep their counts with nobody behind them.
pub fn erase(c: &Connection, id: i64) -> ApiResult<Vec<String>> {
    let openid: String =
        c.query_row("SELECT openid FROM zl_customer WHERE id = ?1", [id], |r| {
            r.get(0)
        })?;
    forget_messages_about(c, id, &openid)?;
    let files = files_of(c, id)?;
    let orders: Vec<String> = c
        .prepare("SELECT out_trade_no FROM zl_order WHERE customer_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    scrub::redact_pay_notifies(c, "zhuge", &orders, Some(&openid))?;
    delete_radar_keeping_tallies(c, id)?;
    for sql in [
        "DELETE FROM zl_chat WHERE customer_id = ?1",
        "DELETE FROM zl_form_id WHERE customer_id = ?1",
        "DELETE FROM zl_customer_note WHERE customer_id = ?1",
        "DELETE FROM zl_tag_customer WHERE customer_id = ?1",
        "DELETE FROM zl_up_down WHERE customer_id = ?1",
        "DELETE FROM zl_up_down_sign WHERE customer_id = ?1",
        "DELETE FROM zl_follow_info
         WHERE relation_id IN (SELECT id FROM zl_relation WHERE customer_id = ?1)",
        // The salesperson keeps the binding (their list shows 已注销用户), nothing of them.
        "UPDATE zl_relation SET customer_parent_id = NULL, expected_time = NULL, expedted_pr = 0,
                is_customer_msg_num = 0, is_user_msg_num = 0, qr_code = '', poster_url = ''
         WHERE customer_id = ?1",
    ] {
        c.execute(sql, [id])?;
    }
    c.execute(
        "UPDATE zl_customer SET openid = ?2, session_key = '', token = ?3, username = ?4,
                headimgurl = 'statics/imgs/Avator.jpg', sex = 0, city = '', province = '',
                country = '', language = ''
         WHERE id = ?1",
        params![
            id,
            privacy::erased_identity(),
            crate::clock::token(),
            ERASED_NAME
        ],
    )?;
    privacy::audit(c, "zhuge", id, privacy::Request::Delete)?;
    Ok(files)
}

/// Messages to them (their openid) and lines about them to salespeople (their name, and
/// each memo name a company gave them, at the start of the line).
fn forget_messages_about(c: &Connection, id: i64, openid: &str) -> ApiResult<()> {
    scrub::forget_messages(c, openid)?;
    let names: Vec<String> = c
        .prepare(
            "SELECT username FROM zl_customer WHERE id = ?1
             UNION SELECT memo_name FROM zl_customer_note WHERE customer_id = ?1",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for name in names
        .iter()
        .filter(|n| n.as_str() != super::customer::ANONYMOUS)
    {
        if let Some(line) = scrub::line_about(name) {
            scrub::forget_messages(c, &line)?;
        }
    }
    Ok(())
}

/// The QR codes and posters drawn for them (their `pid` is inside).
fn files_of(c: &Connection, id: i64) -> ApiResult<Vec<String>> {
    let urls: Vec<String> = c
        .prepare("SELECT qr_code || ' ' || poster_url FROM zl_relation WHERE customer_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(files::mentioned(&urls.join(" ")))
}

/// Deletes their radar events. The triggers of migration 004 take each deleted event off
/// the tallies; the tallies are then set back to what they were, so every count the
/// salesperson sees stays (the per-customer ones now count for 已注销用户).
fn delete_radar_keeping_tallies(c: &Connection, id: i64) -> ApiResult<()> {
    let daily: Vec<(i64, String, i64, i64)> = c
        .prepare(
            "SELECT d.user_id, d.day, d.action, d.n FROM zl_radar_daily d
             JOIN (SELECT DISTINCT user_id, substr(create_date, 1, 10) AS day, action
                   FROM zl_radar WHERE customer_id = ?1) a
               ON a.user_id = d.user_id AND a.day = d.day AND a.action = d.action",
        )?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    let totals: Vec<(i64, i64)> = c
        .prepare("SELECT user_id, total FROM zl_radar_customer_total WHERE customer_id = ?1")?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let tallies: Vec<(i64, i64, i64)> = c
        .prepare("SELECT user_id, action, n FROM zl_radar_customer_tally WHERE customer_id = ?1")?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;

    c.execute("DELETE FROM zl_radar WHERE customer_id = ?1", [id])?;

    let mut daily_back = c.prepare(
        "INSERT INTO zl_radar_daily (user_id, day, action, n) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, day, action) DO UPDATE SET n = excluded.n",
    )?;
    for (user_id, day, action, n) in &daily {
        daily_back.execute(params![user_id, day, action, n])?;
    }
    let mut total_back = c.prepare(
        "INSERT INTO zl_radar_customer_total (user_id, customer_id, total) VALUES (?1, ?2, ?3)
         ON CONFLICT (user_id, customer_id) DO UPDATE SET total = excluded.total",
    )?;
    for (user_id, total) in &totals {
        total_back.execute(params![user_id, id, total])?;
    }
    let mut tally_back = c.prepare(
        "INSERT INTO zl_radar_customer_tally (user_id, customer_id, action, n) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (user_id, customer_id, action) DO UPDATE SET n = excluded.n",
    )?;
    for (user_id, action, n) in &tallies {
        tally_back.execute(params![user_id, id, action, n])?;
    }
    Ok(())
}
