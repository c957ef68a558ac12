//! The SQLite pools: many readers, one writer, all work off the async workers.

pub mod schema;

use std::path::Path;
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rocket::tokio::task::spawn_blocking;
use rusqlite::{Connection, Transaction, TransactionBehavior};

use crate::error::{ApiError, ApiResult, Code};

/// Set on every connection; WAL itself is persistent and set once by `schema::apply`.
const PER_CONNECTION: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;";

/// Cheap to clone. Writes go through a single connection, so writers queue in the pool
/// instead of spinning in SQLite's busy handler (see notes/perf-baseline.md §1).
#[derive(Clone)]
pub struct Db {
    read: Pool<SqliteConnectionManager>,
    write: Pool<SqliteConnectionManager>,
}

impl Db {
    /// Opens (and creates or upgrades) the database file.
    pub fn open(path: &Path) -> Result<Db, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("无法创建数据库目录 {}: {e}", dir.display()))?;
        }
        let mut first = Connection::open(path)
            .map_err(|e| format!("无法打开数据库 {}: {e}", path.display()))?;
        first
            .execute_batch(PER_CONNECTION)
            .map_err(|e| e.to_string())?;
        schema::apply(&mut first)?;
        drop(first);

        let writer =
            SqliteConnectionManager::file(path).with_init(|c| c.execute_batch(PER_CONNECTION));
        let reader = SqliteConnectionManager::file(path).with_init(|c| {
            c.execute_batch(PER_CONNECTION)?;
            c.execute_batch("PRAGMA query_only = ON;")
        });
        let timeout = Duration::from_secs(15);
        let write = Pool::builder()
            .max_size(1)
            .test_on_check_out(false)
            .connection_timeout(timeout)
            .build(writer)
            .map_err(|e| e.to_string())?;
        let read = Pool::builder()
            .max_size(4)
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(timeout)
            .build(reader)
            .map_err(|e| e.to_string())?;
        Ok(Db { read, write })
    }

    /// Runs a read-only `job` on a pooled connection on Tokio's blocking threads.
    pub async fn run<T, F>(&self, job: F) -> ApiResult<T>
    where
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.read.clone();
        spawn_blocking(move || job(&*pool.get()?))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs `job` in one `BEGIN IMMEDIATE` transaction: all of it lands, or none of it.
    pub async fn tx<T, F>(&self, job: F) -> ApiResult<T>
    where
        F: FnOnce(&Transaction<'_>) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.write.clone();
        spawn_blocking(move || write_tx(&mut *pool.get()?, job))
            .await
            .map_err(ApiError::internal)?
    }

    /// The same as `tx`, for callers already on a blocking thread (CLI, workers).
    pub fn tx_blocking<T>(
        &self,
        job: impl FnOnce(&Transaction<'_>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        write_tx(&mut *self.write.get()?, job)
    }

    /// A read connection for callers already on a blocking thread.
    pub fn reader(&self) -> ApiResult<PooledConnection<SqliteConnectionManager>> {
        Ok(self.read.get()?)
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> bool {
        self.run(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .is_ok()
    }
}

fn write_tx<T>(
    conn: &mut Connection,
    job: impl FnOnce(&Transaction<'_>) -> ApiResult<T>,
) -> ApiResult<T> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let value = job(&tx)?;
    tx.commit()?;
    Ok(value)
}

/// Turns a UNIQUE violation into a documented refusal, race-free (no SELECT first).
pub trait OnUnique<T> {
    fn on_unique(self, code: Code, msg: &'static str) -> ApiResult<T>;
}

impl<T> OnUnique<T> for rusqlite::Result<T> {
    fn on_unique(self, code: Code, msg: &'static str) -> ApiResult<T> {
        self.map_err(|e| match &e {
            rusqlite::Error::SqliteFailure(f, _)
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                ApiError::new(code, msg)
            }
            _ => ApiError::from(e),
        })
    }
}

/// `Option` for single-row lookups, without turning real errors into "not found".
pub use rusqlite::OptionalExtension;
