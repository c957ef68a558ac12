//! The radar: one event per customer action on a card (SPEC §6), and the queries
//! behind `action/time`, `action/customer`, `action/count` and `action/get_new_log`.

use rusqlite::{params, Connection, ToSql};
use serde_json::{json, Map, Value};

use crate::clock;
use crate::error::ApiResult;
use crate::web::params::Page;
use crate::zhuge::data::notice::Pushes;
use crate::zhuge::data::{customer, notice, relation};

/// Action names, 1–12, as seed 003 lists them.
pub const ACTIONS: [&str; 12] = [
    "查看名片",
    "查看产品",
    "查看动态",
    "查看官网",
    "复制微信",
    "转发名片",
    "咨询产品",
    "保存电话",
    "觉得靠谱",
    "拨打电话",
    "播放语音",
    "复制邮箱",
];

pub const VIEW_CARD: i64 = 1;
pub const VIEW_PRODUCT: i64 = 2;
pub const VIEW_WEBSITE: i64 = 4;
pub const COPY_WECHAT: i64 = 5;
pub const FORWARD: i64 = 6;
pub const CONSULT: i64 = 7;
pub const SAVE_PHONE: i64 = 8;
pub const PRAISE: i64 = 9;
pub const CALL: i64 = 10;

pub fn action_name(action: i64) -> &'static str {
    usize::try_from(action - 1)
        .ok()
        .and_then(|i| ACTIONS.get(i))
        .copied()
        .unwrap_or("")
}

/// The remark of the `nth` view of a card by one customer.
pub fn view_remark(nth: i64) -> String {
    match nth {
        1 => "首次查看您的名片,沟通从此刻开始".to_string(),
        2 => "查看您的名片第2次,把握深度交流的机会".to_string(),
        3 => "查看您的名片第3次,建议标注重点客户".to_string(),
        n => format!("查看您的名片第{n}次,成交在望"),
    }
}

/// Writes one event and marks the relation active. Call inside the action's transaction.
pub fn record(
    c: &Connection,
    pushes: Pushes,
    user_id: i64,
    customer_id: i64,
    action: i64,
    remark: &str,
) -> ApiResult<i64> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO zl_radar (user_id, customer_id, action, remark, create_date) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    stmt.execute(params![user_id, customer_id, action, remark, clock::now()])?;
    let id = c.last_insert_rowid();
    relation::touch_activity(c, user_id, customer_id)?;
    notice::push_to_salesperson(c, pushes, user_id, || {
        notice::customer_line(c, customer_id, user_id, remark)
    })?;
    Ok(id)
}

/// Counts one more view of this card by this customer; returns which view it is.
pub fn count_view(c: &Connection, user_id: i64, customer_id: i64) -> ApiResult<i64> {
    let mut stmt = c.prepare_cached(
        "INSERT INTO zl_card_view (user_id, customer_id, views) VALUES (?1, ?2, 1)
         ON CONFLICT (user_id, customer_id) DO UPDATE SET views = views + 1 RETURNING views",
    )?;
    Ok(stmt.query_row(params![user_id, customer_id], |r| r.get(0))?)
}

/// The filters of the radar queries: an action and a time window (dates or datetimes).
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub action: Option<i64>,
    pub since: Option<String>,
    pub before: Option<String>,
}

impl Filter {
    /// Without a time window, totals come from the tallies of migration 004.
    fn is_all_time(&self) -> bool {
        self.since.is_none() && self.before.is_none()
    }

    /// The window as whole days (`since` ≤ day < `before`) when both bounds fall on
    /// midnight, so the daily tally answers it; `None` when a bound has a time of day.
    fn whole_days(&self) -> Option<(Option<&str>, Option<&str>)> {
        Some((
            whole_day(self.since.as_deref())?,
            whole_day(self.before.as_deref())?,
        ))
    }

    /// `AND ...` clauses and their values, after `user_id = ?1`.
    fn clauses(&self) -> (String, Vec<Box<dyn ToSql>>) {
        let mut sql = String::new();
        let mut values: Vec<Box<dyn ToSql>> = Vec::new();
        if let Some(action) = self.action {
            values.push(Box::new(action));
            sql += &format!(" AND a.action = ?{}", values.len() + 1);
        }
        if let Some(since) = &self.since {
            values.push(Box::new(since.clone()));
            sql += &format!(" AND a.create_date >= ?{}", values.len() + 1);
        }
        if let Some(before) = &self.before {
            values.push(Box::new(before.clone()));
            sql += &format!(" AND a.create_date < ?{}", values.len() + 1);
        }
        (sql, values)
    }
}

/// A bound that falls on midnight, as its day (`Some(None)`: no bound; `None`: not midnight).
fn whole_day(bound: Option<&str>) -> Option<Option<&str>> {
    match bound {
        None => Some(None),
        Some(b) if b.len() == 10 => Some(Some(b)),
        Some(b) if b.get(10..) == Some("T00:00:00.000") => Some(b.get(..10)),
        Some(_) => None,
    }
}

/// `?1` is the salesperson, the filter's values follow.
fn bind_values<'a>(user_id: &'a i64, values: &'a [Box<dyn ToSql>]) -> Vec<&'a dyn ToSql> {
    let mut all: Vec<&dyn ToSql> = vec![user_id];
    all.extend(values.iter().map(|v| v.as_ref()));
    all
}

/// Events of one salesperson, newest first, with the total that matched.
pub fn by_time(
    c: &Connection,
    user_id: i64,
    filter: &Filter,
    page: Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let (clauses, values) = filter.clauses();
    let args = bind_values(&user_id, &values);
    let total = if let Some(days) = filter.whole_days() {
        tally(c, user_id, filter.action, days)?
    } else {
        c.query_row(
            &format!("SELECT COUNT(*) FROM zl_radar a WHERE a.user_id = ?1{clauses}"),
            args.as_slice(),
            |r| r.get(0),
        )?
    };
    let sql = format!(
        "SELECT a.id, a.user_id, a.customer_id, cu.headimgurl, {name} || a.remark, a.create_date, a.action
         FROM zl_radar a JOIN zl_customer cu ON cu.id = a.customer_id {notes}
         WHERE a.user_id = ?1{clauses} ORDER BY a.create_date DESC, a.id DESC LIMIT {} OFFSET {}",
        page.limit,
        page.offset,
        name = customer::NAME,
        notes = customer::notes_of("?1"),
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(args.as_slice(), event_row)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// One event as `action/time` shows it (and the console's live feed).
pub fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Value> {
    let action: i64 = r.get(6)?;
    Ok(json!({
        "id": r.get::<_, i64>(0)?,
        "user_id": r.get::<_, i64>(1)?,
        "customer_id": r.get::<_, i64>(2)?,
        "headimgurl": r.get::<_, String>(3)?,
        "log": r.get::<_, String>(4)?,
        "create_date": r.get::<_, String>(5)?,
        "action": action,
        "action_name": action_name(action),
    }))
}

/// Marks these events read.
/// Marks read every event that `filter` matches (the original's `action/time` did).
pub fn mark_matching_read(c: &Connection, user_id: i64, filter: &Filter) -> ApiResult<()> {
    let (clauses, values) = filter.clauses();
    let args = bind_values(&user_id, &values);
    c.execute(
        &format!("UPDATE zl_radar AS a SET is_new_msg = 0 WHERE a.user_id = ?1 AND a.is_new_msg = 1{clauses}"),
        args.as_slice(),
    )?;
    Ok(())
}

pub fn mark_read(c: &Connection, ids: &[i64]) -> ApiResult<()> {
    let mut stmt =
        c.prepare_cached("UPDATE zl_radar SET is_new_msg = 0 WHERE id = ?1 AND is_new_msg = 1")?;
    for id in ids {
        stmt.execute([id])?;
    }
    Ok(())
}

/// How many events a salesperson has (of one action) in whole days, from the daily tally.
fn tally(
    c: &Connection,
    user_id: i64,
    action: Option<i64>,
    (since, before): (Option<&str>, Option<&str>),
) -> ApiResult<i64> {
    let mut stmt = c.prepare_cached(
        "SELECT COALESCE(SUM(n), 0) FROM zl_radar_daily WHERE user_id = ?1
         AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR day >= ?3) AND (?4 IS NULL OR day < ?4)",
    )?;
    Ok(stmt.query_row(params![user_id, action, since, before], |r| r.get(0))?)
}

/// Per customer: how many events of each action, busiest customer first. All-time rankings
/// come from the tallies; a time window counts the events in it.
pub fn by_customer(
    c: &Connection,
    user_id: i64,
    filter: &Filter,
    page: Page,
) -> ApiResult<Vec<Value>> {
    let (clauses, values) = filter.clauses();
    let args = bind_values(&user_id, &values);
    let (limit, offset) = (page.limit, page.offset);
    let ranking = if filter.is_all_time() && filter.action.is_none() {
        format!(
            "top AS (
                 SELECT customer_id, total FROM zl_radar_customer_total WHERE user_id = ?1 AND total > 0
                 ORDER BY total DESC, customer_id LIMIT {limit} OFFSET {offset}),
             counts AS (
                 SELECT customer_id, action, n FROM zl_radar_customer_tally
                 WHERE user_id = ?1 AND customer_id IN (SELECT customer_id FROM top) AND n > 0)"
        )
    } else {
        format!(
            "counts AS (
                 SELECT a.customer_id, a.action, COUNT(*) AS n FROM zl_radar a
                 WHERE a.user_id = ?1{clauses} GROUP BY a.customer_id, a.action),
             top AS (
                 SELECT customer_id, SUM(n) AS total FROM counts GROUP BY customer_id
                 ORDER BY total DESC, customer_id LIMIT {limit} OFFSET {offset})"
        )
    };
    let sql = format!(
        "WITH {ranking}
         SELECT top.customer_id, top.total, {name}, cu.headimgurl, counts.action, counts.n
         FROM top JOIN counts ON counts.customer_id = top.customer_id
         JOIN zl_customer cu ON cu.id = top.customer_id {notes}
         ORDER BY top.total DESC, top.customer_id, counts.action",
        name = customer::NAME,
        notes = customer::notes_of("?1"),
    );
    let mut stmt = c.prepare(&sql)?;
    let mut rows = stmt.query(args.as_slice())?;
    let mut out: Vec<Value> = Vec::new();
    while let Some(r) = rows.next()? {
        let customer_id: i64 = r.get(0)?;
        if out.last().and_then(|v| v["customer_id"].as_i64()) != Some(customer_id) {
            out.push(json!({
                "totalCount": r.get::<_, i64>(1)?,
                "customer_id": customer_id,
                "customer__username": r.get::<_, String>(2)?,
                "customer_username": r.get::<_, String>(2)?,
                "action_count": r.get::<_, i64>(1)?,
                "user_id": user_id.to_string(),
                "headimgurl": r.get::<_, String>(3)?,
                "detail": {},
            }));
        }
        let action: i64 = r.get(4)?;
        if let Some(Value::Object(detail)) = out.last_mut().map(|v| &mut v["detail"]) {
            detail.insert(
                action.to_string(),
                json!({"count": r.get::<_, i64>(5)?, "name": action_name(action)}),
            );
        }
    }
    Ok(out)
}

/// Events per action in the window: `{"1": n, ...}` (actions without events are left out).
pub fn count_by_action(
    c: &Connection,
    user_id: i64,
    filter: &Filter,
) -> ApiResult<Map<String, Value>> {
    let mut detail = Map::new();
    let mut add = |(action, n): (i64, i64)| {
        if n > 0 {
            detail.insert(action.to_string(), json!(n));
        }
    };
    if let Some((since, before)) = filter.whole_days() {
        let mut stmt = c.prepare_cached(
            "SELECT action, SUM(n) FROM zl_radar_daily WHERE user_id = ?1
             AND (?2 IS NULL OR day >= ?2) AND (?3 IS NULL OR day < ?3)
             GROUP BY action ORDER BY action",
        )?;
        let rows = stmt.query_map(params![user_id, since, before], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        for row in rows {
            add(row?);
        }
        return Ok(detail);
    }
    let (clauses, values) = filter.clauses();
    let args = bind_values(&user_id, &values);
    let sql = format!(
        "SELECT a.action, COUNT(*) FROM zl_radar a WHERE a.user_id = ?1{clauses} GROUP BY a.action ORDER BY a.action"
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(args.as_slice(), |r| Ok((r.get(0)?, r.get(1)?)))?;
    for row in rows {
        add(row?);
    }
    Ok(detail)
}

/// Unread events (optionally of one action), newest first; they are marked read.
pub fn take_unread(c: &Connection, user_id: i64, action: Option<i64>) -> ApiResult<Vec<Value>> {
    let sql = format!(
        "SELECT a.id, a.user_id, a.customer_id, cu.headimgurl, {name} || a.remark, a.create_date, a.action
         FROM zl_radar a JOIN zl_customer cu ON cu.id = a.customer_id {notes}
         WHERE a.user_id = ?1 AND a.is_new_msg = 1 AND (?2 IS NULL OR a.action = ?2)
         ORDER BY a.id DESC LIMIT 500",
        name = customer::NAME,
        notes = customer::notes_of("?1"),
    );
    let mut stmt = c.prepare(&sql)?;
    let mut events: Vec<Value> = stmt
        .query_map(params![user_id, action], event_row)?
        .collect::<Result<_, _>>()?;
    let ids: Vec<i64> = events.iter().filter_map(|e| e["id"].as_i64()).collect();
    mark_read(c, &ids)?;
    // Seed 003 names the action here instead of numbering it.
    for event in &mut events {
        event["action"] = event["action_name"].take();
    }
    Ok(events)
}
