//! The original 2018 server's enterprise routes that Leida serves under another name: each
//! alias hands the request, parameters renamed where the original named them differently, to
//! the canonical handler.

use rocket::{post, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::web::envelope::Reply;
use crate::web::params::Params;
use crate::zhuge::principal::Employee;
use crate::zhuge::work::{mingpian, tag_user};

pub fn routes() -> Vec<Route> {
    routes![save_phone, save_info, create_small_program_qr_code]
}

/// → `tag_user/save_phone` (`mingpian_phone`, `is_show_phone`).
#[post("/mingpian/save_phone", data = "<p>")]
async fn save_phone(me: Employee, p: Params, db: &State<Db>) -> Reply {
    tag_user::save_phone(me, p, db).await
}

/// → `POST mingpian`; the original named the card name `memo_name` and the avatar
/// `avator_picture_url`.
#[post("/mingpian/save_info", data = "<p>")]
async fn save_info(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let p = p
        .renamed("memo_name", "username")
        .renamed("avator_picture_url", "avatar");
    mingpian::update(me, p, db).await
}

/// → `qr_code_auth`.
#[post("/mingpian/create_small_program_qr_code")]
async fn create_small_program_qr_code(
    me: Employee,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    mingpian::qr_code_auth(me, db, settings).await
}
