//! Chat messages between a salesperson and a customer.

use rusqlite::{params, Connection};
use serde_json::Value;

use crate::clock;
use crate::error::ApiResult;

/// `send_type` 1: the salesperson wrote to the customer.
pub const FROM_USER: i64 = 1;
/// `send_type` 2: the customer wrote to the salesperson.
pub const FROM_CUSTOMER: i64 = 2;

/// Stores a message; it is unread by its receiver only.
pub fn insert(
    c: &Connection,
    user_id: i64,
    customer_id: i64,
    send_type: i64,
    content: &Value,
) -> ApiResult<i64> {
    let (unread_by_customer, unread_by_user) = (send_type == FROM_USER, send_type == FROM_CUSTOMER);
    c.execute(
        "INSERT INTO zl_chat (user_id, customer_id, send_type, content, is_customer_new_msg,
                              is_user_new_msg, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            user_id,
            customer_id,
            send_type,
            content.to_string(),
            unread_by_customer,
            unread_by_user,
            clock::now()
        ],
    )?;
    Ok(c.last_insert_rowid())
}
