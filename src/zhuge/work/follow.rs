//! Seed 003 `follow_language` (the phrases a salesperson picks from) and `follow_info`
//! (the notes on a customer, and adding one).

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::config::Settings;
use crate::db::Db;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::follow;
use crate::zhuge::data::relation::{self, Scope};
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::path_id;

pub fn routes() -> Vec<Route> {
    routes![phrases, add_phrase, delete_phrase, infos, add_info]
}

/// The signer's phrases and the shared ones (ids 2–10), newest first, paged.
#[get("/follow_language")]
async fn phrases(me: Employee, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let page = p.page()?;
    let default = Dialect::configured(settings);
    let (rows, total, dialect) = db
        .run(move |c| {
            let (rows, total) = follow::phrases(c, me.id, page)?;
            Ok((rows, total, dialect::of_company(c, me.company_id, default)?))
        })
        .await?;
    // The seed groups the phrases in a one-element list; the original answered one object.
    let ret_data = match dialect {
        Dialect::Seed => json!([{"user_id": me.id.to_string(), "follow_language": rows}]),
        Dialect::Original => json!({"user_id": me.id, "follow_language_data": rows}),
    };
    ok(
        "查询成功",
        json!({"ret_data": ret_data, "data_count": total}),
    )
}

#[post("/follow_language/add/<_id>", data = "<p>")]
async fn add_phrase(me: Employee, _id: &str, p: Params, db: &State<Db>) -> Reply {
    let text = p.required("custom_language", text::NAME)?;
    let id = db
        .tx(move |tx| follow::add_phrase(tx, me.id, &text))
        .await?;
    ok("添加成功", json!({"language_id": id}))
}

/// Only the signer's own phrases; a shared one is 403.
#[post("/follow_language/delete/<id>")]
async fn delete_phrase(me: Employee, id: &str, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    db.tx(move |tx| follow::delete_phrase(tx, me.id, id))
        .await?;
    ok("删除成功", json!({}))
}

/// The notes on a customer the signer sees, newest first, paged.
#[get("/follow_info")]
async fn infos(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let customer_id = p.id("customer_id")?;
    let page = p.page()?;
    let (rows, total) = db
        .run(move |c| {
            let scope = Scope::of(c, &me)?;
            relation::check_visible(c, scope, customer_id)?;
            follow::infos(c, scope, customer_id, page)
        })
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

/// A note (`follow_info`, at most 256 characters) on the customer in the path.
#[post("/follow_info/add/<customer_id>", data = "<p>")]
async fn add_info(me: Employee, customer_id: &str, p: Params, db: &State<Db>) -> Reply {
    let customer_id = path_id(customer_id, "customer_id")?;
    let text = p.required("follow_info", text::LINE)?;
    let id = db
        .tx(move |tx| follow::add_info(tx, relation::target(tx, &me, customer_id)?, &text))
        .await?;
    ok("添加成功", json!({"id": id}))
}
