//! A firm's data (issue 17 §2): everything that belongs to one company, exported as one
//! archive (`leida export --company`, and the console's download) or erased
//! (`leida purge --company`). `scope` says which rows are the firm's, `media` which files.

pub mod download;
mod export;
mod media;
mod purge;
mod scope;

use rusqlite::Connection;

use crate::error::{ApiError, ApiResult, Code};

pub use export::{export, Exported};
pub use media::remove_unreferenced;
pub use purge::{purge, Purged};

/// The companies one export or purge covers.
#[derive(Debug, Clone)]
pub struct Firm {
    /// The company named first, then its descendants when they are included.
    pub ids: Vec<i64>,
    pub name: String,
}

impl Firm {
    /// `?1` of every statement in `scope`.
    fn ids_json(&self) -> String {
        serde_json::Value::from(self.ids.clone()).to_string()
    }
}

/// What to do with companies whose `parent_id` leads to the one named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Children {
    /// Refuse, naming them (the CLI without `--with-children`).
    Refuse,
    /// Take them along (`--with-children`).
    Include,
    /// Leave them out: each is a firm of its own (the console's export of one's company).
    Exclude,
}

/// The firm of company `id`; 302 when there is no such company, 304 when it has child
/// companies and `children` is `Refuse`.
pub fn firm(c: &Connection, id: i64, children: Children) -> ApiResult<Firm> {
    let name: String = c
        .query_row("SELECT name FROM zl_company WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => ApiError::not_found("公司"),
            e => e.into(),
        })?;
    let below = descendants(c, id)?;
    let mut ids = vec![id];
    match children {
        Children::Refuse if !below.is_empty() => {
            let named: Vec<String> = below
                .iter()
                .map(|(id, name)| format!("{name} (id {id})"))
                .collect();
            return Err(ApiError::new(
                Code::HasChildren,
                format!(
                    "公司 {name} 有下级公司: {}; 加 --with-children 一并处理, 或先单独处理它们",
                    named.join(", ")
                ),
            ));
        }
        Children::Include => ids.extend(below.iter().map(|(id, _)| *id)),
        Children::Refuse | Children::Exclude => {}
    }
    Ok(Firm { ids, name })
}

/// Every company below `id` (children, their children...), with names.
fn descendants(c: &Connection, id: i64) -> ApiResult<Vec<(i64, String)>> {
    let mut stmt = c.prepare(
        "WITH RECURSIVE below (id) AS (
             SELECT id FROM zl_company WHERE parent_id = ?1
             UNION SELECT co.id FROM zl_company co JOIN below ON co.parent_id = below.id)
         SELECT co.id, co.name FROM below JOIN zl_company co ON co.id = below.id ORDER BY co.id",
    )?;
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
