//! What the console's live radar reads: events committed after a known id, in id order.

use rusqlite::{params, Connection};
use serde_json::Value;

use crate::error::ApiResult;
use crate::zhuge::data::{customer, radar};

/// One committed radar event, with the salesperson it belongs to.
#[derive(Debug, Clone)]
pub struct FeedEvent {
    pub id: i64,
    pub user_id: i64,
    /// Shaped like a row of `action/time`.
    pub row: Value,
}

/// The newest event id (0 when there is none).
pub fn last_id(c: &Connection) -> ApiResult<i64> {
    let mut stmt = c.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM zl_radar")?;
    Ok(stmt.query_row([], |r| r.get(0))?)
}

/// Up to `limit` events with an id above `after`, oldest first (an index range on the key).
pub fn after(c: &Connection, after: i64, limit: i64) -> ApiResult<Vec<FeedEvent>> {
    let sql = format!(
        "SELECT a.id, a.user_id, a.customer_id, cu.headimgurl, {name} || a.remark, a.create_date, a.action
         FROM zl_radar a JOIN zl_customer cu ON cu.id = a.customer_id {notes}
         WHERE a.id > ?1 ORDER BY a.id LIMIT ?2",
        name = customer::NAME,
        notes = customer::notes_of("a.user_id"),
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after, limit], |r| {
        Ok(FeedEvent {
            id: r.get(0)?,
            user_id: r.get(1)?,
            row: radar::event_row(r)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
