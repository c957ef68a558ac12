//! Tags an employee shows on their own card (seed 003 `tag_user`).

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};

/// 302 for an unknown tag, 403 for another employee's.
pub fn check_own(c: &Connection, user_id: i64, tag_id: i64) -> ApiResult<()> {
    let owner: Option<i64> = c
        .query_row(
            "SELECT user_id FROM zl_user_tag WHERE id = ?1",
            [tag_id],
            |r| r.get(0),
        )
        .optional()?;
    match owner {
        None => Err(ApiError::not_found("标签")),
        Some(owner) if owner != user_id => Err(ApiError::forbidden("无权操作其他用户的标签")),
        Some(_) => Ok(()),
    }
}

/// A new tag on the card; the same name twice is 300.
pub fn insert(c: &Connection, user_id: i64, name: &str) -> ApiResult<Value> {
    c.execute(
        "INSERT INTO zl_user_tag (user_id, name) VALUES (?1, ?2)",
        params![user_id, name],
    )
    .on_unique(Code::NameExists, "不能存在相同的标签名")?;
    Ok(json!({"id": c.last_insert_rowid(), "name": name}))
}

/// The card keeps exactly these of its tags; every id must be one of the employee's.
pub fn keep_only(c: &Connection, user_id: i64, tag_ids: &[i64]) -> ApiResult<()> {
    for &id in tag_ids {
        check_own(c, user_id, id)?;
    }
    let keep = serde_json::to_string(tag_ids)?;
    c.execute(
        "DELETE FROM zl_user_tag WHERE user_id = ?1
         AND id NOT IN (SELECT value FROM json_each(?2))",
        params![user_id, keep],
    )?;
    Ok(())
}

pub fn delete(c: &Connection, tag_id: i64) -> ApiResult<()> {
    c.execute("DELETE FROM zl_user_tag WHERE id = ?1", [tag_id])?;
    Ok(())
}
