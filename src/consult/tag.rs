//! Demand categories: seeded in the migration (ids from 1), listed for both sides at
//! `/api/user/tag/list` and `/api/consultant/tag/list` (no login needed).

use rocket::{get, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use super::reply::{ok, Reply};
use super::Kind;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};

pub fn routes() -> Vec<Route> {
    routes![list]
}

#[get("/<_kind>/tag/list")]
async fn list(_kind: Kind, db: &State<Db>) -> Reply {
    let tags = db.run(all).await?;
    ok(tags)
}

fn all(conn: &Connection) -> ApiResult<Vec<Value>> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM cs_tag ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(json!({"tag_id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?}))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `tag_id` as the seed sends it: JSON text (`[1,2]`) or a single number. Every id must
/// exist; duplicates collapse; at least one, at most ten.
pub fn parse_ids(conn: &Connection, raw: &str) -> ApiResult<Vec<i64>> {
    let raw = raw.trim();
    let ids: Vec<i64> = if raw.starts_with('[') {
        serde_json::from_str::<Vec<Value>>(raw)
            .map_err(|_| ApiError::wrong_type("tag_id"))?
            .iter()
            .map(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            })
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::wrong_type("tag_id"))?
    } else {
        vec![raw.parse().map_err(|_| ApiError::wrong_type("tag_id"))?]
    };
    let mut ids = ids;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > 10 {
        return Err(ApiError::invalid("tag_id", "须包含 1 到 10 个标签"));
    }
    for &id in &ids {
        ensure_exists(conn, id)?;
    }
    Ok(ids)
}

pub fn ensure_exists(conn: &Connection, id: i64) -> ApiResult<()> {
    let found: i64 = conn.query_row("SELECT COUNT(*) FROM cs_tag WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    if found == 0 {
        return Err(ApiError::not_found(&format!("标签 {id} ")));
    }
    Ok(())
}
