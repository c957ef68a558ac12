//! Issue 17 §1 for the repair app (`POST /api/user`, `action` `export_account` or
//! `delete_account`): the caller's copy of everything stored about them, and the deletion of
//! their account. Requests they applied for are theirs (address, phone, photos) and go with
//! it; requests they handled stay with the firm, naming `已注销用户`.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::data::Member;
use super::reply::{ok, Reply};
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;
use crate::privacy::{self, files, rows, scrub, ERASED_NAME};

pub async fn export_account(me: Member, db: &Db) -> Reply {
    let data = db
        .tx(move |tx| {
            privacy::audit(tx, "repair", me.id, privacy::Request::Export)?;
            export(tx, me.id)
        })
        .await?;
    ok(data)
}

pub async fn delete_account(me: Member, db: &Db, settings: &Settings) -> Reply {
    let made = db.tx(move |tx| erase(tx, me.id)).await?;
    let removed = files::remove(&settings.data_dir, &made);
    ok(json!({"deleted": true, "files_removed": removed}))
}

/// Everything stored about user `id`, the token and session key left out.
pub fn export(c: &Connection, id: i64) -> ApiResult<Value> {
    Ok(json!({
        "profile": privacy::row(c, "SELECT * FROM rp_user WHERE id = ?1", [id])?,
        "requests": rows(c, "SELECT * FROM rp_request WHERE applicant_id = ?1 ORDER BY id", [id])?,
        "assigned_requests": rows(c, "SELECT id, status, create_date, update_date FROM rp_request
                                      WHERE assignee_id = ?1 ORDER BY id", [id])?,
        "events": rows(c, "SELECT e.* FROM rp_event e JOIN rp_request r ON r.id = e.request_id
                           WHERE r.applicant_id = ?1 OR e.actor_id = ?1 ORDER BY e.id", [id])?,
        "form_ids": rows(c, "SELECT * FROM rp_form_id WHERE user_id = ?1 ORDER BY id", [id])?,
    }))
}

/// Deletes what identifies user `id`, in the caller's transaction; returns the photos of
/// their requests (delete them after the commit).
pub fn erase(c: &Connection, id: i64) -> ApiResult<Vec<String>> {
    let openid: String = c.query_row("SELECT openid FROM rp_user WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    let requests: Vec<(i64, String)> = c
        .prepare("SELECT id, images FROM rp_request WHERE applicant_id = ?1")?
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let images: Vec<&str> = requests.iter().map(|(_, images)| images.as_str()).collect();
    let made = files::mentioned(&images.join("\n"));

    scrub::forget_messages(c, &openid)?;
    // Notices about their requests to whoever handles them carry the address and phone.
    for (request, _) in &requests {
        scrub::forget_messages(c, &format!("pages/repair/detail?id={request}\""))?;
    }
    // Each request's history goes with it (ON DELETE CASCADE).
    c.execute("DELETE FROM rp_request WHERE applicant_id = ?1", [id])?;
    c.execute("DELETE FROM rp_form_id WHERE user_id = ?1", [id])?;
    c.execute(
        "UPDATE rp_user SET openid = ?2, session_key = '', token = ?3, role = 'normal', name = ?4,
                phone = '', address = '', company = '', age = NULL, email = '', wx_userinfo = '{}'
         WHERE id = ?1",
        params![
            id,
            privacy::erased_identity(),
            crate::clock::token(),
            ERASED_NAME
        ],
    )?;
    privacy::audit(c, "repair", id, privacy::Request::Delete)?;
    Ok(made)
}
