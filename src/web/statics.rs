//! `/statics/...`: files under `data_dir` (uploads, posters, QR codes), then the assets
//! bundled into the binary. `PathBuf` segments refuse `..`, so nothing escapes either root.

use std::path::PathBuf;

use rocket::fs::NamedFile;
use rocket::http::ContentType;
use rocket::response::Responder;
use rocket::{get, routes, Route, State};
use rust_embed::RustEmbed;

use crate::config::Settings;

/// Everything under `assets/` (rust-embed reads the folder from disk in debug builds).
#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct Assets;

pub fn routes() -> Vec<Route> {
    routes![file]
}

#[derive(Responder)]
pub enum StaticFile {
    Disk(NamedFile),
    Embedded((ContentType, Vec<u8>)),
}

#[get("/<path..>")]
async fn file(path: PathBuf, settings: &State<Settings>) -> Option<StaticFile> {
    if let Ok(file) = NamedFile::open(settings.data_dir.join(&path)).await {
        if file.path().is_file() {
            return Some(StaticFile::Disk(file));
        }
    }
    embedded(&path).map(StaticFile::Embedded)
}

/// A bundled asset by its path under `assets/`.
pub fn embedded(path: &std::path::Path) -> Option<(ContentType, Vec<u8>)> {
    let name = path.to_str()?.replace('\\', "/");
    let asset = Assets::get(&name)?;
    let content_type = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(ContentType::from_extension)
        .unwrap_or(ContentType::Binary);
    Some((content_type, asset.data.into_owned()))
}
