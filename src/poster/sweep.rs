//! The poster folder is a cache: every change of a card (a new photo, a new title) gives its
//! posters new files, and the old ones are never asked for again. A poster is marked used
//! whenever it is served (its modification time, refreshed at most once a day); files
//! unused for [`KEEP`] are deleted when the server starts and once a day after. A poster
//! asked for again after that is simply drawn again.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Orbit, Rocket};

use crate::config::Settings;

/// How long an unused poster is kept.
pub const KEEP: Duration = Duration::from_secs(30 * DAY_SECS);

const DAY_SECS: u64 = 24 * 3600;
const DAY: Duration = Duration::from_secs(DAY_SECS);

/// Whether the poster at `path` is stored; a stored one is marked used.
pub fn is_stored(path: &Path) -> bool {
    let Ok(meta) = fs::metadata(path) else {
        return false;
    };
    if meta.is_file() && age(&meta) > DAY {
        // Only a hint for the sweep: a poster that cannot be touched is still served.
        let _ = File::options()
            .append(true)
            .open(path)
            .and_then(|f| f.set_modified(SystemTime::now()));
    }
    meta.is_file()
}

/// Deletes the posters (and leftovers of interrupted writes) in `dir` unused for longer
/// than `keep`; answers how many went. A missing folder has nothing to sweep.
pub fn sweep(dir: &Path, keep: Duration) -> io::Result<usize> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry?;
        let meta = entry.metadata()?;
        if meta.is_file() && age(&meta) > keep && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    Ok(removed)
}

fn age(meta: &fs::Metadata) -> Duration {
    meta.modified()
        .ok()
        .and_then(|t| SystemTime::now().duration_since(t).ok())
        .unwrap_or_default()
}

/// Runs [`sweep`] over `data_dir/posters` at liftoff and every day after.
pub struct Sweeper;

#[rocket::async_trait]
impl Fairing for Sweeper {
    fn info(&self) -> Info {
        Info {
            name: "poster sweeper",
            kind: Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let Some(settings) = rocket.state::<Settings>() else {
            return;
        };
        let dir = settings.data_dir.join(super::POSTER_DIR);
        rocket::tokio::spawn(async move {
            loop {
                let target = dir.clone();
                match rocket::tokio::task::spawn_blocking(move || sweep(&target, KEEP)).await {
                    Ok(Ok(0)) => {}
                    Ok(Ok(n)) => log::info!("{n} posters unused for 30 days deleted"),
                    Ok(Err(e)) => log::warn!("poster sweep of {}: {e}", dir.display()),
                    Err(e) => log::warn!("poster sweep: {e}"),
                }
                rocket::tokio::time::sleep(DAY).await;
            }
        });
    }
}
