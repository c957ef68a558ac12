//! A design-app user's own data (issue 17 §1). Their forms are theirs and go with the
//! account (rooms, history and reviews with them); forms they handled as staff stay with the
//! firm, naming `已注销用户`. The user row stays behind, with nothing of the person in it.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::error::ApiResult;
use crate::privacy::{self, files, rows, scrub, ERASED_NAME};

const MINE: &str = "SELECT id FROM sm_form WHERE customer_id = ?1";

/// Everything stored about user `id`, the session key left out.
pub fn export(c: &Connection, id: i64) -> ApiResult<Value> {
    Ok(json!({
        "profile": privacy::row(c, "SELECT * FROM sm_user WHERE id = ?1", [id])?,
        "roster": rows(c, "SELECT e.* FROM sm_employee e JOIN sm_user u ON u.phone = e.phone
                           WHERE u.id = ?1 AND u.phone_verified = 1", [id])?,
        "forms": rows(c, "SELECT * FROM sm_form WHERE customer_id = ?1 ORDER BY id", [id])?,
        "handled_forms": rows(c, "SELECT id, status, designer_id, service_id, create_date FROM sm_form
                                  WHERE designer_id = ?1 OR service_id = ?1 ORDER BY id", [id])?,
        "form_history": rows(c, &format!("SELECT * FROM sm_form_log
                                  WHERE form_id IN ({MINE}) OR actor_id = ?1 ORDER BY id"), [id])?,
        "messages": rows(c, &format!("SELECT * FROM sm_message
                             WHERE room_id IN ({MINE}) OR sender_id = ?1 ORDER BY id"), [id])?,
        "assessments": rows(c, "SELECT * FROM sm_assess WHERE customer_id = ?1 OR employe_id = ?1
                                ORDER BY id", [id])?,
        "form_ids": rows(c, "SELECT * FROM sm_form_id WHERE user_id = ?1 ORDER BY id", [id])?,
    }))
}

/// Deletes what identifies user `id`, in the caller's transaction; returns the uploads of
/// their rooms and messages (delete them after the commit).
pub fn erase(c: &Connection, id: i64) -> ApiResult<Vec<String>> {
    let (openid, phone, verified): (String, Option<String>, bool) = c.query_row(
        "SELECT openid, phone, phone_verified FROM sm_user WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let texts: Vec<String> = c
        .prepare(&format!(
            "SELECT content FROM sm_message WHERE room_id IN ({MINE}) OR sender_id = ?1
             UNION ALL SELECT content FROM sm_form WHERE customer_id = ?1"
        ))?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let made = files::mentioned(&texts.join("\n"));

    scrub::forget_messages(c, &openid)?;
    c.execute("DELETE FROM sm_message WHERE sender_id = ?1", [id])?;
    // Their rooms, history and reviews go with the forms (ON DELETE CASCADE).
    c.execute("DELETE FROM sm_form WHERE customer_id = ?1", [id])?;
    c.execute("DELETE FROM sm_form_id WHERE user_id = ?1", [id])?;
    // A proven phone on the staff roster is theirs; a typed one may be someone else's.
    if let (Some(phone), true) = (&phone, verified) {
        c.execute("DELETE FROM sm_employee WHERE phone = ?1", [phone])?;
    }
    c.execute(
        "UPDATE sm_user SET openid = ?2, session_key = '', nickname = ?3, avatar = '',
                phone = NULL, phone_verified = 0, level = 0
         WHERE id = ?1",
        params![id, privacy::erased_identity(), ERASED_NAME],
    )?;
    privacy::audit(c, "design", id, privacy::Request::Delete)?;
    Ok(made)
}
