//! `GET /zhugeleida/admin/company/export`: the console's download of the signer's company
//! (the archive of `leida export`, child companies left out: each is a firm of its own),
//! for a role holding `company`.

use std::path::Path;

use rocket::http::{ContentType, Header};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::{get, routes, Route, State};

use super::{export, firm, Children};
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiError;
use crate::task::blocking;
use crate::zhuge::data::access::require;
use crate::zhuge::principal::Employee;

pub fn routes() -> Vec<Route> {
    routes![download]
}

/// A zip file sent as a download.
pub struct Archive {
    name: String,
    file: rocket::tokio::fs::File,
}

impl<'r> Responder<'r, 'static> for Archive {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        Response::build_from(self.file.respond_to(req)?)
            .header(ContentType::ZIP)
            .header(Header::new(
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", self.name),
            ))
            .header(Header::new("Cache-Control", "no-store"))
            .ok()
    }
}

#[get("/company/export")]
async fn download(
    me: Employee,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Result<Archive, ApiError> {
    let (db, data_dir) = (db.inner().clone(), settings.data_dir.clone());
    let (name, file) = blocking(move || {
        let c = db.reader()?;
        require(&c, &me, "company")?;
        let firm = firm(&c, me.company_id, Children::Exclude)?;
        let name = format!(
            "leida-company-{}-{}.zip",
            me.company_id,
            crate::clock::today().format("%Y%m%d")
        );
        // Built beside the database (not in a shared /tmp), unlinked once open: nothing is
        // left behind, whatever becomes of the download.
        let dir = db
            .path()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let path = dir.join(format!(".leida-export-{}.zip", crate::clock::token()));
        export(&c, &data_dir, &firm, &path)?;
        let file = std::fs::File::open(&path);
        let _ = std::fs::remove_file(&path);
        log::info!(
            "company {} exported by employee {} (console download)",
            me.company_id,
            me.id
        );
        Ok((name, file?))
    })
    .await?;
    Ok(Archive {
        name,
        file: rocket::tokio::fs::File::from_std(file),
    })
}
