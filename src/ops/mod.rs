//! Running a server for real: the lock a server holds on its database, backup and restore,
//! and checking the WeChat credentials before customers find them wrong.

pub mod backup;
pub mod credentials;
pub mod promote;

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Held by a running server (managed state) for its whole life: an exclusive lock on
/// `<db_path>.lock`. The operating system releases it when the process ends, even by
/// SIGKILL, so a crash never leaves a stale lock behind (unlike a pid file).
pub struct ServerLock {
    _file: File,
}

impl ServerLock {
    /// Takes the lock, or says that another process holds it.
    pub fn acquire(db_path: &Path) -> Result<ServerLock, String> {
        let path = lock_path(db_path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("无法创建数据库目录 {}: {e}", dir.display()))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("无法打开锁文件 {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(ServerLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(format!(
                "数据库 {} 正被另一个 leida 进程使用 (锁文件 {}); 请先停止它 (例如 systemctl stop leida)",
                db_path.display(),
                path.display()
            )),
            Err(TryLockError::Error(e)) => {
                Err(format!("无法锁定 {}: {e}", path.display()))
            }
        }
    }
}

/// `data/leida.db` → `data/leida.db.lock`.
pub fn lock_path(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}
