//! Repair requests (seed 004): WeChat sign-in with roles `normal`, `repair`, `admin`, and
//! the `repair_apply` workflow. Served under `/api/` and, as the seed's examples use,
//! `/auth/` (same handlers). Only exact paths are mounted (`/api/user`, `/api/login`,
//! `/api/process/...`), so the consulting app's `/api/user/<x>` stays its own.

pub mod data;
pub mod demo;
pub mod privacy;
pub mod process;
pub mod reply;
pub mod request;
pub mod upload;
pub mod user;
pub mod workflow;

use rocket::{catchers, Build, Rocket, Route};

pub use demo::demo;

fn routes() -> Vec<Route> {
    [user::routes(), process::routes(), upload::routes()].concat()
}

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/api", routes())
        .mount("/auth", routes())
        .register("/api/process", catchers![reply::catcher])
        .register("/auth", catchers![reply::catcher])
}
