//! Issue 17 §1 for the design app: `exportAccount` answers everything stored about the
//! caller (`openid`), `deleteAccount` deletes their account.

use rocket::{post, routes, Route, State};
use serde_json::json;

use super::data::privacy as data;
use super::data::user;
use crate::config::Settings;
use crate::db::Db;
use crate::privacy::{self, files};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![export_account, delete_account]
}

#[post("/exportAccount", data = "<p>")]
async fn export_account(p: Params, db: &State<Db>) -> Reply {
    let openid = p.text("openid")?;
    let data = db
        .tx(move |tx| {
            let me = user::caller(tx, &openid)?;
            privacy::audit(tx, "design", me.id, privacy::Request::Export)?;
            data::export(tx, me.id)
        })
        .await?;
    ok("导出成功", data)
}

#[post("/deleteAccount", data = "<p>")]
async fn delete_account(p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let openid = p.text("openid")?;
    let made = db
        .tx(move |tx| {
            let me = user::caller(tx, &openid)?;
            data::erase(tx, me.id)
        })
        .await?;
    let removed = files::remove(&settings.data_dir, &made);
    ok("账号已注销", json!({"files_removed": removed}))
}
