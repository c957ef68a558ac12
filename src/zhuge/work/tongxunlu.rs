//! Seed 003 `tongxunlu`: the address book, one row per customer relation in the signer's
//! scope, with the follow-up and activity times in the original's words.

use chrono::NaiveDate;
use rocket::{get, routes, Route, State};
use serde_json::{json, Value};

use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::customer;
use crate::zhuge::data::dialect::Dialect;
use crate::zhuge::data::relation::Scope;
use crate::zhuge::data::tongxunlu::{self as book, BookOrder, Contact};
use crate::zhuge::principal::Employee;
use crate::zhuge::work::dialect::of_signer;

pub fn routes() -> Vec<Route> {
    routes![list]
}

/// `customer__expedted_pr` (the seed's default), `last_follow_time`, `last_activity_time`,
/// `create_date` (the original's default); a leading `-` is accepted (every order is highest
/// or newest first).
fn order(p: &Params, dialect: Dialect) -> ApiResult<BookOrder> {
    match p.str("order").map(|o| o.trim_start_matches('-')) {
        None if dialect.original() => Ok(BookOrder::Bound),
        None | Some("customer__expedted_pr") | Some("expedted_pr") => Ok(BookOrder::ExpectedPr),
        Some("last_follow_time") => Ok(BookOrder::LastFollow),
        Some("last_activity_time") => Ok(BookOrder::LastActivity),
        Some("create_date") => Ok(BookOrder::Bound),
        Some(_) => Err(ApiError::invalid(
            "order",
            "只能是 customer__expedted_pr、last_follow_time、last_activity_time 或 create_date",
        )),
    }
}

#[get("/tongxunlu")]
async fn list(me: Employee, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let source = match p.opt_num::<i64>("customer__source")? {
        Some(s) if !(1..=4).contains(&s) => {
            return Err(ApiError::invalid("customer__source", "只能是 1 到 4"))
        }
        other => other,
    };
    let dialect = of_signer(db, settings, me).await?;
    // The original paged its address book by 10.
    let page = match dialect {
        Dialect::Seed => p.page()?,
        Dialect::Original => p.page_or(10)?,
    };
    let order = order(&p, dialect)?;
    let (rows, total) = db
        .run(move |c| book::address_book(c, Scope::of(c, &me)?, source, order, page))
        .await?;
    let today = clock::today();
    let rows: Vec<Value> = rows.iter().map(|r| contact(r, today)).collect();
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

fn contact(r: &Contact, today: NaiveDate) -> Value {
    let follow = r.last_follow_time.as_deref().and_then(day_of);
    let activity = r.last_activity_time.as_deref().and_then(day_of);
    json!({
        "customer_id": r.customer_id,
        "customer_username": r.customer_username,
        "headimgurl": r.headimgurl,
        "expected_time": r.expected_time,
        "expedted_pr": r.expedted_pr,
        "belonger": r.belonger,
        "source": r.source,
        "source_text": customer::source_name(r.source),
        "customer_source": r.user_type,
        "customer_source_text": customer::user_type_name(r.user_type),
        "last_follow_time": follow.map_or(String::new(), |d| days_ago(d, today)),
        "last_activity_time": activity.map_or(String::new(), |d| day_word(d, today)),
        "follow_status": follow.map_or("未跟进过".to_string(), |d| follow_status(d, today)),
    })
}

/// The day of a stored time (`2018-06-13T11:49:57.123`, firm's zone).
fn day_of(stored: &str) -> Option<NaiveDate> {
    stored.get(..10).and_then(clock::parse_date)
}

/// 今天, 昨天, N天前; a day in the future shows as its date.
pub fn days_ago(day: NaiveDate, today: NaiveDate) -> String {
    match (today - day).num_days() {
        0 => "今天".to_string(),
        1 => "昨天".to_string(),
        n if n > 1 => format!("{n}天前"),
        _ => day.to_string(),
    }
}

/// 今天, 昨天, or the date.
pub fn day_word(day: NaiveDate, today: NaiveDate) -> String {
    match (today - day).num_days() {
        0 => "今天".to_string(),
        1 => "昨天".to_string(),
        _ => day.to_string(),
    }
}

/// 今天跟进, 昨天已跟进, or the date of the last follow-up.
pub fn follow_status(day: NaiveDate, today: NaiveDate) -> String {
    match (today - day).num_days() {
        0 => "今天跟进".to_string(),
        1 => "昨天已跟进".to_string(),
        _ => day.to_string(),
    }
}
