//! Seed 003 permissions (`quanxian`; the seed's examples reuse the role URLs by mistake).
//! A company sees the built-in menu plus its own entries, and changes only its own.

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::access::require;
use crate::zhuge::data::permission::{self, Entry};
use crate::zhuge::data::role;
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::path_id;

pub fn routes() -> Vec<Route> {
    routes![list, add, update, delete]
}

#[get("/quanxian")]
async fn list(me: Employee, db: &State<Db>) -> Reply {
    let (flat, tree) = db
        .run(move |c| {
            require(c, &me, "quanxian")?;
            permission::list(c, me.company_id)
        })
        .await?;
    let count = flat.len();
    ok(
        "查询成功",
        json!({"ret_data": flat, "data_count": count, "result_data_tree": tree}),
    )
}

/// `pid_id` (also `pid`): the parent; 0 means none.
fn parent(p: &Params) -> ApiResult<Option<Option<i64>>> {
    let raw = match p.opt_num::<i64>("pid_id")? {
        Some(v) => Some(v),
        None => p.opt_num::<i64>("pid")?,
    };
    match raw {
        None => Ok(None),
        Some(0) => Ok(Some(None)),
        Some(id) if id > 0 => Ok(Some(Some(id))),
        Some(_) => Err(ApiError::wrong_type("pid_id")),
    }
}

/// `order_num` (the seed's table also says `order`).
fn order(p: &Params) -> ApiResult<Option<i64>> {
    match p.opt_num::<i64>("order_num")? {
        Some(v) => Ok(Some(v)),
        None => p.opt_num::<i64>("order"),
    }
}

#[post("/quanxian/add/0", data = "<p>")]
async fn add(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let entry = Entry {
        path: p.required("path", text::URL)?,
        icon: p.bounded("icon", text::URL)?.unwrap_or_default(),
        title: p.required("title", text::NAME)?,
        pid: parent(&p)?.flatten(),
        order_num: order(&p)?.unwrap_or(0),
    };
    let id = db
        .tx(move |tx| {
            require(tx, &me, "quanxian")?;
            let id = permission::insert(tx, me.company_id, &entry)?;
            // Its creator holds it, so may grant it (only held permissions are granted).
            role::grant(tx, me.role_id, id)?;
            Ok(id)
        })
        .await?;
    ok("添加成功", json!({"id": id}))
}

#[post("/quanxian/update/<id>", data = "<p>")]
async fn update(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    let (path, icon, title) = (
        p.bounded("path", text::URL)?,
        p.bounded("icon", text::URL)?,
        p.bounded("title", text::NAME)?,
    );
    let (pid, order_num) = (parent(&p)?, order(&p)?);
    db.tx(move |tx| {
        require(tx, &me, "quanxian")?;
        permission::check_own(tx, me.company_id, id)?;
        let mut entry = permission::get(tx, id)?;
        entry.path = path.unwrap_or(entry.path);
        entry.icon = icon.unwrap_or(entry.icon);
        entry.title = title.unwrap_or(entry.title);
        entry.pid = pid.unwrap_or(entry.pid);
        entry.order_num = order_num.unwrap_or(entry.order_num);
        permission::update(tx, me.company_id, id, &entry)
    })
    .await?;
    ok("修改成功", json!({}))
}

#[post("/quanxian/delete/<id>")]
async fn delete(me: Employee, id: &str, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    db.tx(move |tx| {
        require(tx, &me, "quanxian")?;
        permission::check_own(tx, me.company_id, id)?;
        permission::delete(tx, id)
    })
    .await?;
    ok("删除成功", json!({}))
}
