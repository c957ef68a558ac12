//! Seed 003 `role`: the company's roles, managed by a role holding `role`. A new role holds
//! no permission; `permissionsList` (JSON text of permission ids, `'[1,5]'`) on add or
//! update says exactly which it holds. A signer grants only permissions they hold and
//! changes only roles that hold no more than theirs (`access`).

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::db::Db;
use crate::error::ApiError;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::access::{
    keeping_a_full_administrator, require, require_covers, require_holds_all,
};
use crate::zhuge::data::role;
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::{id_list, path_id};

pub fn routes() -> Vec<Route> {
    routes![list, add_by_post, add, update, delete]
}

const PERMISSIONS: &str = "permissionsList";

#[get("/role")]
pub(crate) async fn list(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let page = p.page()?;
    let (rows, total) = db
        .run(move |c| {
            require(c, &me, "role")?;
            role::list(c, me.company_id, page)
        })
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

async fn insert(me: Employee, p: Params, db: &Db) -> Reply {
    let name = p.required("name", text::NAME)?;
    let permissions = id_list(&p, PERMISSIONS)?.unwrap_or_default();
    let id = db
        .tx(move |tx| {
            require(tx, &me, "role")?;
            require_holds_all(tx, &me, &permissions)?;
            let id = role::insert(tx, me.company_id, &name)?;
            role::grant_exactly(tx, me.company_id, id, &permissions)?;
            Ok(id)
        })
        .await?;
    ok("添加成功", json!({"role_id": id}))
}

/// The seed adds a role by POSTing `name` to `role` itself.
#[post("/role", data = "<p>")]
async fn add_by_post(me: Employee, p: Params, db: &State<Db>) -> Reply {
    insert(me, p, db).await
}

#[post("/role/add/0", data = "<p>")]
pub(crate) async fn add(me: Employee, p: Params, db: &State<Db>) -> Reply {
    insert(me, p, db).await
}

#[post("/role/update/<id>", data = "<p>")]
pub(crate) async fn update(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    let name = p.bounded("name", text::NAME)?;
    let permissions = id_list(&p, PERMISSIONS)?;
    if name.is_none() && permissions.is_none() {
        return Err(ApiError::missing("name"));
    }
    db.tx(move |tx| {
        require(tx, &me, "role")?;
        role::check(tx, me.company_id, id)?;
        require_covers(tx, &me, id)?;
        if let Some(name) = name {
            role::rename(tx, id, &name)?;
        }
        if let Some(permissions) = permissions {
            require_holds_all(tx, &me, &permissions)?;
            keeping_a_full_administrator(tx, me.company_id, || {
                role::grant_exactly(tx, me.company_id, id, &permissions)
            })?;
        }
        Ok(())
    })
    .await?;
    ok("修改成功", json!({}))
}

#[post("/role/delete/<id>")]
pub(crate) async fn delete(me: Employee, id: &str, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    db.tx(move |tx| {
        require(tx, &me, "role")?;
        role::check(tx, me.company_id, id)?;
        require_covers(tx, &me, id)?;
        role::delete(tx, id)
    })
    .await?;
    ok("删除成功", json!({}))
}
