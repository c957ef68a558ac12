//! Repair requests (`rp_request`) and their events (`rp_event`).

use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};

use super::data::Member;
use super::workflow::{self, Parties, PENDING};
use crate::clock;
use crate::db::OptionalExtension;
use crate::error::{ApiError, ApiResult};
use crate::web::params::Page;

/// The `repair_apply` form, checked.
#[derive(Debug, Clone, Default)]
pub struct ApplyForm {
    pub title: String,
    pub content: String,
    pub address: String,
    pub phone: String,
    pub images: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub id: i64,
    pub applicant_id: i64,
    pub assignee_id: Option<i64>,
    pub status: String,
}

impl Request {
    pub fn parties(&self, me: &Member) -> Parties {
        Parties {
            admin: me.is_admin(),
            applicant: self.applicant_id == me.id,
            assignee: self.assignee_id == Some(me.id),
        }
    }
}

pub fn insert(c: &Connection, me: &Member, f: &ApplyForm) -> ApiResult<i64> {
    let now = clock::now();
    c.execute(
        "INSERT INTO rp_request (applicant_id, title, content, address, phone, images, status,
             create_date, update_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            me.id,
            f.title,
            f.content,
            f.address,
            f.phone,
            json!(f.images).to_string(),
            PENDING,
            now
        ],
    )?;
    let id = c.last_insert_rowid();
    record(c, id, me.id, "create", None, PENDING, "")?;
    Ok(id)
}

/// The request, if `me` may see it: admins see all, others their own and their assigned.
pub fn visible(c: &Connection, me: &Member, id: i64) -> ApiResult<Request> {
    let found = c
        .query_row(
            "SELECT id, applicant_id, assignee_id, status FROM rp_request WHERE id = ?1",
            [id],
            |r| {
                Ok(Request {
                    id: r.get(0)?,
                    applicant_id: r.get(1)?,
                    assignee_id: r.get(2)?,
                    status: r.get(3)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("报修申请"))?;
    let p = found.parties(me);
    if !(p.admin || p.applicant || p.assignee) {
        return Err(ApiError::forbidden("不能查看别人的报修申请"));
    }
    Ok(found)
}

/// One line of a request's history.
pub fn record(
    c: &Connection,
    id: i64,
    actor: i64,
    action: &str,
    from: Option<&str>,
    to: &str,
    note: &str,
) -> ApiResult<()> {
    c.execute(
        "INSERT INTO rp_event (request_id, actor_id, action, from_status, to_status, note, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, actor, action, from, to, note, clock::now()],
    )?;
    Ok(())
}

/// Moves the request to `to` (and to a new assignee for `assign`), recording the event.
pub fn move_to(
    c: &Connection,
    req: &Request,
    actor: i64,
    action: &str,
    to: &str,
    note: &str,
    assignee: Option<i64>,
) -> ApiResult<()> {
    c.execute(
        "UPDATE rp_request SET status = ?2, assignee_id = COALESCE(?3, assignee_id), update_date = ?4
         WHERE id = ?1",
        params![req.id, to, assignee, clock::now()],
    )?;
    record(c, req.id, actor, action, Some(&req.status), to, note)
}

const COLUMNS: &str = "r.id, r.applicant_id, ap.name, r.assignee_id, asg.name, r.title, r.content,
     r.address, r.phone, r.images, r.status, r.create_date, r.update_date";
const FROM: &str = "rp_request r JOIN rp_user ap ON ap.id = r.applicant_id
     LEFT JOIN rp_user asg ON asg.id = r.assignee_id";

fn to_json(r: &Row<'_>) -> rusqlite::Result<Value> {
    let images: String = r.get(9)?;
    let status: String = r.get(10)?;
    Ok(json!({
        "id": r.get::<_, i64>(0)?, "applicant_id": r.get::<_, i64>(1)?,
        "applicant_name": r.get::<_, String>(2)?, "assignee_id": r.get::<_, Option<i64>>(3)?,
        "assignee_name": r.get::<_, Option<String>>(4)?, "process_name": "repair_apply",
        "form": {"title": r.get::<_, String>(5)?, "content": r.get::<_, String>(6)?,
                 "address": r.get::<_, String>(7)?, "phone": r.get::<_, String>(8)?,
                 "images": serde_json::from_str::<Value>(&images).unwrap_or(json!([]))},
        "status_name": workflow::state_name(&status), "status": status,
        "create_date": r.get::<_, String>(11)?, "update_date": r.get::<_, String>(12)?,
    }))
}

pub fn one(c: &Connection, id: i64) -> ApiResult<Value> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE r.id = ?1");
    let mut data = c.query_row(&sql, [id], to_json)?;
    data["events"] = json!(events(c, id)?);
    Ok(data)
}

fn events(c: &Connection, id: i64) -> ApiResult<Vec<Value>> {
    let mut stmt = c.prepare_cached(
        "SELECT e.actor_id, u.name, e.action, e.from_status, e.to_status, e.note, e.create_date
         FROM rp_event e JOIN rp_user u ON u.id = e.actor_id WHERE e.request_id = ?1 ORDER BY e.id",
    )?;
    let rows = stmt.query_map([id], |r| {
        let action: String = r.get(2)?;
        Ok(json!({"actor_id": r.get::<_, i64>(0)?, "actor_name": r.get::<_, String>(1)?,
                  "action_name": workflow::action_name(&action), "action": action,
                  "from_status": r.get::<_, Option<String>>(3)?, "to_status": r.get::<_, String>(4)?,
                  "note": r.get::<_, String>(5)?, "create_date": r.get::<_, String>(6)?}))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A page of what `me` may see, newest first: admins all, repairers their assigned and
/// their own, others their own; `status` filters.
pub fn list(
    c: &Connection,
    me: &Member,
    status: Option<&str>,
    page: Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let scope =
        "(?1 OR r.applicant_id = ?2 OR r.assignee_id = ?2) AND (?3 IS NULL OR r.status = ?3)";
    let total = c.query_row(
        &format!("SELECT COUNT(*) FROM rp_request r WHERE {scope}"),
        params![me.is_admin(), me.id, status],
        |r| r.get(0),
    )?;
    let sql =
        format!("SELECT {COLUMNS} FROM {FROM} WHERE {scope} ORDER BY r.id DESC LIMIT ?4 OFFSET ?5");
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![me.is_admin(), me.id, status, page.limit, page.offset],
        to_json,
    )?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// The title and address, for the assignee's notice.
pub fn summary(c: &Connection, id: i64) -> ApiResult<(String, String, String)> {
    Ok(c.query_row(
        "SELECT CASE WHEN title != '' THEN title ELSE substr(content, 1, 20) END, address, phone
         FROM rp_request WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}
