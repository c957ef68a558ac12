//! Demand forms, their change log, and who may see or change them.

use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};

use super::user::{self, User};
use crate::clock;
use crate::db::OptionalExtension;
use crate::error::{ApiError, ApiResult};

pub const NEW: i64 = 1;
pub const ASSIGNED: i64 = 2;
pub const IN_PROGRESS: i64 = 3;
pub const DONE: i64 = 4;

pub fn status_name(status: i64) -> &'static str {
    match status {
        NEW => "新需求",
        ASSIGNED => "已指派",
        IN_PROGRESS => "进行中",
        DONE => "已完成",
        _ => "未知",
    }
}

#[derive(Debug, Clone)]
pub struct Form {
    pub id: i64,
    pub customer_id: i64,
    pub status: i64,
    pub designer_id: Option<i64>,
}

/// The form, if `who` may see it: its customer, or any staff of the firm.
pub fn visible(c: &Connection, who: &User, id: i64) -> ApiResult<Form> {
    let form = c
        .query_row(
            "SELECT id, customer_id, status, designer_id FROM sm_form WHERE id = ?1",
            [id],
            |r| {
                Ok(Form {
                    id: r.get(0)?,
                    customer_id: r.get(1)?,
                    status: r.get(2)?,
                    designer_id: r.get(3)?,
                })
            },
        )
        .optional()?
        .ok_or_else(|| ApiError::not_found("需求表单"))?;
    if !who.is_staff() && form.customer_id != who.id {
        return Err(ApiError::forbidden("不能查看别人的需求表单"));
    }
    Ok(form)
}

pub fn insert(
    c: &Connection,
    customer: &User,
    title: &str,
    content: &str,
    kind: i64,
) -> ApiResult<i64> {
    let now = clock::now();
    c.execute(
        "INSERT INTO sm_form (customer_id, title, content, type, create_date, update_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![customer.id, title, content, kind, now],
    )?;
    let id = c.last_insert_rowid();
    log(c, id, customer.id, None, NEW, "提交需求")?;
    Ok(id)
}

/// One line of the change log: who, from which status to which, and what.
pub fn log(
    c: &Connection,
    form_id: i64,
    actor_id: i64,
    from: Option<i64>,
    to: i64,
    note: &str,
) -> ApiResult<()> {
    c.execute(
        "INSERT INTO sm_form_log (form_id, actor_id, from_status, to_status, note, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![form_id, actor_id, from, to, note, clock::now()],
    )?;
    Ok(())
}

/// The requested change of `update`, already parsed.
#[derive(Debug, Default, Clone)]
pub struct Change {
    pub title: Option<String>,
    pub content: Option<String>,
    pub kind: Option<i64>,
    pub designer_id: Option<i64>,
    pub status: Option<i64>,
}

/// Applies a change after checking who may make it; every part is logged.
pub fn apply(c: &Connection, who: &User, form: &Form, change: &Change) -> ApiResult<()> {
    check_edit(who, form, change)?;
    let now = clock::now();
    let edited = change.title.is_some() || change.content.is_some() || change.kind.is_some();
    if edited {
        c.execute(
            "UPDATE sm_form SET title = COALESCE(?2, title), content = COALESCE(?3, content),
                 type = COALESCE(?4, type), update_date = ?5 WHERE id = ?1",
            params![form.id, change.title, change.content, change.kind, now],
        )?;
        log(
            c,
            form.id,
            who.id,
            Some(form.status),
            form.status,
            "修改内容",
        )?;
    }
    let mut status = form.status;
    if let Some(designer_id) = change.designer_id {
        status = assign(c, who, form, designer_id)?;
    }
    if let Some(to) = change.status.filter(|&to| to != status) {
        check_move(who, form, status, to)?;
        c.execute(
            "UPDATE sm_form SET status = ?2, update_date = ?3 WHERE id = ?1",
            params![form.id, to, now],
        )?;
        log(c, form.id, who.id, Some(status), to, status_name(to))?;
    }
    Ok(())
}

/// A customer edits only their own form, only while it is new, and never its status.
fn check_edit(who: &User, form: &Form, change: &Change) -> ApiResult<()> {
    if form.status == DONE {
        return Err(ApiError::forbidden("需求已完成, 不能再修改"));
    }
    if who.is_staff() {
        return Ok(());
    }
    if form.customer_id != who.id {
        return Err(ApiError::forbidden("不能修改别人的需求表单"));
    }
    if change.status.is_some() || change.designer_id.is_some() {
        return Err(ApiError::forbidden("客户不能修改需求状态或指派"));
    }
    if form.status != NEW {
        return Err(ApiError::forbidden("需求已受理, 请联系客服修改"));
    }
    Ok(())
}

/// Customer service or a manager assigns (or reassigns) a designer; a new form becomes
/// assigned and the assigner becomes its customer service.
fn assign(c: &Connection, who: &User, form: &Form, designer_id: i64) -> ApiResult<i64> {
    if who.level < user::SERVICE {
        return Err(ApiError::forbidden("只有客服或管理员可以指派设计师"));
    }
    let designer = user::by_id(c, designer_id)?.ok_or_else(|| ApiError::not_found("设计师"))?;
    if designer.level != user::DESIGNER {
        return Err(ApiError::invalid("designer_id", "不是设计师"));
    }
    let to = if form.status == NEW {
        ASSIGNED
    } else {
        form.status
    };
    c.execute(
        "UPDATE sm_form SET designer_id = ?2, service_id = ?3, status = ?4, update_date = ?5
         WHERE id = ?1",
        params![form.id, designer_id, who.id, to, clock::now()],
    )?;
    log(
        c,
        form.id,
        who.id,
        Some(form.status),
        to,
        &format!("指派设计师 {designer_id}"),
    )?;
    Ok(to)
}

/// Statuses move forward one step at a time: assigned → in progress → done. A form
/// becomes assigned only by assigning a designer; the designer moves only their own forms.
fn check_move(who: &User, form: &Form, from: i64, to: i64) -> ApiResult<()> {
    let next = match from {
        ASSIGNED => IN_PROGRESS,
        IN_PROGRESS => DONE,
        _ => 0,
    };
    if to != next {
        return Err(ApiError::invalid(
            "status",
            &format!("不能从{}改为{}", status_name(from), status_name(to)),
        ));
    }
    if who.level == user::DESIGNER && form.designer_id != Some(who.id) {
        return Err(ApiError::forbidden("只能处理指派给自己的需求"));
    }
    Ok(())
}

const COLUMNS: &str = "f.id, f.customer_id, f.title, f.content, f.type, f.status, f.designer_id,
     f.service_id, f.create_date, f.update_date, cu.phone, cu.nickname,
     EXISTS (SELECT 1 FROM sm_assess a WHERE a.form_id = f.id)";

fn to_json(r: &Row<'_>) -> rusqlite::Result<Value> {
    let status: i64 = r.get(5)?;
    Ok(json!({
        "id": r.get::<_, i64>(0)?, "customer_id": r.get::<_, i64>(1)?,
        "title": r.get::<_, String>(2)?, "content": r.get::<_, String>(3)?,
        "type": r.get::<_, i64>(4)?, "status": status, "status_name": status_name(status),
        "designer_id": r.get::<_, Option<i64>>(6)?, "service_id": r.get::<_, Option<i64>>(7)?,
        "create_date": r.get::<_, String>(8)?, "update_date": r.get::<_, String>(9)?,
        "customer_phone": r.get::<_, Option<String>>(10)?, "customer_name": r.get::<_, String>(11)?,
        "assessed": r.get::<_, bool>(12)?,
    }))
}

pub fn one(c: &Connection, id: i64) -> ApiResult<Value> {
    let sql = format!(
        "SELECT {COLUMNS} FROM sm_form f JOIN sm_user cu ON cu.id = f.customer_id WHERE f.id = ?1"
    );
    Ok(c.query_row(&sql, [id], to_json)?)
}

pub fn history(c: &Connection, id: i64) -> ApiResult<Vec<Value>> {
    let mut stmt = c.prepare_cached(
        "SELECT actor_id, from_status, to_status, note, create_date FROM sm_form_log
         WHERE form_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(
            json!({"actor_id": r.get::<_, i64>(0)?, "from_status": r.get::<_, Option<i64>>(1)?,
                  "to_status": r.get::<_, i64>(2)?, "note": r.get::<_, String>(3)?,
                  "create_date": r.get::<_, String>(4)?}),
        )
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A page of forms, newest first: `customer` limits to one customer's own forms.
pub fn list(
    c: &Connection,
    customer: Option<i64>,
    status: Option<i64>,
    page: crate::web::params::Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let filter = "(?1 IS NULL OR f.customer_id = ?1) AND (?2 IS NULL OR f.status = ?2)";
    let total = c.query_row(
        &format!("SELECT COUNT(*) FROM sm_form f WHERE {filter}"),
        params![customer, status],
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT {COLUMNS} FROM sm_form f JOIN sm_user cu ON cu.id = f.customer_id
         WHERE {filter} ORDER BY f.id DESC LIMIT ?3 OFFSET ?4"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![customer, status, page.limit, page.offset], to_json)?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}
