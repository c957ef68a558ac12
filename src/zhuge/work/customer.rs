//! Seed 003 `customer/...`: one customer as the salesperson sees them, their details, the
//! expected closing date and rate (each change leaves a follow-up note), tags, removal.
//! A salesperson reaches their own customers; a role holding `customer` the company's.

use chrono::NaiveDate;
use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::json;

use crate::clock;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::customer::{self, Information};
use crate::zhuge::data::relation::{self, Scope};
use crate::zhuge::data::{follow, tag};
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::{id_list, path_id};

pub fn routes() -> Vec<Route> {
    routes![
        show,
        update_information,
        update_customer,
        delete_get,
        delete_post,
        update_expected_time,
        update_expected_pr,
        update_tag
    ]
}

#[get("/customer")]
async fn show(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let customer_id = p.id("customer_id")?;
    let detail = db
        .run(move |c| {
            let relation_id = relation::target(c, &me, customer_id)?;
            let mut detail = customer::detail(c, customer_id, relation_id)?;
            detail["tag"] = json!(tag::names_on(c, me.company_id, customer_id)?);
            Ok(detail)
        })
        .await?;
    ok("查询成功", json!({"ret_data": [detail], "data_count": 1}))
}

#[post("/customer/update_information/<id>", data = "<p>")]
async fn update_information(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(id, "id")?;
    let info = information(&p)?;
    let source = match p.opt_num::<i64>("source")? {
        Some(s) if !(1..=4).contains(&s) => {
            return Err(ApiError::invalid("source", "只能是 1 到 4"))
        }
        other => other,
    };
    let expected_time = expected_time(&p)?;
    db.tx(move |tx| {
        let relation_id = relation::target(tx, &me, customer_id)?;
        customer::update_information(tx, me.company_id, customer_id, &info)?;
        if let Some(source) = source {
            relation::set_source(tx, relation_id, source)?;
        }
        if let Some(date) = expected_time {
            forecast_time(tx, relation_id, date)?;
        }
        Ok(())
    })
    .await?;
    ok("添加成功", json!({}))
}

/// The seed's fields; `username` is the salesperson's name for the customer (备注名).
fn information(p: &Params) -> ApiResult<Information> {
    let phone = p.bounded("phone", text::NAME)?;
    if phone.as_deref().is_some_and(|ph| !is_mobile(ph)) {
        return Err(ApiError::invalid("phone", "不是有效的手机号"));
    }
    let email = p.bounded("email", text::LINE)?;
    if email.as_deref().is_some_and(|e| !is_email(e)) {
        return Err(ApiError::invalid("email", "不是有效的邮箱"));
    }
    let birthday = match p.str("birthday") {
        None => None,
        Some(raw) => Some(clock::parse_date(raw).ok_or_else(|| ApiError::wrong_type("birthday"))?),
    };
    let sex = match p.opt_num::<i64>("sex")? {
        Some(s) if !(0..=2).contains(&s) => {
            return Err(ApiError::invalid("sex", "只能是 0、1 或 2"))
        }
        other => other,
    };
    Ok(Information {
        memo_name: match p.bounded("memo_name", text::NAME)? {
            Some(name) => Some(name),
            None => p.bounded("username", text::NAME)?,
        },
        sex,
        phone,
        email,
        company: p.bounded("company", text::NAME)?,
        position: p.bounded("position", text::NAME)?,
        address: p.bounded("address", text::LINE)?,
        birthday: birthday.map(|d| d.to_string()),
        mem: p.bounded("mem", text::LINE)?,
    })
}

/// The mainland mobile pattern the original checked: `^(13[0-9]|15[012356789]|17[678]|18[0-9]|14[57])[0-9]{8}$`.
fn is_mobile(phone: &str) -> bool {
    let b = phone.as_bytes();
    let third_ok = |allowed: &[u8]| allowed.contains(&b[2]);
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && match b[1] {
            b'3' | b'8' => true,
            b'5' => third_ok(b"012356789"),
            b'7' => third_ok(b"678"),
            b'4' => third_ok(b"57"),
            _ => false,
        }
}

fn is_email(email: &str) -> bool {
    matches!(email.split_once('@'), Some((user, host)) if !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.'))
}

fn expected_time(p: &Params) -> ApiResult<Option<NaiveDate>> {
    match p.str("expected_time") {
        None => Ok(None),
        Some(raw) => clock::parse_date(raw)
            .map(Some)
            .ok_or_else(|| ApiError::wrong_type("expected_time")),
    }
}

/// `80`, `80%`: a whole percentage, 0 to 100. The seed names it `expedted_pr` on
/// `update_customer` and `update_expected_pr` on its own endpoint; both are read.
fn expected_pr(p: &Params) -> ApiResult<Option<i64>> {
    let Some((name, raw)) = ["expedted_pr", "update_expected_pr", "expected_pr"]
        .into_iter()
        .find_map(|name| p.str(name).map(|raw| (name, raw)))
    else {
        return Ok(None);
    };
    let percent: i64 = raw
        .trim_end_matches('%')
        .trim()
        .parse()
        .map_err(|_| ApiError::wrong_type(name))?;
    if !(0..=100).contains(&percent) {
        return Err(ApiError::invalid(name, "必须在 0 到 100 之间"));
    }
    Ok(Some(percent))
}

fn forecast_time(c: &Connection, relation_id: i64, date: NaiveDate) -> ApiResult<()> {
    relation::set_expected_time(c, relation_id, &date.to_string())?;
    follow::add_info(c, relation_id, &format!("更新预计成交日期: {date}"))?;
    Ok(())
}

fn forecast_pr(c: &Connection, relation_id: i64, percent: i64) -> ApiResult<()> {
    relation::set_expected_pr(c, relation_id, percent)?;
    follow::add_info(c, relation_id, &format!("更新预计成交率为: {percent}%"))?;
    Ok(())
}

/// Tags, rate and date in one change; at least one of them.
#[post("/customer/update_customer/<id>", data = "<p>")]
async fn update_customer(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(id, "id")?;
    let tags = id_list(&p, "tag_list")?;
    let (percent, date) = (expected_pr(&p)?, expected_time(&p)?);
    if tags.is_none() && percent.is_none() && date.is_none() {
        return Err(ApiError::missing("tag_list, expedted_pr 或 expected_time"));
    }
    db.tx(move |tx| {
        let relation_id = relation::target(tx, &me, customer_id)?;
        if let Some(tags) = &tags {
            tag::replace(tx, me.company_id, customer_id, tags)?;
        }
        if let Some(percent) = percent {
            forecast_pr(tx, relation_id, percent)?;
        }
        if let Some(date) = date {
            forecast_time(tx, relation_id, date)?;
        }
        Ok(())
    })
    .await?;
    ok("添加成功", json!({}))
}

#[post("/customer/update_expected_time/<id>", data = "<p>")]
async fn update_expected_time(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(id, "id")?;
    let date = expected_time(&p)?.ok_or_else(|| ApiError::missing("expected_time"))?;
    db.tx(move |tx| forecast_time(tx, relation::target(tx, &me, customer_id)?, date))
        .await?;
    ok("修改成功", json!({}))
}

#[post("/customer/update_expected_pr/<id>", data = "<p>")]
async fn update_expected_pr(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(id, "id")?;
    let percent = expected_pr(&p)?.ok_or_else(|| ApiError::missing("expedted_pr"))?;
    db.tx(move |tx| forecast_pr(tx, relation::target(tx, &me, customer_id)?, percent))
        .await?;
    ok("修改成功", json!({}))
}

/// The seed's URL for this repeats `update_expected_pr` by mistake; this is the real one.
#[post("/customer/update_tag/<id>", data = "<p>")]
async fn update_tag(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(id, "id")?;
    let tags = id_list(&p, "tag_list")?.ok_or_else(|| ApiError::missing("tag_list"))?;
    db.tx(move |tx| {
        relation::check_visible(tx, Scope::of(tx, &me)?, customer_id)?;
        tag::replace(tx, me.company_id, customer_id, &tags)
    })
    .await?;
    ok("修改成功", json!({}))
}

/// Seed 003 shows the delete as GET; POST is accepted too (SPEC §7).
#[get("/customer/delete/<id>")]
async fn delete_get(me: Employee, id: &str, db: &State<Db>) -> Reply {
    delete(me, id, db).await
}

#[post("/customer/delete/<id>")]
async fn delete_post(me: Employee, id: &str, db: &State<Db>) -> Reply {
    delete(me, id, db).await
}

async fn delete(me: Employee, id: &str, db: &State<Db>) -> Reply {
    let customer_id = path_id(id, "id")?;
    db.tx(move |tx| {
        let scope = Scope::of(tx, &me)?;
        relation::check_visible(tx, scope, customer_id)?;
        relation::remove_customer(tx, scope, me.company_id, customer_id)
    })
    .await?;
    ok("删除成功", json!({}))
}
