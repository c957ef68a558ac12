//! Security regressions: secrets stay secret (served files, data at rest, credentials).

mod at_rest;
mod key;
mod shared;
mod statics;

use std::path::{Path, PathBuf};

/// The raw bytes of the database file and its WAL, as a copy of them would hold.
fn database_bytes(db_path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db_path).expect("database file");
    bytes.extend(std::fs::read(wal(db_path)).unwrap_or_default());
    bytes
}

fn wal(db_path: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", db_path.display()))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Which of `secrets` appear in plain text in `bytes`.
fn found_in<'a>(bytes: &[u8], secrets: &[&'a str]) -> Vec<&'a str> {
    secrets
        .iter()
        .copied()
        .filter(|s| contains(bytes, s))
        .collect()
}
