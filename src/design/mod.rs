//! Design-firm demand forms (seed 000, `/small/`): customers submit demand forms, designers
//! and customer service handle them, customers review the work. Callers are identified by
//! the `openid` that `getUserInfo` returned; every endpoint is POST.

pub mod account;
pub mod assess;
pub mod chat;
pub mod data;
pub mod demo;
pub mod form;
pub mod notice;
pub mod user;

use rocket::{catchers, Build, Rocket};

use crate::web::envelope;

pub use demo::demo;

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    let routes = [
        user::routes(),
        form::routes(),
        chat::routes(),
        assess::routes(),
        notice::routes(),
        account::routes(),
    ]
    .concat();
    rocket
        .mount("/small", routes)
        .register("/small", catchers![envelope::catcher])
}
