//! `POST /api/process/upload` (multipart `file`, signed in): a picture for a repair form;
//! the answer's `url` goes into `form.images`.

use rocket::form::Form;
use rocket::{post, routes, Route, State};
use serde_json::json;

use super::data::Member;
use super::reply::{ok, Reply};
use crate::config::Settings;
use crate::error::ApiError;
use crate::media::{store_upload, Upload};

pub fn routes() -> Vec<Route> {
    routes![upload]
}

#[post("/process/upload", data = "<form>")]
async fn upload(
    me: Result<Member, ApiError>,
    form: Form<Upload<'_>>,
    settings: &State<Settings>,
) -> Reply {
    me?;
    let rel = store_upload(&form.file, settings).await?;
    ok(json!({"url": settings.static_url(&rel)}))
}
