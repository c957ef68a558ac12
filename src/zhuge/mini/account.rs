//! Issue 17 §1: the signed customer's copy of everything stored about them, and the
//! deletion of their account.

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::config::Settings;
use crate::db::Db;
use crate::privacy::{self, files};
use crate::web::envelope::{ok, Reply};
use crate::zhuge::data::privacy as data;
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![export, delete]
}

/// Read inside the write that records the audit row, so the two always agree.
#[get("/account/export")]
async fn export(me: Customer, db: &State<Db>) -> Reply {
    let data = db
        .tx(move |tx| {
            privacy::audit(tx, "zhuge", me.id, privacy::Request::Export)?;
            data::export(tx, me.id)
        })
        .await?;
    ok("导出成功", data)
}

#[post("/account/delete")]
async fn delete(me: Customer, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let made = db.tx(move |tx| data::erase(tx, me.id)).await?;
    let removed = files::remove(&settings.data_dir, &made);
    ok("账号已注销", json!({"files_removed": removed}))
}
