//! Seed 003 `tag_user`: the tags and the phone number on the signer's own card.

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiError;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::employee;
use crate::zhuge::data::profile::{self, CardFields};
use crate::zhuge::data::user_tag;
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::id_list;
use crate::zhuge::work::mingpian::{mobile, show_phone};

pub fn routes() -> Vec<Route> {
    routes![list, add, save, delete, save_phone]
}

#[get("/tag_user")]
async fn list(me: Employee, db: &State<Db>) -> Reply {
    let tags = db.run(move |c| employee::card_tags(c, me.id)).await?;
    let count = tags.len();
    ok(
        "",
        json!({"user_id": me.id.to_string(), "ret_data": tags, "data_count": count}),
    )
}

#[post("/tag_user/add", data = "<p>")]
async fn add(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let name = p.required("name", text::NAME)?;
    let tag = db.tx(move |tx| user_tag::insert(tx, me.id, &name)).await?;
    ok("添加成功", json!([tag]))
}

/// The card keeps exactly the tags listed in `tag_list` (JSON text `[1,2,3]`).
#[post("/tag_user/save", data = "<p>")]
async fn save(me: Employee, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let ids = id_list(&p, "tag_list")?.ok_or_else(|| ApiError::missing("tag_list"))?;
    let default = Dialect::configured(settings);
    let dialect = db
        .tx(move |tx| {
            user_tag::keep_only(tx, me.id, &ids)?;
            dialect::of_company(tx, me.company_id, default)
        })
        .await?;
    // The seed answers an empty list, the original `保存成功` with an empty object.
    match dialect {
        Dialect::Seed => ok("添加成功", json!([])),
        Dialect::Original => ok("保存成功", json!({})),
    }
}

#[post("/tag_user/delete", data = "<p>")]
async fn delete(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let id = p.id("id")?;
    db.tx(move |tx| {
        user_tag::check_own(tx, me.id, id)?;
        user_tag::delete(tx, id)
    })
    .await?;
    ok("删除成功", json!({}))
}

/// The phone on the card (`mingpian_phone`) and whether customers see it (`is_show_phone`).
/// The seed's example shows `id` here by mistake; the original took these two fields.
#[post("/tag_user/save_phone", data = "<p>")]
pub(crate) async fn save_phone(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let fields = CardFields {
        mingpian_phone: Some(
            mobile(&p, "mingpian_phone")?.ok_or_else(|| ApiError::missing("mingpian_phone"))?,
        ),
        is_show_phone: show_phone(&p)?,
        ..CardFields::default()
    };
    db.tx(move |tx| profile::update_card(tx, me.id, &fields))
        .await?;
    ok("保存成功", json!({}))
}
