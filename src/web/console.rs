//! `/console/`: the firm's web console, plain files under `assets/console/` bundled into
//! the binary. It calls the signed `/zhugeleida/qiyeweixin/` endpoints like any client.

use std::path::{Path, PathBuf};

use rocket::http::{ContentType, Header};
use rocket::{get, routes, Responder, Route};

use crate::web::headers::{hardened, Hardened};
use crate::web::statics::embedded;

pub fn routes() -> Vec<Route> {
    routes![index, file]
}

#[derive(Responder)]
pub struct Asset {
    body: (ContentType, Vec<u8>),
    // The files change with the binary; revalidating keeps a new release from mixing modules.
    cache: Header<'static>,
}

fn asset(path: &Path) -> Option<Hardened<Asset>> {
    Some(hardened(Asset {
        body: embedded(&Path::new("console").join(path))?,
        cache: Header::new("Cache-Control", "no-cache"),
    }))
}

/// `/console/` arrives here as `/console` (see `TrailingSlash`).
#[get("/")]
fn index() -> Option<Hardened<Asset>> {
    asset(Path::new("index.html"))
}

#[get("/<path..>", rank = 2)]
fn file(path: PathBuf) -> Option<Hardened<Asset>> {
    asset(&path)
}
