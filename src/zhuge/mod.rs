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
