//! Files beside the database (`-wal`, `.key`, `.lock`, backups in the making) and renames
//! that survive a crash.

use std::path::{Path, PathBuf};

/// `data/leida.db` + `-wal` → `data/leida.db-wal`.
pub fn sibling(db_path: &Path, suffix: &str) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Makes a rename or link durable (best effort: not every filesystem lets a directory be
/// synced).
pub fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
}
