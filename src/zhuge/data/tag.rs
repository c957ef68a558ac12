//! Customer tags of a company. A tag without a parent is a group; tags on customers sit in
//! a group (`自定义` for the ones salespeople add), and every tag id is checked against the
//! signer's company.

use rusqlite::{named_params, params, Connection};
use serde_json::{json, Value};

use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::zhuge::data::customer;
use crate::zhuge::data::relation::Scope;

/// The groups every company's `tag_list` shows, in this order (seed 003).
pub const GROUPS: [&str; 4] = ["基本功能", "关注点", "级别", "自定义"];
/// Where tags added by salespeople go.
pub const CUSTOM_GROUP: &str = "自定义";

/// The company's group with this name, created if missing.
fn ensure_group(c: &Connection, company_id: i64, name: &str) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_tag (company_id, name) VALUES (?1, ?2)
         ON CONFLICT (company_id, name) DO NOTHING",
        params![company_id, name],
    )?;
    Ok(c.query_row(
        "SELECT id FROM zl_tag WHERE company_id = ?1 AND name = ?2",
        params![company_id, name],
        |r| r.get(0),
    )?)
}

/// A new tag in the `自定义` group; a name the company already uses is 300.
pub fn create(c: &Connection, company_id: i64, user_id: i64, name: &str) -> ApiResult<i64> {
    if GROUPS.contains(&name) {
        return Err(ApiError::new(Code::NameExists, "标签名已存在"));
    }
    let group = ensure_group(c, company_id, CUSTOM_GROUP)?;
    c.execute(
        "INSERT INTO zl_tag (company_id, user_id, name, parent_id) VALUES (?1, ?2, ?3, ?4)",
        params![company_id, user_id, name, group],
    )
    .on_unique(Code::NameExists, "标签名已存在")?;
    Ok(c.last_insert_rowid())
}

/// 302 for a tag that does not exist, 403 for another company's, 303 for a group.
pub fn check(c: &Connection, company_id: i64, tag_id: i64) -> ApiResult<()> {
    let found: Option<(i64, Option<i64>)> = c
        .prepare_cached("SELECT company_id, parent_id FROM zl_tag WHERE id = ?1")?
        .query_row([tag_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match found {
        None => Err(ApiError::not_found("标签")),
        Some((company, _)) if company != company_id => {
            Err(ApiError::forbidden("无权使用其他公司的标签"))
        }
        Some((_, None)) => Err(ApiError::invalid("tag_list", "不能包含标签分组")),
        Some(_) => Ok(()),
    }
}

pub fn attach(c: &Connection, tag_id: i64, customer_id: i64) -> ApiResult<()> {
    c.prepare_cached(
        "INSERT OR IGNORE INTO zl_tag_customer (tag_id, customer_id) VALUES (?1, ?2)",
    )?
    .execute(params![tag_id, customer_id])?;
    Ok(())
}

/// The customer's tags of this company become exactly `tag_ids` (other companies' stay).
pub fn replace(
    c: &Connection,
    company_id: i64,
    customer_id: i64,
    tag_ids: &[i64],
) -> ApiResult<()> {
    for &tag_id in tag_ids {
        check(c, company_id, tag_id)?;
    }
    c.execute(
        "DELETE FROM zl_tag_customer WHERE customer_id = ?1
         AND tag_id IN (SELECT id FROM zl_tag WHERE company_id = ?2)",
        params![customer_id, company_id],
    )?;
    for &tag_id in tag_ids {
        attach(c, tag_id, customer_id)?;
    }
    Ok(())
}

/// The names of the company's tags on a customer.
pub fn names_on(c: &Connection, company_id: i64, customer_id: i64) -> ApiResult<Vec<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT t.name FROM zl_tag_customer tc JOIN zl_tag t ON t.id = tc.tag_id
         WHERE tc.customer_id = ?1 AND t.company_id = ?2 ORDER BY t.id",
    )?;
    let rows = stmt.query_map(params![customer_id, company_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// `tag_list`: the company's groups (the four defaults first, even when empty) with their
/// tags; `is_select` says whether `customer_id` carries the tag.
pub fn grouped(c: &Connection, company_id: i64, customer_id: Option<i64>) -> ApiResult<Vec<Value>> {
    let mut groups: Vec<(String, Vec<Value>)> =
        GROUPS.iter().map(|g| (g.to_string(), Vec::new())).collect();
    let mut stmt = c.prepare_cached(
        "SELECT g.name, t.id, t.name, EXISTS (SELECT 1 FROM zl_tag_customer tc
                    WHERE tc.tag_id = t.id AND tc.customer_id = ?2)
         FROM zl_tag g LEFT JOIN zl_tag t ON t.parent_id = g.id
         WHERE g.company_id = ?1 AND g.parent_id IS NULL ORDER BY g.id, t.id",
    )?;
    let mut rows = stmt.query(params![company_id, customer_id])?;
    while let Some(r) = rows.next()? {
        let group: String = r.get(0)?;
        let index = match groups.iter().position(|(name, _)| *name == group) {
            Some(i) => i,
            None => {
                groups.push((group, Vec::new()));
                groups.len() - 1
            }
        };
        if let Some(id) = r.get::<_, Option<i64>>(1)? {
            let tag = json!({"id": id, "name": r.get::<_, String>(2)?, "is_select": r.get::<_, bool>(3)?});
            groups[index].1.push(tag);
        }
    }
    Ok(groups
        .into_iter()
        .map(|(name, tags)| json!({"name": name, "tags": tags}))
        .collect())
}

/// `tag_customer`: the company's tags that carry customers the signer sees, with those
/// customers, most customers first.
pub fn with_customers(c: &Connection, scope: Scope, company_id: i64) -> ApiResult<Vec<Value>> {
    let sql = format!(
        "SELECT t.id, t.name, cu.id, {name}, cu.headimgurl
         FROM zl_tag t JOIN zl_tag_customer tc ON tc.tag_id = t.id
         JOIN zl_customer cu ON cu.id = tc.customer_id
         {notes}
         WHERE t.company_id = :company AND EXISTS (
             SELECT 1 FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
             WHERE r.customer_id = cu.id AND {scope})
         ORDER BY t.id, cu.id",
        name = customer::NAME,
        notes = customer::notes_of_company(":company"),
        scope = scope.condition(),
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let mut rows = stmt.query(named_params! {":company": company_id, ":scope": scope.value()})?;
    let mut tags: Vec<Value> = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if tags.last().and_then(|t| t["id"].as_i64()) != Some(id) {
            let name: String = r.get(1)?;
            tags.push(json!({"id": id, "tag_id": id, "name": name, "customer_list": []}));
        }
        let customer = json!({"id": r.get::<_, i64>(2)?, "name": r.get::<_, String>(3)?,
                              "headimgurl": r.get::<_, String>(4)?});
        if let Some(Value::Array(list)) = tags.last_mut().map(|t| &mut t["customer_list"]) {
            list.push(customer);
        }
    }
    for tag in &mut tags {
        tag["customer_num"] = json!(tag["customer_list"].as_array().map_or(0, Vec::len));
    }
    tags.sort_by_key(|t| std::cmp::Reverse(t["customer_num"].as_u64().unwrap_or(0)));
    Ok(tags)
}
