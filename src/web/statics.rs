//! `/statics/...`: the files the server wrote into its media folders under `data_dir`
//! (uploads, QR codes, posters), then the assets bundled into the binary. Nothing else
//! under `data_dir` is served: not the database, its WAL, lock or key file, whatever the
//! layout, and not a file a symlink leads out of a media folder.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use rocket::fs::NamedFile;
use rocket::http::ContentType;
use rocket::response::Responder;
use rocket::{get, routes, Route, State};

use crate::assets::Assets;
use crate::config::Settings;
use crate::media::{POSTER_DIR, QR_DIR, UPLOAD_DIR};

/// The folders under `data_dir` the server writes, and the only ones it serves.
const MEDIA: [&str; 3] = [UPLOAD_DIR, QR_DIR, POSTER_DIR];

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
    if let Some(real) = media_file(settings, &path) {
        if let Ok(file) = NamedFile::open(real).await {
            return Some(StaticFile::Disk(file));
        }
    }
    embedded(&path).map(StaticFile::Embedded)
}

/// The real path of `path` when it is a file inside one of the media folders (after every
/// symlink is followed) and not one of the database's files.
fn media_file(settings: &Settings, path: &Path) -> Option<PathBuf> {
    let Some(Component::Normal(first)) = path.components().next() else {
        return None;
    };
    let folder = MEDIA.iter().find(|f| first == OsStr::new(f))?;
    let root = settings.data_dir.join(folder).canonicalize().ok()?;
    let real = settings.data_dir.join(path).canonicalize().ok()?;
    let served =
        real.starts_with(&root) && real.is_file() && !of_database(&settings.db_path, &real);
    served.then_some(real)
}

/// Whether `real` is the database or a file beside it named after it (`-wal`, `-shm`,
/// `.lock`, `.key`, `.before-restore`...), in case the operator put it in a media folder.
fn of_database(db_path: &Path, real: &Path) -> bool {
    let (Some(dir), Some(name)) = (db_path.parent(), db_path.file_name()) else {
        return false;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let (Ok(dir), Some(real_name)) = (dir.canonicalize(), real.file_name()) else {
        return false;
    };
    real.parent() == Some(dir.as_path())
        && real_name
            .as_encoded_bytes()
            .starts_with(name.as_encoded_bytes())
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
