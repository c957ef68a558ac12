//! Product management for employees (the original's `product/...` of the enterprise side).
//! Holding the `product` permission means managing the company's products (shown on every
//! card); anyone else publishes and manages products on their own card only.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::json;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::access;
use crate::zhuge::data::product::{self, Draft, PUBLISHED};
use crate::zhuge::principal::Employee;

pub fn routes() -> Vec<Route> {
    routes![
        add,
        update,
        change_status,
        change_status_post,
        delete,
        delete_post,
        product_list,
        product_single
    ]
}

/// 302 for an unknown product, 403 for another company's or another salesperson's.
fn require_manageable(c: &Connection, me: &Employee, id: i64) -> ApiResult<()> {
    let (company_id, owner) = product::owner(c, id)?.ok_or_else(|| ApiError::not_found("产品"))?;
    if company_id != me.company_id {
        return Err(ApiError::forbidden("无权操作其他公司的产品"));
    }
    if owner == Some(me.id) || access::holds(c, me.role_id, "product")? {
        Ok(())
    } else {
        Err(ApiError::forbidden("没有权限"))
    }
}

fn draft(p: &Params, base: Option<Draft>) -> ApiResult<Draft> {
    let name = match (p.bounded("name", text::NAME)?, &base) {
        (Some(name), _) => name,
        (None, Some(base)) => base.name.clone(),
        (None, None) => return Err(ApiError::missing("name")),
    };
    let base = base.unwrap_or(Draft {
        name: String::new(),
        price: String::new(),
        reason: String::new(),
        content: json!({"cover_data": [], "article_data": []}),
        status: PUBLISHED,
    });
    Ok(Draft {
        name,
        price: p.bounded("price", text::NAME)?.unwrap_or(base.price),
        reason: p.bounded("reason", text::NOTE)?.unwrap_or(base.reason),
        content: match p.bounded("content", text::ARTICLE)? {
            Some(raw) => product::parse_content(&raw)?,
            None => base.content,
        },
        status: match p.opt_num("status")? {
            Some(status) => product::check_status(status)?,
            None => base.status,
        },
    })
}

#[post("/product/add/0", data = "<p>")]
pub(crate) async fn add(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let d = draft(&p, None)?;
    let id = db
        .tx(move |tx| {
            let owner = if access::holds(tx, me.role_id, "product")? {
                None
            } else {
                Some(me.id)
            };
            product::insert(tx, me.company_id, owner, &d)
        })
        .await?;
    ok("添加成功", json!({"id": id}))
}

#[post("/product/update/<id>", data = "<p>")]
pub(crate) async fn update(me: Employee, id: i64, p: Params, db: &State<Db>) -> Reply {
    db.tx(move |tx| {
        require_manageable(tx, &me, id)?;
        let current = product::of_company_single(tx, me.company_id, id)?;
        let base = Draft {
            name: current["name"].as_str().unwrap_or("").to_string(),
            price: current["price"].as_str().unwrap_or("").to_string(),
            reason: current["reason"].as_str().unwrap_or("").to_string(),
            content: current["content"].clone(),
            status: current["status_code"].as_i64().unwrap_or(PUBLISHED),
        };
        product::update(tx, id, &draft(&p, Some(base))?)
    })
    .await?;
    ok("修改成功", json!({}))
}

async fn set_status(me: Employee, id: i64, p: Params, db: &Db) -> Reply {
    let status = product::check_status(p.num("status")?)?;
    db.tx(move |tx| {
        require_manageable(tx, &me, id)?;
        product::set_status(tx, id, status)
    })
    .await?;
    ok(
        "修改成功",
        json!({"status": status, "status_name": product::status_name(status)}),
    )
}

#[get("/product/change_status/<id>")]
async fn change_status(me: Employee, id: i64, p: Params, db: &State<Db>) -> Reply {
    set_status(me, id, p, db).await
}

#[post("/product/change_status/<id>", data = "<p>")]
pub(crate) async fn change_status_post(me: Employee, id: i64, p: Params, db: &State<Db>) -> Reply {
    set_status(me, id, p, db).await
}

async fn remove(me: Employee, id: i64, db: &Db) -> Reply {
    db.tx(move |tx| {
        require_manageable(tx, &me, id)?;
        product::delete(tx, id)
    })
    .await?;
    ok("删除成功", json!({}))
}

#[get("/product/delete/<id>")]
async fn delete(me: Employee, id: i64, db: &State<Db>) -> Reply {
    remove(me, id, db).await
}

#[post("/product/delete/<id>")]
pub(crate) async fn delete_post(me: Employee, id: i64, db: &State<Db>) -> Reply {
    remove(me, id, db).await
}

#[get("/product/product_list")]
pub(crate) async fn product_list(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let page = p.page()?;
    let status = match p.opt_num("status")? {
        Some(status) => Some(product::check_status(status)?),
        None => None,
    };
    let (rows, total) = db
        .run(move |c| product::of_company(c, me.company_id, status, &page))
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

#[get("/product/product_single")]
pub(crate) async fn product_single(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let id = p.id("product_id")?;
    let item = db
        .run(move |c| {
            match product::owner(c, id)? {
                Some((company_id, _)) if company_id != me.company_id => {
                    return Err(ApiError::forbidden("无权查看其他公司的产品"))
                }
                _ => {}
            }
            product::of_company_single(c, me.company_id, id)
        })
        .await?;
    ok("查询成功", json!({"ret_data": [item], "data_count": 1}))
}
