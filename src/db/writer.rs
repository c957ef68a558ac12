//! The one writer: a thread that owns the write connection and runs every write job in
//! order. Jobs that arrive together share one transaction (group commit); each job runs in
//! its own savepoint, so a failed job is rolled back alone, and no job hears "done" before
//! the commit that holds it has succeeded.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};

use rocket::tokio::sync::oneshot;
use rusqlite::Connection;

use crate::error::{ApiError, ApiResult};

/// The most jobs one commit may carry; keeps a commit's latency bounded.
const MAX_BATCH: usize = 64;

/// Runs on the writer thread; returns whether the job succeeded and how to tell its caller.
type Job = Box<dyn FnOnce(&Connection) -> Done + Send>;

struct Done {
    ok: bool,
    /// Called after the commit (or its failure) with the commit's outcome.
    deliver: Box<dyn FnOnce(ApiResult<()>) + Send>,
}

#[derive(Clone)]
pub struct Writer {
    jobs: Sender<Job>,
}

impl Writer {
    pub fn start(conn: Connection) -> Result<Writer, String> {
        let (jobs, queue) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("leida-writer".into())
            .spawn(move || serve(conn, queue))
            .map_err(|e| format!("数据库写线程无法启动: {e}"))?;
        Ok(Writer { jobs })
    }

    pub async fn run<T, F>(&self, job: F) -> ApiResult<T>
    where
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let result = catch_unwind(AssertUnwindSafe(|| job(conn)))
                .unwrap_or_else(|_| Err(ApiError::internal("a write job panicked")));
            Done {
                ok: result.is_ok(),
                deliver: Box::new(move |commit| {
                    let _ = reply.send(commit.and(result));
                }),
            }
        });
        self.jobs
            .send(job)
            .map_err(|_| ApiError::internal("the database writer has stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal("the database writer dropped a job"))?
    }
}

fn serve(conn: Connection, queue: Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
    }
}

/// A job that cannot run is dropped: its caller then hears an internal error.
fn run_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE") {
        log::error!("{} writes not started: {e}", batch.len());
        return;
    }
    let done: Vec<Done> = batch
        .into_iter()
        .filter_map(|job| run_one(conn, job))
        .collect();
    let commit = exec(conn, "COMMIT").map_err(ApiError::internal);
    if commit.is_err() {
        let _ = exec(conn, "ROLLBACK");
    }
    for d in done {
        (d.deliver)(commit.clone());
    }
}

fn run_one(conn: &Connection, job: Job) -> Option<Done> {
    if let Err(e) = exec(conn, "SAVEPOINT job") {
        log::error!("write not started: {e}");
        return None;
    }
    let done = job(conn);
    let rolled_back = if done.ok {
        Ok(())
    } else {
        exec(conn, "ROLLBACK TO job")
    };
    if let Err(e) = rolled_back.and_then(|()| exec(conn, "RELEASE job")) {
        log::error!("savepoint end failed: {e}");
    }
    Some(done)
}

/// Runs a transaction-control statement, parsed once per connection (they run for every
/// write, where parsing them again showed in profiles).
fn exec(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}
