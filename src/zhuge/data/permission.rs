//! The permission menu (seed 003 `quanxian`): the built-in entries of schema.sql, which
//! every company sees and none may change, plus the entries each company adds for itself.

use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};

use crate::clock;
use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};

/// A menu entry as sent by add/update.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub icon: String,
    pub title: String,
    pub pid: Option<i64>,
    pub order_num: i64,
}

/// `Some(owner)` when the permission exists; the owner is `None` for a built-in one.
fn owner(c: &Connection, id: i64) -> ApiResult<Option<Option<i64>>> {
    Ok(c.query_row(
        "SELECT company_id FROM zl_permission WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()?)
}

/// A permission the company may see and grant: built-in or its own.
pub fn check_visible(c: &Connection, company_id: i64, id: i64) -> ApiResult<()> {
    match owner(c, id)? {
        None => Err(ApiError::not_found("权限")),
        Some(Some(other)) if other != company_id => {
            Err(ApiError::forbidden("无权操作其他公司的数据"))
        }
        Some(_) => Ok(()),
    }
}

/// A permission the company may change: its own (built-in entries are 403).
pub fn check_own(c: &Connection, company_id: i64, id: i64) -> ApiResult<()> {
    match owner(c, id)? {
        None => Err(ApiError::not_found("权限")),
        Some(None) => Err(ApiError::forbidden("系统内置权限不能修改")),
        Some(Some(other)) if other != company_id => {
            Err(ApiError::forbidden("无权操作其他公司的数据"))
        }
        Some(_) => Ok(()),
    }
}

/// The menu the company sees, flat (by order) and as a tree.
pub fn list(c: &Connection, company_id: i64) -> ApiResult<(Vec<Value>, Vec<Value>)> {
    let mut stmt = c.prepare(
        "SELECT id, path, icon, title, pid, order_num, component, create_date, company_id IS NULL
         FROM zl_permission WHERE company_id IS NULL OR company_id = ?1
         ORDER BY order_num, id",
    )?;
    let flat: Vec<Value> = stmt
        .query_map([company_id], entry_json)?
        .collect::<Result<_, _>>()?;
    let tree = children_of(&flat, None);
    Ok((flat, tree))
}

fn entry_json(r: &Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": r.get::<_, i64>(0)?,
        "path": r.get::<_, String>(1)?,
        "icon": r.get::<_, String>(2)?,
        "title": r.get::<_, String>(3)?,
        "pid_id": r.get::<_, Option<i64>>(4)?,
        "order_num": r.get::<_, i64>(5)?,
        "component": r.get::<_, String>(6)?,
        "create_date": r.get::<_, String>(7)?,
        "is_builtin": r.get::<_, bool>(8)?,
    }))
}

fn children_of(flat: &[Value], parent: Option<i64>) -> Vec<Value> {
    flat.iter()
        .filter(|e| e["pid_id"].as_i64() == parent)
        .map(|e| {
            let mut node = e.clone();
            node["children"] = json!(children_of(flat, e["id"].as_i64()));
            node
        })
        .collect()
}

/// The parent must be visible to the company and must not be the entry or below it.
fn check_parent(c: &Connection, company_id: i64, id: Option<i64>, pid: i64) -> ApiResult<()> {
    check_visible(c, company_id, pid)?;
    let mut cursor = Some(pid);
    while let Some(current) = cursor {
        if Some(current) == id {
            return Err(ApiError::invalid("pid_id", "不能是自己或自己的下级"));
        }
        cursor = c.query_row(
            "SELECT pid FROM zl_permission WHERE id = ?1",
            [current],
            |r| r.get(0),
        )?;
    }
    Ok(())
}

pub fn insert(c: &Connection, company_id: i64, e: &Entry) -> ApiResult<i64> {
    if let Some(pid) = e.pid {
        check_parent(c, company_id, None, pid)?;
    }
    c.execute(
        "INSERT INTO zl_permission (path, icon, title, pid, order_num, company_id, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            e.path,
            e.icon,
            e.title,
            e.pid,
            e.order_num,
            company_id,
            clock::now()
        ],
    )
    .on_unique(Code::NameExists, "权限路径或名称已存在")?;
    Ok(c.last_insert_rowid())
}

pub fn update(c: &Connection, company_id: i64, id: i64, e: &Entry) -> ApiResult<()> {
    if let Some(pid) = e.pid {
        check_parent(c, company_id, Some(id), pid)?;
    }
    c.execute(
        "UPDATE zl_permission SET path = ?2, icon = ?3, title = ?4, pid = ?5, order_num = ?6
         WHERE id = ?1",
        params![id, e.path, e.icon, e.title, e.pid, e.order_num],
    )
    .on_unique(Code::NameExists, "权限路径或名称已存在")?;
    Ok(())
}

/// Deletes an entry without children (304 while it has some); its grants go with it.
pub fn delete(c: &Connection, id: i64) -> ApiResult<()> {
    let children: i64 = c.query_row(
        "SELECT COUNT(*) FROM zl_permission WHERE pid = ?1",
        [id],
        |r| r.get(0),
    )?;
    if children > 0 {
        return Err(ApiError::new(
            Code::HasChildren,
            "含有子级数据,请先删除或转移子级数据",
        ));
    }
    c.execute("DELETE FROM zl_permission WHERE id = ?1", [id])?;
    Ok(())
}

/// The entry as stored, for an update that changes only some fields.
pub fn get(c: &Connection, id: i64) -> ApiResult<Entry> {
    c.query_row(
        "SELECT path, icon, title, pid, order_num FROM zl_permission WHERE id = ?1",
        [id],
        |r| {
            Ok(Entry {
                path: r.get(0)?,
                icon: r.get(1)?,
                title: r.get(2)?,
                pid: r.get(3)?,
                order_num: r.get(4)?,
            })
        },
    )
    .optional()?
    .ok_or_else(|| ApiError::not_found("权限"))
}
