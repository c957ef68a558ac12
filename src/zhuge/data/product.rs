//! Products on a card (seed 001 `product/...`), authored by employees (seed 003 side).
//! A product with no `user_id` belongs to the whole company; one with a `user_id` shows on
//! that salesperson's card only.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{json, Value};

use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::web::params::Page;
use crate::zhuge::data::employee::CARD_NAME;

pub const PUBLISHED: i64 = 1;
pub const OFF_SHELF: i64 = 2;
pub const RECOMMENDED: i64 = 3;

pub fn status_name(status: i64) -> &'static str {
    match status {
        PUBLISHED => "已发布",
        OFF_SHELF => "已下架",
        RECOMMENDED => "推荐",
        _ => "",
    }
}

/// The fields an employee writes.
#[derive(Debug, Clone)]
pub struct Draft {
    pub name: String,
    pub price: String,
    pub reason: String,
    pub content: Value,
    pub status: i64,
}

/// `content` as seed 001 shows it: `{cover_data: [...], article_data: [...]}`, each block
/// `{type: picture_url|title|content, data: [text...]}`. A block's `data` given as one plain
/// string (as the original's clients send text blocks) is stored as the list `[string]`.
pub fn parse_content(raw: &str) -> ApiResult<Value> {
    let mut content: Value =
        serde_json::from_str(raw.trim()).map_err(|_| ApiError::wrong_type("content"))?;
    let Some(parts) = content.as_object_mut() else {
        return Err(ApiError::wrong_type("content"));
    };
    for (key, blocks) in parts.iter_mut() {
        if key != "cover_data" && key != "article_data" {
            return Err(ApiError::invalid(
                "content",
                "只能包含 cover_data 和 article_data",
            ));
        }
        let Some(blocks) = blocks.as_array_mut() else {
            return Err(ApiError::invalid(
                "content",
                &format!("的 {key} 必须是列表"),
            ));
        };
        for block in blocks {
            if block["data"].is_string() {
                block["data"] = Value::Array(vec![block["data"].take()]);
            }
            let kind = block["type"].as_str().unwrap_or("");
            let texts_ok = block["data"]
                .as_array()
                .is_some_and(|d| d.iter().all(Value::is_string));
            if !matches!(kind, "picture_url" | "title" | "content") || !texts_ok {
                return Err(ApiError::invalid(
                    "content",
                    "的每一块须为 {type: picture_url|title|content, data: [文字] 或 文字}",
                ));
            }
        }
    }
    Ok(content)
}

pub fn check_status(status: i64) -> ApiResult<i64> {
    match status {
        PUBLISHED | OFF_SHELF | RECOMMENDED => Ok(status),
        _ => Err(ApiError::invalid(
            "status",
            "只能是 1 已发布, 2 已下架, 3 推荐",
        )),
    }
}

pub fn insert(c: &Connection, company_id: i64, owner: Option<i64>, d: &Draft) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_product (company_id, user_id, name, price, reason, content, status, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![company_id, owner, d.name, d.price, d.reason, d.content.to_string(), d.status, clock::now()],
    )?;
    Ok(c.last_insert_rowid())
}

pub fn update(c: &Connection, id: i64, d: &Draft) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_product SET name = ?2, price = ?3, reason = ?4, content = ?5, status = ?6 WHERE id = ?1",
        params![id, d.name, d.price, d.reason, d.content.to_string(), d.status],
    )?;
    Ok(())
}

pub fn set_status(c: &Connection, id: i64, status: i64) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_product SET status = ?2 WHERE id = ?1",
        params![id, status],
    )?;
    Ok(())
}

pub fn delete(c: &Connection, id: i64) -> ApiResult<()> {
    c.execute("DELETE FROM zl_product WHERE id = ?1", [id])?;
    Ok(())
}

/// Who a product belongs to: `(company_id, user_id)`.
pub fn owner(c: &Connection, id: i64) -> ApiResult<Option<(i64, Option<i64>)>> {
    Ok(c.query_row(
        "SELECT company_id, user_id FROM zl_product WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

const SELECT: &str = "SELECT p.id, p.name, p.price, p.reason, p.content, p.status, p.create_date,
        COALESCE(e.avatar, 'statics/imgs/setAvator.jpg'), COALESCE({CARD_NAME}, ''), COALESCE(e.position, ''),
        p.user_id
     FROM zl_product p LEFT JOIN zl_employee e ON e.id = p.user_id";

fn select(rest: &str) -> String {
    SELECT.replace("{CARD_NAME}", CARD_NAME) + " " + rest
}

/// A product as seed 001 shows it; lists carry only the cover of `content`.
fn row(r: &Row<'_>, whole: bool) -> rusqlite::Result<Value> {
    let mut content: Value =
        serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_else(|_| json!({}));
    if !whole {
        content = json!({"cover_data": content["cover_data"].clone()});
    }
    let status: i64 = r.get(5)?;
    let created: String = r.get(6)?;
    Ok(json!({
        "id": r.get::<_, i64>(0)?,
        "name": r.get::<_, String>(1)?,
        "price": r.get::<_, String>(2)?,
        "reason": r.get::<_, String>(3)?,
        "content": content,
        "publisher_date": created,
        "create_date": created.get(..10).unwrap_or(&created),
        "status": status_name(status),
        "status_code": status,
        "user_avatar": r.get::<_, String>(7)?,
        "username": r.get::<_, String>(8)?,
        "position": r.get::<_, String>(9)?,
        "user_id": r.get::<_, Option<i64>>(10)?,
    }))
}

/// What a customer sees on `uid`'s card: the company's products and uid's own, on sale,
/// recommended first.
pub fn on_card(
    c: &Connection,
    company_id: i64,
    uid: i64,
    page: &Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let filter =
        "WHERE p.company_id = ?1 AND (p.user_id IS NULL OR p.user_id = ?2) AND p.status IN (1, 3)";
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM zl_product p {filter}"),
        params![company_id, uid],
        |r| r.get(0),
    )?;
    let sql = select(&format!(
        "{filter} ORDER BY p.status = 3 DESC, p.recommend_index DESC, p.id DESC LIMIT ?3 OFFSET ?4"
    ));
    let rows = c
        .prepare_cached(&sql)?
        .query_map(params![company_id, uid, page.limit, page.offset], |r| {
            row(r, false)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// One product as a customer of `uid` may see it (on sale, on that card), whole.
pub fn on_card_single(c: &Connection, company_id: i64, uid: i64, id: i64) -> ApiResult<Value> {
    let sql = select(
        "WHERE p.id = ?1 AND p.company_id = ?2 AND (p.user_id IS NULL OR p.user_id = ?3)
           AND p.status IN (1, 3)",
    );
    c.prepare_cached(&sql)?
        .query_row(params![id, company_id, uid], |r| row(r, true))
        .optional()?
        .ok_or_else(|| ApiError::not_found("产品"))
}

/// Every product of the company, for its employees, newest first (optionally one status).
pub fn of_company(
    c: &Connection,
    company_id: i64,
    status: Option<i64>,
    page: &Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let filter = "WHERE p.company_id = ?1 AND (?2 IS NULL OR p.status = ?2)";
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM zl_product p {filter}"),
        params![company_id, status],
        |r| r.get(0),
    )?;
    let sql = select(&format!("{filter} ORDER BY p.id DESC LIMIT ?3 OFFSET ?4"));
    let rows = c
        .prepare_cached(&sql)?
        .query_map(params![company_id, status, page.limit, page.offset], |r| {
            row(r, false)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// One product of the company, whole.
pub fn of_company_single(c: &Connection, company_id: i64, id: i64) -> ApiResult<Value> {
    let sql = select("WHERE p.id = ?1 AND p.company_id = ?2");
    c.prepare_cached(&sql)?
        .query_row(params![id, company_id], |r| row(r, true))
        .optional()?
        .ok_or_else(|| ApiError::not_found("产品"))
}
