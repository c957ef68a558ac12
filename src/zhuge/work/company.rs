//! Seed 003 `company`, for a role holding `company`. A company manages itself and the
//! companies its administrators created (a reseller setting up client firms): it lists,
//! renames and deletes only those; every other company is 403. `zhuge_dialect` on update
//! picks how the company's clients are answered (`seed`, `original`, empty: the config's).

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::access::require;
use crate::zhuge::data::company::{self, Details};
use crate::zhuge::data::dialect;
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::path_id;

pub fn routes() -> Vec<Route> {
    routes![list, add, update, delete]
}

#[get("/company")]
async fn list(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let page = p.page()?;
    let (rows, total) = db
        .run(move |c| {
            require(c, &me, "company")?;
            company::list_managed(c, me.company_id, page)
        })
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

fn details(p: &Params, name: Option<String>) -> ApiResult<Details> {
    let shopping_type = p.opt_num::<i64>("shopping_type")?;
    if shopping_type.is_some_and(|t| !(1..=2).contains(&t)) {
        return Err(ApiError::invalid(
            "shopping_type",
            "只能是 1 (产品) 或 2 (商城)",
        ));
    }
    Ok(Details {
        name,
        area: p.bounded("area", text::NAME)?,
        address: p.bounded("address", text::LINE)?,
        wechat_qr_code: p.bounded("weChatQrCode", text::URL)?,
        mp_version: p.bounded("mp_version", text::NAME)?,
        shopping_type,
    })
}

/// A new company managed by the signer's; it comes with an administrator role (its id is in
/// the answer) so that `user/add/0` can give it a first employee.
#[post("/company/add/0", data = "<p>")]
async fn add(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let d = details(&p, Some(p.required("name", text::NAME)?))?;
    let (id, role_id) = db
        .tx(move |tx| {
            require(tx, &me, "company")?;
            company::insert_child(tx, me.company_id, &d)
        })
        .await?;
    ok("添加成功", json!({"company_id": id, "role_id": role_id}))
}

#[post("/company/update/<id>", data = "<p>")]
async fn update(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    let d = details(&p, p.bounded("name", text::NAME)?)?;
    let dialect = p
        .given("zhuge_dialect")
        .map(dialect::parse_param)
        .transpose()?;
    db.tx(move |tx| {
        require(tx, &me, "company")?;
        company::check_managed(tx, me.company_id, id)?;
        company::update(tx, id, &d)?;
        match dialect {
            Some(dialect) => dialect::set_company(tx, id, dialect),
            None => Ok(()),
        }
    })
    .await?;
    ok("修改成功", json!({}))
}

#[post("/company/delete/<id>")]
async fn delete(me: Employee, id: &str, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    db.tx(move |tx| {
        require(tx, &me, "company")?;
        company::check_managed(tx, me.company_id, id)?;
        company::delete(tx, id)
    })
    .await?;
    ok("删除成功", json!({}))
}
