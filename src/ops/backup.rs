//! `leida backup FILE` and `leida restore FILE`.
//!
//! A backup is taken through SQLite's online backup API in one step, i.e. inside one read
//! transaction: in WAL mode the server's writers are never blocked and the copy is the
//! database as of one moment. The copy is a single self-contained file (journal mode
//! DELETE), written next to FILE and renamed into place, so FILE is never half-written.
//!
//! A restore refuses to run while a server holds the database (`ServerLock`), checks the
//! file (`integrity_check`, a Leida schema version not newer than this binary), copies it
//! next to the database, keeps the current database as `<db>.before-restore`, and renames
//! the copy into place. An older schema version is upgraded by the next start.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use super::ServerLock;
use crate::db::schema::VERSION;
use crate::db::sealed;
use crate::files::{sibling, sync_dir};
use crate::secrets::{key_path, Secrets};

/// What a backup or restore did, for the operator.
#[derive(Debug)]
pub struct Copied {
    pub bytes: u64,
    pub version: i64,
    /// Restore only: where the replaced database was kept.
    pub previous: Option<PathBuf>,
}

/// Copies the live database at `db_path` to `dest` (replaced if it exists).
pub fn backup(db_path: &Path, dest: &Path) -> Result<Copied, String> {
    if !db_path.is_file() {
        return Err(format!("数据库 {} 不存在", db_path.display()));
    }
    if same_file(db_path, dest) {
        return Err("备份文件不能是数据库本身".into());
    }
    let source = Connection::open_with_flags(db_path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("无法打开数据库 {}: {e}", db_path.display()))?;
    source
        .busy_timeout(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    let partial = sibling(dest, &format!(".partial-{}", std::process::id()));
    let result = copy_into(&source, &partial).and_then(|()| {
        let version = check_file(&partial)?;
        fs::rename(&partial, dest).map_err(|e| format!("无法写入 {}: {e}", dest.display()))?;
        sync_dir(dest);
        Ok(Copied {
            bytes: file_size(dest),
            version,
            previous: None,
        })
    });
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// Replaces the database at `db_path` with the backup `source`; refused while a server runs,
/// and refused when the backup holds sealed secrets that `key` (the key the server will
/// start with, if any) does not open.
pub fn restore(db_path: &Path, source: &Path, key: Option<&Secrets>) -> Result<Copied, String> {
    let _lock = ServerLock::acquire(db_path)?;
    if !source.is_file() {
        return Err(format!("备份文件 {} 不存在", source.display()));
    }
    if same_file(db_path, source) {
        return Err("备份文件就是数据库本身".into());
    }
    let version = check_file(source)?;
    let incoming = sibling(db_path, ".restoring");
    let _ = fs::remove_file(&incoming);
    let from = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("无法打开 {}: {e}", source.display()))?;
    if let Err(e) = copy_into(&from, &incoming) {
        let _ = fs::remove_file(&incoming);
        return Err(e);
    }
    drop(from);
    if let Err(e) = check_key(&incoming, db_path, key) {
        let _ = fs::remove_file(&incoming);
        return Err(e);
    }
    let previous = set_aside(db_path).inspect_err(|_| {
        let _ = fs::remove_file(&incoming);
    })?;
    fs::rename(&incoming, db_path)
        .map_err(|e| format!("无法替换数据库 {}: {e}", db_path.display()))?;
    sync_dir(db_path);
    Ok(Copied {
        bytes: file_size(db_path),
        version,
        previous,
    })
}

/// One-step online backup of `source` into a new single-file database at `dest`.
fn copy_into(source: &Connection, dest: &Path) -> Result<(), String> {
    let fail = |e: rusqlite::Error| format!("备份失败: {e}");
    let _ = fs::remove_file(dest);
    let mut target =
        Connection::open(dest).map_err(|e| format!("无法创建 {}: {e}", dest.display()))?;
    {
        let backup = Backup::new(source, &mut target).map_err(fail)?;
        // -1: every page in one step, i.e. one read transaction, one moment of the database.
        for _ in 0..100 {
            match backup.step(-1).map_err(fail)? {
                StepResult::Done => break,
                StepResult::More | StepResult::Busy | StepResult::Locked => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => return Err("备份失败: 未知的步骤结果".into()),
            }
        }
        if backup.progress().remaining != 0 {
            return Err("备份失败: 数据库持续繁忙, 请稍后再试".into());
        }
    }
    // A standalone file: no -wal beside it until a server opens it (and sets WAL again).
    target
        .pragma_update(None, "journal_mode", "DELETE")
        .map_err(fail)?;
    target.close().map_err(|(_, e)| fail(e))?;
    fs::File::open(dest)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("无法写入 {}: {e}", dest.display()))
}

/// `integrity_check` passes and the file is a Leida database this binary can open;
/// returns its schema version.
pub fn check_file(path: &Path) -> Result<i64, String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("无法打开 {}: {e}", path.display()))?;
    let bad = |e: rusqlite::Error| format!("{} 不是可用的 SQLite 数据库: {e}", path.display());
    let verdict: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(bad)?;
    if verdict != "ok" {
        return Err(format!(
            "{} 未通过完整性检查 (integrity_check: {verdict})",
            path.display()
        ));
    }
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(bad)?;
    if version < 1 {
        return Err(format!(
            "{} 不是 leida 数据库 (user_version 为 {version})",
            path.display()
        ));
    }
    if version > VERSION {
        return Err(format!(
            "{} 的数据库版本 {version} 比本程序支持的版本 {VERSION} 新, 请使用更新的 leida",
            path.display()
        ));
    }
    Ok(version)
}

/// The restored copy's sealed secrets must open with the key the server will use.
fn check_key(copy: &Path, db_path: &Path, key: Option<&Secrets>) -> Result<(), String> {
    let conn = Connection::open_with_flags(copy, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("无法打开 {}: {e}", copy.display()))?;
    match key {
        Some(key) => sealed::check_key(&conn, key),
        None => match sealed::count(&conn, None)? {
            (0, _) => Ok(()),
            (n, _) => Err(format!(
                "备份中有 {n} 个加密的密钥, 但这里没有密钥: 请先把原服务器数据库旁的 .key \
                 文件复制为 {}, 或设置配置项 encryption_key",
                key_path(db_path).display()
            )),
        },
    }
}

/// Folds any WAL into the current database and moves it to `<db>.before-restore`.
fn set_aside(db_path: &Path) -> Result<Option<PathBuf>, String> {
    if !db_path.exists() {
        return Ok(None);
    }
    let conn = Connection::open(db_path)
        .map_err(|e| format!("无法打开当前数据库 {}: {e}", db_path.display()))?;
    conn.busy_timeout(Duration::from_secs(2))
        .map_err(|e| e.to_string())?;
    let busy: i64 = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
        .map_err(|e| format!("当前数据库无法检查点: {e}"))?;
    if busy != 0 {
        return Err(format!(
            "数据库 {} 仍被其他进程打开 (例如 Litestream), 请先停止它们",
            db_path.display()
        ));
    }
    conn.close().map_err(|(_, e)| e.to_string())?;
    let previous = sibling(db_path, ".before-restore");
    fs::rename(db_path, &previous)
        .map_err(|e| format!("无法移走当前数据库 {}: {e}", db_path.display()))?;
    // The WAL and shared memory belong to the old file; the restored one starts without.
    for suffix in ["-wal", "-shm"] {
        let _ = fs::remove_file(sibling(db_path, suffix));
    }
    Ok(Some(previous))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn file_size(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}
