//! The company's own WeChat credentials (mini-program, templates, Work WeChat), for a role
//! holding `company`. They win over the config defaults (SPEC §3). Secrets are write-only
//! and stored sealed: the answer says whether one is set, never what it is.

use rocket::{get, post, routes, Route, State};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::secrets::{Secrets, MP_SECRET, WORK_SECRET};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::web::signed::Employee;
use crate::zhuge::data::access::require;

pub fn routes() -> Vec<Route> {
    routes![show, save]
}

/// The settable columns of `zl_company`, in the order they are shown.
const FIELDS: [&str; 7] = [
    "mp_appid",
    "mp_secret",
    "mp_template_id",
    "mp_subscribe_template_id",
    "work_corp_id",
    "work_secret",
    "work_agent_id",
];

fn is_secret(field: &str) -> bool {
    field.ends_with("_secret")
}

fn current(c: &Connection, company_id: i64) -> ApiResult<Value> {
    let values: Vec<String> = c.query_row(
        &format!("SELECT {} FROM zl_company WHERE id = ?1", FIELDS.join(", ")),
        [company_id],
        |r| (0..FIELDS.len()).map(|i| r.get(i)).collect(),
    )?;
    let mut shown = serde_json::Map::new();
    for (field, value) in FIELDS.iter().zip(values) {
        if is_secret(field) {
            shown.insert(format!("{field}_set"), json!(!value.is_empty()));
        } else {
            shown.insert(field.to_string(), json!(value));
        }
    }
    Ok(Value::Object(shown))
}

#[get("/company/credentials")]
async fn show(me: Employee, db: &State<Db>) -> Reply {
    let shown = db
        .run(move |c| {
            require(c, &me, "company")?;
            current(c, me.company_id)
        })
        .await?;
    ok("查询成功", shown)
}

/// The fields sent, checked; fields not sent keep their value.
type Changes = Vec<(&'static str, String)>;

fn changes(p: &Params) -> ApiResult<Changes> {
    let mut changes = Vec::new();
    for field in FIELDS {
        if let Some(value) = p.str(field) {
            let value = value.trim();
            let plain = value.bytes().all(|b| b.is_ascii_graphic());
            if value.chars().count() > 64 || !plain {
                return Err(ApiError::invalid(
                    field,
                    "须为不超过 64 位的字母、数字或符号",
                ));
            }
            changes.push((field, value.to_string()));
        }
    }
    if changes.is_empty() {
        return Err(ApiError::missing(FIELDS[0]));
    }
    Ok(changes)
}

/// Each field sent is set; fields not sent keep their value.
#[post("/company/credentials", data = "<p>")]
async fn save(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let changes = changes(&p)?;
    let secrets = db.secrets().clone();
    let shown = db
        .tx(move |tx| {
            require(tx, &me, "company")?;
            write(tx, &secrets, me.company_id, &changes)?;
            current(tx, me.company_id)
        })
        .await?;
    ok("保存成功", shown)
}

fn write(tx: &Connection, secrets: &Secrets, company_id: i64, changes: &Changes) -> ApiResult<()> {
    for (field, value) in changes {
        let value = match *field {
            "mp_secret" => secrets.seal(MP_SECRET, value)?,
            "work_secret" => secrets.seal(WORK_SECRET, value)?,
            _ => value.clone(),
        };
        // `field` comes from FIELDS, never from the request.
        let sql = format!("UPDATE zl_company SET {field} = ?2 WHERE id = ?1");
        tx.execute(&sql, params![company_id, value])?;
    }
    Ok(())
}
