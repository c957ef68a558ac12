//! A person's own data (issue 17 §1): what every app's export and deletion share. Each app
//! knows its own tables (`zhuge::data::privacy`, `design::data::privacy`, ...); this module
//! knows how to write the audit row, turn rows into JSON, find the files a person made and
//! forget the messages queued about them.

pub mod files;
pub mod scrub;

use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, Params};
use serde_json::{json, Map, Value};

use crate::clock;
use crate::error::ApiResult;

/// What every view shows in place of a person who deleted their account.
pub const ERASED_NAME: &str = "已注销用户";

/// Columns an export leaves out: credentials are not information about the person, and a
/// copy of them would sign in as them wherever the file ends up.
const CREDENTIALS: [&str; 4] = ["token", "session_key", "password_hash", "token_hash"];

/// Which right a person exercised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Export,
    Delete,
}

impl Request {
    fn as_str(self) -> &'static str {
        match self {
            Request::Export => "export",
            Request::Delete => "delete",
        }
    }
}

/// Writes the audit row (who, when, what kind; no content), in the caller's transaction.
/// `app` is one of `zhuge`, `design`, `consult`, `repair` (the table checks it).
pub fn audit(c: &Connection, app: &str, principal_id: i64, request: Request) -> ApiResult<()> {
    c.execute(
        "INSERT INTO privacy_audit (app, principal_id, kind, create_date) VALUES (?1, ?2, ?3, ?4)",
        params![app, principal_id, request.as_str(), clock::now()],
    )?;
    Ok(())
}

/// The value for a unique identity column (an openid) of a deleted principal: random, so
/// that nobody can name or sign in as the row left behind, and marked for an operator.
pub fn erased_identity() -> String {
    format!("erased-{}", clock::token())
}

/// Every row of `sql` as a JSON object keyed by column name, credentials left out.
pub fn rows<P: Params>(c: &Connection, sql: &str, params: P) -> ApiResult<Vec<Value>> {
    let mut stmt = c.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
    let mut found = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = found.next()? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            if !CREDENTIALS.contains(&name.as_str()) {
                object.insert(name.clone(), value(row.get_ref(i)?));
            }
        }
        out.push(Value::Object(object));
    }
    Ok(out)
}

/// The first row of `sql` as [`rows`] makes it, or `null`.
pub fn row<P: Params>(c: &Connection, sql: &str, params: P) -> ApiResult<Value> {
    Ok(rows(c, sql, params)?
        .into_iter()
        .next()
        .unwrap_or(Value::Null))
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}
