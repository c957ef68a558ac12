//! Seed 003 `action/...`: the salesperson's radar. Only events of the signer's own card.

use rocket::{get, routes, Route, State};
use serde_json::{json, Value};

use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::dialect::Dialect;
use crate::zhuge::data::radar::{self, Filter, ACTIONS};
use crate::zhuge::principal::Employee;
use crate::zhuge::work::dialect::of_signer;

pub fn routes() -> Vec<Route> {
    routes![by_time, by_customer, count, get_new_log]
}

/// `action` (1–12), `create_date__gte` and `create_date__lt` (dates or date-times).
fn filter(p: &Params, with_action: bool) -> ApiResult<Filter> {
    Ok(Filter {
        action: if with_action { action(p)? } else { None },
        since: time_bound(p, "create_date__gte")?,
        before: time_bound(p, "create_date__lt")?,
    })
}

fn action(p: &Params) -> ApiResult<Option<i64>> {
    match p.opt_num::<i64>("action")? {
        Some(a) if !(1..=ACTIONS.len() as i64).contains(&a) => {
            Err(ApiError::invalid("action", "只能是 1 到 12"))
        }
        other => Ok(other),
    }
}

/// A bound in the stored format: a date stays a date (it compares as its midnight).
fn time_bound(p: &Params, name: &str) -> ApiResult<Option<String>> {
    let Some(raw) = p.str(name) else {
        return Ok(None);
    };
    if let Some(date) = clock::parse_date(raw) {
        return Ok(Some(date.to_string()));
    }
    let normalised = raw.replacen(' ', "T", 1);
    chrono::NaiveDateTime::parse_from_str(&normalised, "%Y-%m-%dT%H:%M:%S%.f")
        .map(|t| Some(t.format(clock::FORMAT).to_string()))
        .map_err(|_| ApiError::wrong_type(name))
}

/// The original (its dialect) pages by 10, looks back 7 days when asked for one action, and
/// marks everything that matches read.
#[get("/action/time")]
async fn by_time(me: Employee, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let mut filter = filter(&p, true)?;
    let dialect = of_signer(db, settings, me).await?;
    let page = match dialect {
        Dialect::Seed => p.page()?,
        Dialect::Original => {
            if filter.action.is_some() && filter.since.is_none() {
                filter.since = Some(clock::days_ago(6));
            }
            p.page_or(10)?
        }
    };
    let (events, total) = db
        .tx(move |tx| {
            let found = radar::by_time(tx, me.id, &filter, page)?;
            if dialect.original() {
                radar::mark_matching_read(tx, me.id, &filter)?;
            }
            Ok(found)
        })
        .await?;
    ok(
        "查询日志记录成功",
        json!({"ret_data": events, "data_count": total}),
    )
}

/// The original (its dialect) looks back 7 days unless told otherwise and pages by 10.
#[get("/action/customer")]
async fn by_customer(me: Employee, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let mut filter = filter(&p, false)?;
    let page = match of_signer(db, settings, me).await? {
        Dialect::Seed => p.page()?,
        Dialect::Original => {
            if filter.since.is_none() && filter.before.is_none() {
                filter.since = Some(clock::days_ago(6));
            }
            p.page_or(10)?
        }
    };
    let rows = db
        .run(move |c| radar::by_customer(c, me.id, &filter, page))
        .await?;
    ok("查询日志记录成功", Value::Array(rows))
}

/// Counts per action; without dates, over the last 7 days (as the original did).
#[get("/action/count")]
async fn count(me: Employee, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let mut filter = filter(&p, false)?;
    if filter.since.is_none() && filter.before.is_none() {
        filter.since = Some(clock::days_ago(6));
    }
    let detail = db
        .run(move |c| radar::count_by_action(c, me.id, &filter))
        .await?;
    let names: serde_json::Map<String, Value> = ACTIONS
        .iter()
        .enumerate()
        .map(|(i, name)| ((i + 1).to_string(), json!(name)))
        .collect();
    let counts = json!({"action": names, "detail": detail, "user_id": me.id.to_string()});
    let dialect = of_signer(db, settings, me).await?;
    ok("查询日志记录成功", dialect.single(counts))
}

#[get("/action/get_new_log")]
async fn get_new_log(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let action = action(&p)?;
    let events = db
        .tx(move |tx| radar::take_unread(tx, me.id, action))
        .await?;
    let count = events.len();
    ok(
        "查询日志记录成功",
        json!({"ret_data": events, "data_count": count}),
    )
}
