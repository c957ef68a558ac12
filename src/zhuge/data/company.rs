//! Companies and their roles (their WeChat credentials: `wechat::apps`).

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::clock;
use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::web::params::Page;

/// The role `leida admin` gives: every permission of the menu.
pub const ADMIN_ROLE: &str = "管理员";

/// The company with this name, created if missing.
pub fn ensure(c: &Connection, name: &str) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_company (name, create_date) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
        params![name, clock::now()],
    )?;
    Ok(
        c.query_row("SELECT id FROM zl_company WHERE name = ?1", [name], |r| {
            r.get(0)
        })?,
    )
}

pub fn name(c: &Connection, company_id: i64) -> ApiResult<Option<String>> {
    Ok(c.query_row(
        "SELECT name FROM zl_company WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// The company's administrator role, holding every permission the company sees: the
/// built-in menu and its own entries (created if missing).
pub fn ensure_admin_role(c: &Connection, company_id: i64) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_role (company_id, name, create_date) VALUES (?1, ?2, ?3)
         ON CONFLICT (company_id, name) DO NOTHING",
        params![company_id, ADMIN_ROLE, clock::now()],
    )?;
    let role_id: i64 = c.query_row(
        "SELECT id FROM zl_role WHERE company_id = ?1 AND name = ?2",
        params![company_id, ADMIN_ROLE],
        |r| r.get(0),
    )?;
    c.execute(
        "INSERT OR IGNORE INTO zl_role_permission (role_id, permission_id)
         SELECT ?1, id FROM zl_permission WHERE company_id IS NULL OR company_id = ?2",
        params![role_id, company_id],
    )?;
    Ok(role_id)
}

/// 302 when `found` (the company that owns a row) is `None`, 403 when it is not `company_id`.
pub fn check_owner(found: Option<i64>, company_id: i64, what: &str) -> ApiResult<()> {
    match found {
        None => Err(ApiError::not_found(what)),
        Some(owner) if owner != company_id => Err(ApiError::forbidden("无权操作其他公司的数据")),
        Some(_) => Ok(()),
    }
}

/// A row still referenced elsewhere: SQLite's foreign key check becomes 304 with `msg`.
pub fn in_use<T>(result: rusqlite::Result<T>, msg: &'static str) -> ApiResult<T> {
    result.map_err(|e| match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            ApiError::new(Code::HasChildren, msg)
        }
        _ => ApiError::from(e),
    })
}

/// `Some(parent_id)` when the company exists.
fn parent_of(c: &Connection, company_id: i64) -> ApiResult<Option<Option<i64>>> {
    Ok(c.query_row(
        "SELECT parent_id FROM zl_company WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )
    .optional()?)
}

/// A company the signer's company manages: itself, or one it created. 302 unknown, 403 other.
pub fn check_managed(c: &Connection, own: i64, company_id: i64) -> ApiResult<()> {
    match parent_of(c, company_id)? {
        None => Err(ApiError::not_found("公司")),
        Some(_) if company_id == own => Ok(()),
        Some(Some(parent)) if parent == own => Ok(()),
        Some(_) => Err(ApiError::forbidden("无权操作其他公司的数据")),
    }
}

/// A company the signer's company may add employees to: itself, or one it created while
/// that one has no employees yet (its first administrator); afterwards the client's own
/// administrators staff it. 302 unknown, 403 other.
pub fn check_staffable(c: &Connection, own: i64, company_id: i64) -> ApiResult<()> {
    check_managed(c, own, company_id)?;
    if company_id == own {
        return Ok(());
    }
    let staffed: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM zl_employee WHERE company_id = ?1)",
        [company_id],
        |r| r.get(0),
    )?;
    if staffed {
        return Err(ApiError::forbidden(
            "该公司已有自己的员工, 只能由其管理员添加用户",
        ));
    }
    Ok(())
}

/// The companies `own` manages (itself first, then those it created), with the total.
pub fn list_managed(c: &Connection, own: i64, page: Page) -> ApiResult<(Vec<Value>, i64)> {
    let total: i64 = c.query_row(
        "SELECT COUNT(*) FROM zl_company WHERE id = ?1 OR parent_id = ?1",
        [own],
        |r| r.get(0),
    )?;
    let mut stmt = c.prepare(
        "SELECT co.id, co.name, co.area, co.address, co.parent_id, co.create_date,
                co.account_expired_time, co.mingpian_available_num,
                (SELECT COUNT(*) FROM zl_employee e WHERE e.company_id = co.id), co.dialect,
                co.wechat_qr_code, co.mp_version, co.shopping_type
         FROM zl_company co WHERE co.id = ?1 OR co.parent_id = ?1
         ORDER BY co.id = ?1 DESC, co.id DESC LIMIT ?2 OFFSET ?3",
    )?;
    let rows = stmt.query_map(params![own, page.limit, page.offset], |r| {
        Ok(json!({
            "id": r.get::<_, i64>(0)?,
            "name": r.get::<_, String>(1)?,
            "company_id": r.get::<_, i64>(0)?,
            "area": r.get::<_, String>(2)?,
            "address": r.get::<_, String>(3)?,
            "parent_id": r.get::<_, Option<i64>>(4)?,
            "create_date": r.get::<_, String>(5)?,
            "account_expired_time": r.get::<_, Option<String>>(6)?,
            "mingpian_available_num": r.get::<_, i64>(7)?,
            "user_count": r.get::<_, i64>(8)?,
            "zhuge_dialect": r.get::<_, Option<String>>(9)?,
            "weChatQrCode": r.get::<_, String>(10)?,
            "mp_version": r.get::<_, String>(11)?,
            "shopping_type": r.get::<_, i64>(12)?,
        }))
    })?;
    Ok((rows.collect::<Result<_, _>>()?, total))
}

/// The editable description of a company (`None` leaves a field as it is).
#[derive(Debug, Default)]
pub struct Details {
    pub name: Option<String>,
    pub area: Option<String>,
    pub address: Option<String>,
    /// The company's Work WeChat QR code (an image URL), shown after sign-in.
    pub wechat_qr_code: Option<String>,
    /// The released version of its mini-program (see `is_release_version_num`).
    pub mp_version: Option<String>,
    /// The mini-program's third tab: 1 产品, 2 商城.
    pub shopping_type: Option<i64>,
}

/// A company created by `parent`'s administrator, with its own administrator role, so
/// that the creator can add its first employee. Returns `(company_id, admin role_id)`.
pub fn insert_child(c: &Connection, parent: i64, d: &Details) -> ApiResult<(i64, i64)> {
    let name = d.name.as_deref().unwrap_or_default();
    c.execute(
        "INSERT INTO zl_company (name, area, address, parent_id, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            name,
            d.area.as_deref().unwrap_or_default(),
            d.address.as_deref().unwrap_or_default(),
            parent,
            clock::now()
        ],
    )
    .on_unique(Code::NameExists, "公司名已存在")?;
    let id = c.last_insert_rowid();
    Ok((id, ensure_admin_role(c, id)?))
}

pub fn update(c: &Connection, id: i64, d: &Details) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_company SET name = COALESCE(?2, name), area = COALESCE(?3, area),
                address = COALESCE(?4, address), wechat_qr_code = COALESCE(?5, wechat_qr_code),
                mp_version = COALESCE(?6, mp_version), shopping_type = COALESCE(?7, shopping_type)
         WHERE id = ?1",
        params![
            id,
            d.name,
            d.area,
            d.address,
            d.wechat_qr_code,
            d.mp_version,
            d.shopping_type
        ],
    )
    .on_unique(Code::NameExists, "公司名已存在")?;
    Ok(())
}

/// Deletes a company without employees: its roles go with it, its customers stay (without
/// a company); anything else still pointing at it (orders, companies it created) is 304.
pub fn delete(c: &Connection, id: i64) -> ApiResult<()> {
    let employees: i64 = c.query_row(
        "SELECT COUNT(*) FROM zl_employee WHERE company_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    if employees > 0 {
        return Err(ApiError::new(
            Code::HasChildren,
            "该公司有关联用户,请转移用户后再试",
        ));
    }
    c.execute("DELETE FROM zl_role WHERE company_id = ?1", [id])?;
    c.execute(
        "UPDATE zl_customer SET company_id = NULL WHERE company_id = ?1",
        [id],
    )?;
    in_use(
        c.execute("DELETE FROM zl_company WHERE id = ?1", [id]),
        "该公司仍有关联数据(订单或下属公司),请先处理",
    )?;
    Ok(())
}

/// The stored `website_content` as an object with both picture lists (seed 001 `website`).
pub fn website(c: &Connection, company_id: i64) -> ApiResult<Value> {
    let raw: String = c.query_row(
        "SELECT website_content FROM zl_company WHERE id = ?1",
        [company_id],
        |r| r.get(0),
    )?;
    let mut content = match serde_json::from_str::<Value>(&raw) {
        Ok(Value::Object(map)) => Value::Object(map),
        _ => json!({}),
    };
    for key in [COVER, CONTENT] {
        if !content[key].is_array() {
            content[key] = json!([]);
        }
    }
    Ok(content)
}

pub const COVER: &str = "cover_picture";
pub const CONTENT: &str = "content_picture";

pub fn set_website(c: &Connection, company_id: i64, content: &Value) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_company SET website_content = ?2 WHERE id = ?1",
        params![company_id, content.to_string()],
    )?;
    Ok(())
}
