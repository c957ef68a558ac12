//! Seed 000: demand forms — `store`, `show`, `edit` (one form with its history), `update`.

use rocket::{post, routes, Route, State};
use serde_json::json;

use super::data::form::{self, Change};
use super::data::user;
use super::user::caller;
use crate::db::Db;
use crate::error::ApiError;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![store, show, edit, update]
}

#[post("/store", data = "<p>")]
async fn store(p: Params, db: &State<Db>) -> Reply {
    let me = caller(db, &p).await?;
    me.require_bound()?;
    let title = p.bounded("title", text::NAME)?.unwrap_or_default();
    let content = p.bounded("content", text::NOTE)?.unwrap_or_default();
    if title.is_empty() && content.is_empty() {
        return Err(ApiError::missing("title 或 content"));
    }
    let kind: i64 = p.opt_num("type")?.unwrap_or(0);
    let id = db
        .tx(move |tx| {
            let id = form::insert(tx, &me, &title, &content, kind)?;
            form::one(tx, id)
        })
        .await?;
    ok("提交成功", id)
}

/// `level` is the capacity the caller lists in: 1 lists their own forms (what a customer
/// always gets), a staff level (or none, for staff) lists the firm's. The level comes from
/// the caller's account; asking for more than it is 403. `status` filters (1–4).
#[post("/show", data = "<p>")]
async fn show(p: Params, db: &State<Db>) -> Reply {
    let me = caller(db, &p).await?;
    me.require_bound()?;
    let level: i64 = p.opt_num("level")?.unwrap_or(me.level);
    if level > me.level {
        return Err(ApiError::forbidden("没有查看该级别表单的权限"));
    }
    let status: Option<i64> = p.opt_num("status")?;
    if status.is_some_and(|s| !(form::NEW..=form::DONE).contains(&s)) {
        return Err(ApiError::invalid("status", "只能是 1 到 4"));
    }
    let page = p.page()?;
    let own = (level < user::DESIGNER).then_some(me.id);
    let (rows, total) = db.run(move |c| form::list(c, own, status, page)).await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

/// One form for editing (`id`), with its change history.
#[post("/edit", data = "<p>")]
async fn edit(p: Params, db: &State<Db>) -> Reply {
    let me = caller(db, &p).await?;
    me.require_bound()?;
    let id = p.id("id")?;
    let data = db
        .run(move |c| {
            form::visible(c, &me, id)?;
            let mut data = form::one(c, id)?;
            data["history"] = json!(form::history(c, id)?);
            Ok(data)
        })
        .await?;
    ok("查询成功", data)
}

/// Changes form `id`: `title`, `content`, `type` (the form's kind: the seed's "用户级别"
/// never comes from the request, the caller's level is their account's), `designer_id`
/// (assigns; customer service or manager) and `status` (staff; one step forward).
#[post("/update", data = "<p>")]
async fn update(p: Params, db: &State<Db>) -> Reply {
    let me = caller(db, &p).await?;
    me.require_bound()?;
    let id = p.id("id")?;
    let change = Change {
        title: p.bounded("title", text::NAME)?,
        content: p.bounded("content", text::NOTE)?,
        kind: p.opt_num("type")?,
        designer_id: p.opt_id("designer_id")?,
        status: p.opt_num("status")?,
    };
    if change.title.is_none()
        && change.content.is_none()
        && change.kind.is_none()
        && change.designer_id.is_none()
        && change.status.is_none()
    {
        return Err(ApiError::missing("content"));
    }
    let data = db
        .tx(move |tx| {
            let found = form::visible(tx, &me, id)?;
            form::apply(tx, &me, &found, &change)?;
            form::one(tx, id)
        })
        .await?;
    ok("修改成功", data)
}
