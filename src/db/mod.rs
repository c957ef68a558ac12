//! The SQLite pools: many readers, one writer, all work off the async workers.

pub mod schema;
pub mod sealed;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use r2d2::{Pool, PooledConnection};
use r2d2_sqlite::SqliteConnectionManager;
use rocket::tokio::task::spawn_blocking;
use rusqlite::{Connection, TransactionBehavior};

use writer::Writer;

use crate::config::Settings;
use crate::error::{ApiError, ApiResult, Code};
use crate::secrets::Secrets;

/// Set on every connection; WAL itself is persistent and set once by `schema::apply`.
/// Room for every `prepare_cached` statement of the code (about 70), so a mixed load does
/// not evict and re-parse them; rusqlite's default keeps 16.
const STATEMENT_CACHE: usize = 128;

const PER_CONNECTION: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
     PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;";

/// Cheap to clone. Reads use a small pool of read-only connections; every write goes to
/// one writer thread (see `writer.rs`), so writers queue without spinning in SQLite's busy
/// handler and share commits (see notes/perf-baseline.md §1).
#[derive(Clone)]
pub struct Db {
    path: PathBuf,
    read: Pool<SqliteConnectionManager>,
    writer: Writer,
    waits: Arc<PoolWaits>,
    checkpoint_pages: u32,
    secrets: Secrets,
}

/// Checkouts that found no idle read connection, and the time they waited (for `/metrics`).
#[derive(Default)]
struct PoolWaits {
    count: AtomicU64,
    micros: AtomicU64,
}

type Pooled = PooledConnection<SqliteConnectionManager>;

/// Takes a read connection, counting the wait when none was idle.
fn checkout(pool: &Pool<SqliteConnectionManager>, waits: &PoolWaits) -> ApiResult<Pooled> {
    if pool.state().idle_connections > 0 {
        return Ok(pool.get()?);
    }
    let started = Instant::now();
    let conn = pool.get();
    waits.count.fetch_add(1, Ordering::Relaxed);
    waits
        .micros
        .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
    Ok(conn?)
}

impl Db {
    /// Opens (and creates or upgrades) the database file, with the key file beside it.
    pub fn open(path: &Path) -> Result<Db, String> {
        Db::open_with(path, 1000, Secrets::load(path, "")?)
    }

    /// Opens `db_path` as the server and every subcommand do: the key is `encryption_key`
    /// or the key file, SQLite checkpoints every `wal_autocheckpoint` pages.
    pub fn open_configured(settings: &Settings) -> Result<Db, String> {
        let secrets = Secrets::load(&settings.db_path, &settings.encryption_key)?;
        Db::open_with(&settings.db_path, settings.wal_autocheckpoint, secrets)
    }

    /// `open`, with SQLite's automatic WAL checkpoint every `pages` pages (0: never, for
    /// Litestream, which then checkpoints itself) and the key `secrets`.
    pub fn open_with(path: &Path, pages: u32, secrets: Secrets) -> Result<Db, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("无法创建数据库目录 {}: {e}", dir.display()))?;
        }
        let mut first = connect(path)?;
        schema::apply(&mut first)?;
        sealed::seal_stored(&mut first, &secrets)?;
        first
            .pragma_update(None, "wal_autocheckpoint", pages)
            .map_err(|e| e.to_string())?;
        let writer = Writer::start(first)?;

        let reader = SqliteConnectionManager::file(path).with_init(|c| {
            c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            c.execute_batch(PER_CONNECTION)?;
            c.execute_batch("PRAGMA query_only = ON;")
        });
        let read = Pool::builder()
            .max_size(4)
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(15))
            .build(reader)
            .map_err(|e| e.to_string())?;
        Ok(Db {
            path: path.to_path_buf(),
            read,
            writer,
            waits: Arc::default(),
            checkpoint_pages: pages,
            secrets,
        })
    }

    /// The key that seals and opens the secrets stored in this database.
    pub fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    /// Runs a read-only `job` on a pooled connection on Tokio's blocking threads.
    pub async fn run<T, F>(&self, job: F) -> ApiResult<T>
    where
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (pool, waits) = (self.read.clone(), self.waits.clone());
        spawn_blocking(move || job(&*checkout(&pool, &waits)?))
            .await
            .map_err(ApiError::internal)?
    }

    /// Runs a single indexed point read right here, on the async worker. Moving work to a
    /// blocking thread costs more than such a read (notes/perf-baseline.md §1, item 2), so
    /// this is for primary-key lookups only; anything that can be slow goes through `run`.
    pub fn point_read<T>(&self, job: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        job(&*checkout(&self.read, &self.waits)?)
    }

    /// Runs `job` as one write: all of it lands, or none of it (a failed job changes nothing).
    pub async fn tx<T, F>(&self, job: F) -> ApiResult<T>
    where
        F: FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.writer.run(job).await
    }

    /// A write transaction on a connection of its own, for callers outside the server
    /// (the CLI, `demo`): SQLite's lock and busy timeout order it with the server's writes.
    pub fn tx_blocking<T>(&self, job: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        let mut conn = connect(&self.path).map_err(ApiError::internal)?;
        conn.pragma_update(None, "wal_autocheckpoint", self.checkpoint_pages)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = job(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// A read connection for callers already on a blocking thread.
    pub fn reader(&self) -> ApiResult<Pooled> {
        checkout(&self.read, &self.waits)
    }

    /// How many read checkouts had to wait for a connection, and the seconds they waited.
    pub fn pool_waits(&self) -> (u64, f64) {
        (
            self.waits.count.load(Ordering::Relaxed),
            self.waits.micros.load(Ordering::Relaxed) as f64 / 1e6,
        )
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the database answers (for `/healthz`).
    pub async fn ping(&self) -> bool {
        self.run(|c| Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?))
            .await
            .is_ok()
    }
}

fn connect(path: &Path) -> Result<Connection, String> {
    let conn =
        Connection::open(path).map_err(|e| format!("无法打开数据库 {}: {e}", path.display()))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch(PER_CONNECTION)
        .map_err(|e| e.to_string())?;
    Ok(conn)
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
