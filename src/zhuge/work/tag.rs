//! Seed 003 `tag_customer` and `tag_list`: the company's customer tags, grouped, and
//! tagging the customers the signer sees.

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::relation::{self, Scope};
use crate::zhuge::data::tag;
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::{id_list, path_id};

pub fn routes() -> Vec<Route> {
    routes![
        with_customers,
        add_with_customers,
        grouped,
        add_tag,
        customer_tag
    ]
}

/// A tag name: required, at most 20 characters.
fn tag_name(p: &Params) -> ApiResult<String> {
    let name = p.text("name")?;
    if name.chars().count() > 20 {
        return Err(ApiError::invalid("name", "不能超过 20 个字符"));
    }
    Ok(name)
}

#[get("/tag_customer")]
async fn with_customers(me: Employee, db: &State<Db>) -> Reply {
    let tags = db
        .run(move |c| tag::with_customers(c, Scope::of(c, &me)?, me.company_id))
        .await?;
    let count = tags.len();
    ok("查询成功", json!({"ret_data": tags, "ret_count": count}))
}

/// A new tag on the listed customers (`customer_list`, at least one, each one the signer sees).
#[post("/tag_customer/add/<_id>", data = "<p>")]
async fn add_with_customers(me: Employee, _id: &str, p: Params, db: &State<Db>) -> Reply {
    let name = tag_name(&p)?;
    let customers = id_list(&p, "customer_list")?.unwrap_or_default();
    if customers.is_empty() {
        return Err(ApiError::invalid("customer_list", "标签关联客户不能为空"));
    }
    let tag_id = db
        .tx(move |tx| {
            let scope = Scope::of(tx, &me)?;
            for &customer_id in &customers {
                relation::check_visible(tx, scope, customer_id)?;
            }
            let tag_id = tag::create(tx, me.company_id, me.id, &name)?;
            for &customer_id in &customers {
                tag::attach(tx, tag_id, customer_id)?;
            }
            Ok(tag_id)
        })
        .await?;
    ok("添加成功", json!({"tag_id": tag_id}))
}

/// The groups and their tags; with `customer_id`, `is_select` marks that customer's tags.
#[get("/tag_list")]
async fn grouped(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let customer_id = p.opt_id("customer_id")?;
    let groups = db
        .run(move |c| {
            if let Some(customer_id) = customer_id {
                relation::check_visible(c, Scope::of(c, &me)?, customer_id)?;
            }
            tag::grouped(c, me.company_id, customer_id)
        })
        .await?;
    let count = groups.len();
    ok("请求成功", json!({"ret_data": groups, "tag_count": count}))
}

/// A new tag in `自定义`, put on this customer at once.
#[post("/tag_list/add_tag/<customer_id>", data = "<p>")]
async fn add_tag(me: Employee, customer_id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(customer_id, "customer_id")?;
    let name = tag_name(&p)?;
    let tag_id = db
        .tx(move |tx| {
            relation::check_visible(tx, Scope::of(tx, &me)?, customer_id)?;
            let tag_id = tag::create(tx, me.company_id, me.id, &name)?;
            tag::attach(tx, tag_id, customer_id)?;
            Ok(tag_id)
        })
        .await?;
    ok("添加成功", json!({"tag_id": tag_id}))
}

/// The customer's tags become exactly `tag_list` (`[]` clears them).
#[post("/tag_list/customer_tag/<customer_id>", data = "<p>")]
async fn customer_tag(me: Employee, customer_id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(customer_id, "customer_id")?;
    let tags = id_list(&p, "tag_list")?.ok_or_else(|| ApiError::missing("tag_list"))?;
    db.tx(move |tx| {
        relation::check_visible(tx, Scope::of(tx, &me)?, customer_id)?;
        tag::replace(tx, me.company_id, customer_id, &tags)
    })
    .await?;
    ok("修改成功", json!({}))
}
