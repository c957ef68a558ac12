//! Zhuge Leida (seeds 001 and 003): the smart business card and the sales radar.

pub mod admin;
mod admin_alias;
pub mod card_page;
pub mod data;
pub mod firm;
pub mod mini;
pub mod principal;
mod signed;
pub mod work;

use rocket::{catchers, Build, Rocket};

use crate::config::Settings;
use crate::db::Db;
use crate::web::envelope;

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/zhugeleida/admin", admin::routes())
        .mount("/zhugeleida/admin", firm::download::routes())
        .mount("/zhugeleida/admin", admin_alias::routes())
        .mount("/zhugeleida/xiaochengxu", mini::routes())
        .mount("/zhugeleida/qiyeweixin", work::routes())
        .register("/zhugeleida", catchers![envelope::catcher])
}

/// Brings data stored by earlier versions up to today's answers before serving: absolute
/// media URLs become relative (`data::media_urls`).
pub fn upgrade_stored(db: &Db, settings: &Settings) -> Result<(), String> {
    let changed = db
        .tx_blocking(|c| data::media_urls::make_relative(c, &settings.public_url))
        .map_err(|e| format!("无法改写旧的媒体地址: {e}"))?;
    if changed > 0 {
        log::info!("{changed} stored media URLs made relative (statics/...)");
    }
    Ok(())
}
