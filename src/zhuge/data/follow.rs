//! Follow-ups: a salesperson's notes on a customer relation, and the phrases they pick from
//! (their own plus the shared ones, `user_id` NULL).

use rusqlite::{named_params, params, Connection};
use serde_json::{json, Value};

use crate::clock;
use crate::db::OptionalExtension;
use crate::error::{ApiError, ApiResult, Code};
use crate::web::params::Page;
use crate::zhuge::data::employee;
use crate::zhuge::data::relation::Scope;

/// The signer's phrases and the shared ones, newest first, with the total.
pub fn phrases(c: &Connection, user_id: i64, page: Page) -> ApiResult<(Vec<Value>, i64)> {
    let total: i64 = c.query_row(
        "SELECT COUNT(*) FROM zl_follow_language WHERE user_id IS NULL OR user_id = ?1",
        [user_id],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare_cached(
        "SELECT id, custom_language, user_id FROM zl_follow_language
         WHERE user_id IS NULL OR user_id = ?1 ORDER BY id DESC LIMIT ?2 OFFSET ?3",
    )?;
    // `user_id` is null on the shared phrases.
    let rows = stmt.query_map(params![user_id, page.limit, page.offset], |r| {
        Ok(json!({
            "language_id": r.get::<_, i64>(0)?,
            "language": r.get::<_, String>(1)?,
            "user_id": r.get::<_, Option<i64>>(2)?,
        }))
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// A phrase of the signer's own; one they already see (own or shared) is 300.
pub fn add_phrase(c: &Connection, user_id: i64, text: &str) -> ApiResult<i64> {
    let taken = c
        .query_row(
            "SELECT 1 FROM zl_follow_language
             WHERE (user_id IS NULL OR user_id = ?1) AND custom_language = ?2",
            params![user_id, text],
            |_| Ok(()),
        )
        .optional()?;
    if taken.is_some() {
        return Err(ApiError::new(Code::NameExists, "自定义常用语已存在"));
    }
    c.execute(
        "INSERT INTO zl_follow_language (user_id, custom_language, create_date) VALUES (?1, ?2, ?3)",
        params![user_id, text, clock::now()],
    )?;
    Ok(c.last_insert_rowid())
}

/// Only the signer's own phrases: a shared or someone else's is 403, an unknown id 302.
pub fn delete_phrase(c: &Connection, user_id: i64, id: i64) -> ApiResult<()> {
    let owner: Option<Option<i64>> = c
        .query_row(
            "SELECT user_id FROM zl_follow_language WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    match owner {
        None => Err(ApiError::not_found("常用语")),
        Some(Some(owner)) if owner == user_id => {
            c.execute("DELETE FROM zl_follow_language WHERE id = ?1", [id])?;
            Ok(())
        }
        Some(_) => Err(ApiError::forbidden("只能删除自己的常用语")),
    }
}

/// A note on a relation; the salesperson followed up just now.
pub fn add_info(c: &Connection, relation_id: i64, text: &str) -> ApiResult<i64> {
    let now = clock::now();
    c.execute(
        "INSERT INTO zl_follow_info (relation_id, follow_info, create_date) VALUES (?1, ?2, ?3)",
        params![relation_id, text, now],
    )?;
    let id = c.last_insert_rowid();
    c.execute(
        "UPDATE zl_relation SET last_follow_time = ?2 WHERE id = ?1",
        params![relation_id, now],
    )?;
    Ok(id)
}

/// The notes on a customer's relations in scope, newest first, with the total.
pub fn infos(
    c: &Connection,
    scope: Scope,
    customer_id: i64,
    page: Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let from = format!(
        "FROM zl_follow_info f JOIN zl_relation r ON r.id = f.relation_id
         JOIN zl_employee e ON e.id = r.user_id JOIN zl_customer cu ON cu.id = r.customer_id
         WHERE r.customer_id = :customer AND {}",
        scope.condition()
    );
    let args = named_params! {":customer": customer_id, ":scope": scope.value()};
    let total: i64 = c.query_row(&format!("SELECT COUNT(*) {from}"), args, |r| r.get(0))?;
    let sql = format!(
        "SELECT f.id, cu.headimgurl, {avatar}, e.username, f.follow_info, f.create_date, e.id,
                r.customer_id
         {from} ORDER BY f.create_date DESC, f.id DESC LIMIT :limit OFFSET :offset",
        avatar = employee::CARD_AVATAR,
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        named_params! {":customer": customer_id, ":scope": scope.value(),
        ":limit": page.limit, ":offset": page.offset},
        |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "user_customer_flowup__customer__headimgurl": r.get::<_, String>(1)?,
                "user_customer_flowup__user__avatar": r.get::<_, String>(2)?,
                "user_customer_flowup__user__username": r.get::<_, String>(3)?,
                "follow_info": r.get::<_, String>(4)?,
                "create_date": r.get::<_, String>(5)?,
                "user_id": r.get::<_, i64>(6)?,
                "user_customer_flowup__user_id": r.get::<_, i64>(6)?,
                "user_customer_flowup__customer_id": r.get::<_, i64>(7)?,
            }))
        },
    )?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// Demo data for the address book and follow-ups: each salesperson's own phrase, and the
/// relations' follow-up and activity times taken from the notes and radar events already there.
pub fn demo(c: &Connection) -> ApiResult<()> {
    c.execute_batch(
        "INSERT INTO zl_follow_language (user_id, custom_language, create_date)
             SELECT id, '客户关注售后服务,下次带上案例', create_date FROM zl_employee;
         UPDATE zl_relation SET
             last_follow_time = (SELECT MAX(f.create_date) FROM zl_follow_info f WHERE f.relation_id = zl_relation.id),
             last_activity_time = (SELECT MAX(a.create_date) FROM zl_radar a
                                   WHERE a.user_id = zl_relation.user_id AND a.customer_id = zl_relation.customer_id);",
    )?;
    Ok(())
}
