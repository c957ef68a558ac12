//! Chat messages between a salesperson and a customer. `content` is the seed's JSON object
//! (`info_type` 1 text, 2 product card, 3 ask for the phone, 4 picture, 5 video), stored
//! and returned whole.

use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};

use crate::clock;
use crate::error::{ApiError, ApiResult};
use crate::web::params::Page;
use crate::zhuge::data::customer::{self, NAME as CUSTOMER_NAME, OWN_NAME};
use crate::zhuge::data::employee::{CARD_AVATAR, CARD_NAME};

/// `send_type` 1: the salesperson wrote to the customer.
pub const FROM_USER: i64 = 1;
/// `send_type` 2: the customer wrote to the salesperson.
pub const FROM_CUSTOMER: i64 = 2;

/// What the phone request says when the salesperson sends `info_type` 3 (the original's words).
pub const ASK_PHONE: &str = "您好,请问能否告诉我您的手机号?";

/// Checks a message's `content`: a JSON object (or JSON text of one) with a known `info_type`.
pub fn parse_content(raw: &str) -> ApiResult<Value> {
    let content: Value =
        serde_json::from_str(raw.trim()).map_err(|_| ApiError::wrong_type("content"))?;
    if !content.is_object() {
        return Err(ApiError::wrong_type("content"));
    }
    match content["info_type"]
        .as_i64()
        .or_else(|| content["info_type"].as_str()?.parse().ok())
    {
        Some(1..=5) => Ok(content),
        _ => Err(ApiError::invalid("content", "的 info_type 必须是 1 到 5")),
    }
}

/// A line of text for lists and pushes: the text itself, or what the message is.
pub fn summary(content: &Value) -> String {
    let text = content["msg"].as_str().unwrap_or("");
    match content["info_type"].as_i64().unwrap_or(1) {
        2 => format!(
            "向您咨询:{}",
            content["product_name"].as_str().unwrap_or("")
        ),
        4 if text.is_empty() => "[图片]".to_string(),
        5 if text.is_empty() => "[视频]".to_string(),
        _ => text.to_string(),
    }
}

/// Stores a message; it is unread by its receiver only.
pub fn insert(
    c: &Connection,
    user_id: i64,
    customer_id: i64,
    send_type: i64,
    content: &Value,
) -> ApiResult<i64> {
    let (unread_by_customer, unread_by_user) = (send_type == FROM_USER, send_type == FROM_CUSTOMER);
    c.prepare_cached(
        "INSERT INTO zl_chat (user_id, customer_id, send_type, content, is_customer_new_msg,
                              is_user_new_msg, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        user_id,
        customer_id,
        send_type,
        content.to_string(),
        unread_by_customer,
        unread_by_user,
        clock::now()
    ])?;
    Ok(c.last_insert_rowid())
}

/// Counts a message on the relation: who wrote last and when (the address book's columns).
pub fn count_on_relation(
    c: &Connection,
    user_id: i64,
    customer_id: i64,
    send_type: i64,
) -> ApiResult<()> {
    let sql = if send_type == FROM_USER {
        "UPDATE zl_relation SET is_user_msg_num = is_user_msg_num + 1, last_follow_time = ?3
         WHERE user_id = ?1 AND customer_id = ?2"
    } else {
        "UPDATE zl_relation SET is_customer_msg_num = is_customer_msg_num + 1, last_activity_time = ?3
         WHERE user_id = ?1 AND customer_id = ?2"
    };
    c.prepare_cached(sql)?
        .execute(params![user_id, customer_id, clock::now()])?;
    Ok(())
}

const ITEM: &str = "SELECT m.id, m.customer_id, m.user_id, m.send_type, m.content, m.create_date,
        CASE WHEN m.send_type = 1 THEN {CARD_NAME} ELSE {CUSTOMER_NAME} END,
        CASE WHEN m.send_type = 1 THEN e.avatar ELSE cu.headimgurl END,
        {CUSTOMER_NAME}, cu.headimgurl, {CARD_NAME}, {CARD_AVATAR}, e.position,
        m.id = (SELECT MIN(f.id) FROM zl_chat f WHERE f.user_id = m.user_id AND f.customer_id = m.customer_id)
     FROM zl_chat m JOIN zl_employee e ON e.id = m.user_id JOIN zl_customer cu ON cu.id = m.customer_id";

/// The messages' query; the customer reads their own name, never the company's memo name.
fn item_sql(rest: &str, reader: Reader) -> String {
    let customer_name = match reader {
        Reader::User => CUSTOMER_NAME,
        Reader::Customer => OWN_NAME,
    };
    ITEM.replace("{CARD_NAME}", CARD_NAME)
        .replace("{CARD_AVATAR}", CARD_AVATAR)
        .replace("{CUSTOMER_NAME}", customer_name)
        + " "
        + &customer::notes_of_company("e.company_id")
        + " "
        + rest
}

/// A message as the seeds list it (the sender's `name` and `src`, the whole `content`), with
/// the keys the original server added: both parties' names and pictures, whether it is the
/// pair's first message (the greeting), and `content`'s own keys at the top level.
fn item(r: &Row<'_>) -> rusqlite::Result<Value> {
    let content: Value =
        serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_else(|_| json!({}));
    let customer: String = r.get(8)?;
    let headimgurl: String = r.get(9)?;
    let mut item = json!({
        "id": r.get::<_, i64>(0)?,
        "customer_id": r.get::<_, i64>(1)?,
        "user_id": r.get::<_, i64>(2)?,
        "send_type": r.get::<_, i64>(3)?,
        "info_type": content["info_type"].as_i64().unwrap_or(1),
        "msg": content["msg"].as_str().unwrap_or(""),
        "dateTime": r.get::<_, String>(5)?,
        "name": r.get::<_, String>(6)?,
        "src": r.get::<_, String>(7)?,
        "customer": customer,
        "from_user_name": customer,
        "customer_headimgurl": headimgurl,
        "customer_avatar": headimgurl,
        "user_name": r.get::<_, String>(10)?,
        "user_avatar": r.get::<_, String>(11)?,
        "position": r.get::<_, String>(12)?,
        "is_first_info": r.get::<_, bool>(13)?,
    });
    if let (Some(item), Some(fields)) = (item.as_object_mut(), content.as_object()) {
        for (key, value) in fields {
            item.entry(key.as_str()).or_insert_with(|| value.clone());
        }
    }
    item["content"] = content;
    Ok(item)
}

/// Which side reads: the page shown is marked read for that side only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    User,
    Customer,
}

impl Reader {
    fn unread_column(self) -> &'static str {
        match self {
            Reader::User => "is_user_new_msg",
            Reader::Customer => "is_customer_new_msg",
        }
    }
}

/// One page of a pair's conversation, newest first; the page is marked read. (The seeds
/// answer a bare list, so no total is counted: it would read the pair's whole history.)
pub fn history(
    c: &Connection,
    user_id: i64,
    customer_id: i64,
    page: &Page,
    reader: Reader,
) -> ApiResult<Vec<Value>> {
    let sql = item_sql(
        "WHERE m.user_id = ?1 AND m.customer_id = ?2 ORDER BY m.id DESC LIMIT ?3 OFFSET ?4",
        reader,
    );
    let items = c
        .prepare_cached(&sql)?
        .query_map(params![user_id, customer_id, page.limit, page.offset], item)?
        .collect::<Result<Vec<_>, _>>()?;
    mark_read(c, &items, reader)?;
    Ok(items)
}

/// The pair's messages still unread by `reader` (sent by the other side), oldest first;
/// they are then marked read.
pub fn take_unread(
    c: &Connection,
    user_id: i64,
    customer_id: i64,
    reader: Reader,
) -> ApiResult<Vec<Value>> {
    let sql = item_sql(
        &format!(
            "WHERE m.user_id = ?1 AND m.customer_id = ?2 AND m.{} = 1 ORDER BY m.id",
            reader.unread_column()
        ),
        reader,
    );
    let items = c
        .prepare_cached(&sql)?
        .query_map(params![user_id, customer_id], item)?
        .collect::<Result<Vec<_>, _>>()?;
    mark_read(c, &items, reader)?;
    Ok(items)
}

/// Marks the pair's whole conversation read by `reader` (the original did so on every page).
pub fn mark_pair_read(
    c: &Connection,
    user_id: i64,
    customer_id: i64,
    reader: Reader,
) -> ApiResult<()> {
    let sql = format!(
        "UPDATE zl_chat SET {0} = 0 WHERE user_id = ?1 AND customer_id = ?2 AND {0} = 1",
        reader.unread_column()
    );
    c.prepare_cached(&sql)?
        .execute(params![user_id, customer_id])?;
    Ok(())
}

/// Leaves a message unread by its own sender too: the original's clients showed what they
/// sent only when `getmsg` handed it back.
pub fn echo_to_sender(c: &Connection, id: i64, send_type: i64) -> ApiResult<()> {
    let column = match send_type {
        FROM_USER => Reader::User,
        _ => Reader::Customer,
    }
    .unread_column();
    c.execute(
        &format!("UPDATE zl_chat SET {column} = 1 WHERE id = ?1"),
        [id],
    )?;
    Ok(())
}

fn mark_read(c: &Connection, items: &[Value], reader: Reader) -> ApiResult<()> {
    let sql = format!(
        "UPDATE zl_chat SET {} = 0 WHERE id = ?1",
        reader.unread_column()
    );
    let mut stmt = c.prepare_cached(&sql)?;
    for id in items.iter().filter_map(|m| m["id"].as_i64()) {
        stmt.execute([id])?;
    }
    Ok(())
}

/// How many messages the pair has exchanged.
pub fn pair_count(c: &Connection, user_id: i64, customer_id: i64) -> ApiResult<i64> {
    Ok(
        c.prepare_cached("SELECT COUNT(*) FROM zl_chat WHERE user_id = ?1 AND customer_id = ?2")?
            .query_row(params![user_id, customer_id], |r| r.get(0))?,
    )
}

/// How many of the salesperson's messages the customer has not read.
pub fn unread_by_customer(c: &Connection, user_id: i64, customer_id: i64) -> ApiResult<i64> {
    Ok(c.prepare_cached(
        "SELECT COUNT(*) FROM zl_chat WHERE user_id = ?1 AND customer_id = ?2 AND send_type = 1
             AND is_customer_new_msg = 1",
    )?
    .query_row(params![user_id, customer_id], |r| r.get(0))?)
}

/// The salesperson's conversations, the most recent first: one row per customer with the
/// last message and how many of the customer's messages are unread.
pub fn contacts(c: &Connection, user_id: i64, page: &Page) -> ApiResult<(Vec<Value>, i64)> {
    let total: i64 = c
        .prepare_cached("SELECT COUNT(DISTINCT customer_id) FROM zl_chat WHERE user_id = ?1")?
        .query_row([user_id], |r| r.get(0))?;
    let sql = format!(
        "SELECT last.customer_id, {CUSTOMER_NAME}, cu.headimgurl, m.content, m.create_date, cu.user_type,
                (SELECT COUNT(*) FROM zl_chat u
                 WHERE u.user_id = ?1 AND u.customer_id = last.customer_id AND u.send_type = 2
                   AND u.is_user_new_msg = 1)
         FROM (SELECT customer_id, MAX(id) AS id FROM zl_chat WHERE user_id = ?1 GROUP BY customer_id) last
         JOIN zl_chat m ON m.id = last.id
         JOIN zl_customer cu ON cu.id = last.customer_id {notes}
         ORDER BY last.id DESC LIMIT ?2 OFFSET ?3",
        notes = customer::notes_of("?1")
    );
    let today = clock::today();
    let rows = c
        .prepare_cached(&sql)?
        .query_map(params![user_id, page.limit, page.offset], |r| {
            let content: Value =
                serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_else(|_| json!({}));
            let when: String = r.get(4)?;
            let user_type: i64 = r.get(5)?;
            Ok(json!({
                "customer_id": r.get::<_, i64>(0)?,
                "customer_source": user_type,
                "customer_source_text": customer::user_type_name(user_type),
                "name": r.get::<_, String>(1)?,
                "src": r.get::<_, String>(2)?,
                "msg": summary(&content),
                "dateTime": clock::relative_day_time(&when, today),
                "count": r.get::<_, i64>(6)?,
            }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}
