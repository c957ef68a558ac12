//! Only what is needed, for as long as needed (issue 17 §3): once at start and every day
//! after, each app's prune task deletes what has outlived its use (sent messages, refused
//! pay notifies, expired codes, sessions and formIds, old radar events). The tasks are the
//! apps' own; `lib.rs` lists them, this file only runs them.
//!
//! A task deletes at most [`BATCH`] rows per call and is called again while it fills a
//! batch, each call one short write through the writer, so requests never wait long
//! behind a prune of a year's radar.

use std::time::Duration;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Orbit, Rocket};
use rusqlite::Connection;

use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;

/// The most rows one call of a task deletes.
pub const BATCH: usize = 5000;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// What the tasks measure "old" against, fixed for one run.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Sent and given-up outbox rows are kept this many days.
    pub outbox_keep_days: u32,
    /// Radar events are kept this many days; 0 keeps them for ever.
    pub radar_keep_days: u32,
    /// Now, in milliseconds since the epoch.
    pub now_ms: i64,
}

impl Rules {
    pub fn of(settings: &Settings) -> Rules {
        Rules {
            outbox_keep_days: settings.outbox_keep_days,
            radar_keep_days: settings.radar_keep_days,
            now_ms: clock::now_ms(),
        }
    }

    /// `days` before now, as times are stored (`2018-06-13T11:49:57.123`, UTC+8).
    pub fn days_ago(&self, days: u32) -> String {
        let then = chrono::DateTime::from_timestamp_millis(self.now_ms)
            .unwrap_or_default()
            .with_timezone(&clock::zone())
            - chrono::Duration::days(i64::from(days));
        then.format(clock::FORMAT).to_string()
    }

    /// `days` before now, at midnight of that day in the firm's zone.
    pub fn midnight_days_ago(&self, days: u32) -> String {
        format!("{}T00:00:00.000", &self.days_ago(days)[..10])
    }

    pub fn now_secs(&self) -> i64 {
        self.now_ms / 1000
    }
}

/// One kind of row that is deleted when old: `prune` deletes at most `BATCH` of them and
/// answers how many it deleted.
#[derive(Clone, Copy)]
pub struct Task {
    pub what: &'static str,
    pub prune: fn(&Connection, &Rules) -> ApiResult<usize>,
}

/// Runs every task to the end on `conn` (each batch its own transaction); answers how many
/// rows each deleted. For the CLI and tests; the server goes through its writer.
pub fn run_on(conn: &mut Connection, tasks: &[Task], rules: &Rules) -> ApiResult<Vec<usize>> {
    let mut counts = Vec::with_capacity(tasks.len());
    for task in tasks {
        let mut total = 0;
        loop {
            let tx = conn.transaction()?;
            let n = (task.prune)(&tx, rules)?;
            tx.commit()?;
            total += n;
            if n < BATCH {
                break;
            }
        }
        counts.push(total);
    }
    Ok(counts)
}

/// Runs every task to the end through the server's writer.
async fn run(db: &Db, tasks: &[Task], rules: &Rules) {
    for task in tasks {
        let mut total = 0;
        loop {
            let (prune, rules) = (task.prune, rules.clone());
            match db.tx(move |c| prune(c, &rules)).await {
                Ok(n) => {
                    total += n;
                    if n < BATCH {
                        break;
                    }
                }
                Err(e) => {
                    log::warn!("retention: pruning {} failed: {e}", task.what);
                    break;
                }
            }
        }
        if total > 0 {
            log::info!("retention: {total} {} deleted", task.what);
        }
    }
}

/// Runs the tasks when the server lifts off and every day after.
pub struct Cleaner {
    tasks: Vec<Task>,
}

impl Cleaner {
    pub fn new(tasks: Vec<Task>) -> Cleaner {
        Cleaner { tasks }
    }
}

#[rocket::async_trait]
impl Fairing for Cleaner {
    fn info(&self) -> Info {
        Info {
            name: "retention cleaner",
            kind: Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let (Some(db), Some(settings)) = (rocket.state::<Db>(), rocket.state::<Settings>()) else {
            return;
        };
        let (db, settings, tasks) = (db.clone(), settings.clone(), self.tasks.clone());
        rocket::tokio::spawn(async move {
            loop {
                run(&db, &tasks, &Rules::of(&settings)).await;
                rocket::tokio::time::sleep(DAY).await;
            }
        });
    }
}
