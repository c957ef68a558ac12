//! `POST /api/process/upload` (multipart `file`, signed in): a picture for a repair form;
//! the answer's `url` goes into `form.images`.

use rocket::form::Form;
use rocket::{post, routes, Route, State};
use serde_json::json;

use super::data::Member;
use super::reply::{ok, Reply};
use crate::config::Settings;
use crate::error::ApiError;
use crate::media::{read_upload, save_image, Upload};
use crate::web::blocking;

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
    let max = settings.upload_max_bytes;
    let bytes = read_upload(&form.file, max).await?;
    let dir = settings.data_dir.clone();
    let rel = blocking(move || save_image(&dir, &bytes, max)).await?;
    ok(json!({"url": settings.static_url(&rel)}))
}
