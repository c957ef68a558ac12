//! The firm's files: uploads, QR codes and posters under `data_dir` that its rows name.
//! Rows name files in many shapes (`statics/uploads/…`, absolute URLs, inside JSON), so
//! every text value is searched for paths under the three media folders.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use crate::error::ApiResult;
use crate::media::{POSTER_DIR, QR_DIR, UPLOAD_DIR};

const FOLDERS: [&str; 3] = [UPLOAD_DIR, QR_DIR, POSTER_DIR];

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')
}

/// Adds every media path (`uploads/202606/ab12.png`, relative to `data_dir`) in `text`.
pub fn paths_in(text: &str, found: &mut BTreeSet<String>) {
    for folder in FOLDERS {
        let prefix = format!("{folder}/");
        for (at, _) in text.match_indices(&prefix) {
            let starts_word = text[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !is_path_char(c) || c == '/');
            if !starts_word {
                continue;
            }
            let end = text[at..]
                .find(|c: char| !is_path_char(c))
                .map_or(text.len(), |n| at + n);
            let rel = &text[at..end];
            if rel.len() > prefix.len()
                && !rel.split('/').any(|part| part == ".." || part.is_empty())
            {
                found.insert(rel.to_string());
            }
        }
    }
}

/// The file `rel` names under `data_dir`, when it is one.
pub fn file(data_dir: &Path, rel: &str) -> Option<PathBuf> {
    let path = data_dir.join(rel);
    path.is_file().then_some(path)
}

/// Adds the media paths in every text value `sql` (bound to `arg`) answers.
pub fn paths_of_rows(
    c: &Connection,
    sql: &str,
    arg: &str,
    found: &mut BTreeSet<String>,
) -> ApiResult<()> {
    let mut stmt = c.prepare(sql)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query([arg])?;
    while let Some(row) = rows.next()? {
        for i in 0..columns {
            if let ValueRef::Text(t) = row.get_ref(i)? {
                paths_in(&String::from_utf8_lossy(t), found);
            }
        }
    }
    Ok(())
}

/// Deletes the files of `candidates` that no row in the database names any longer;
/// answers how many went. Called after a purge has committed.
pub fn remove_unreferenced(
    c: &Connection,
    data_dir: &Path,
    mut candidates: BTreeSet<String>,
) -> ApiResult<usize> {
    if candidates.is_empty() {
        return Ok(0);
    }
    for (table, column) in text_columns(c)? {
        let sql = format!(
            "SELECT \"{column}\" FROM \"{table}\" WHERE \"{column}\" LIKE '%uploads/%'
             OR \"{column}\" LIKE '%qr/%' OR \"{column}\" LIKE '%posters/%'"
        );
        let mut still = BTreeSet::new();
        paths_of_rows_unbound(c, &sql, &mut still)?;
        candidates.retain(|rel| !still.contains(rel));
    }
    Ok(candidates
        .iter()
        .filter_map(|rel| file(data_dir, rel))
        .filter(|path| std::fs::remove_file(path).is_ok())
        .count())
}

fn paths_of_rows_unbound(c: &Connection, sql: &str, found: &mut BTreeSet<String>) -> ApiResult<()> {
    let mut stmt = c.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        if let ValueRef::Text(t) = row.get_ref(0)? {
            paths_in(&String::from_utf8_lossy(t), found);
        }
    }
    Ok(())
}

/// Every text column of every table (names from the schema itself, never from input).
fn text_columns(c: &Connection) -> ApiResult<Vec<(String, String)>> {
    let mut stmt = c.prepare(
        "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND upper(p.type) = 'TEXT'",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::paths_in;
    use std::collections::BTreeSet;

    #[test]
    fn finds_relative_and_absolute_media_urls() {
        let mut found = BTreeSet::new();
        paths_in(
            r#"statics/qr/1.png http://x/statics/posters/2.png ["statics/uploads/202611/3.png"] statics/imgs/Avator.jpg statics/uploads/../leida.db"#,
            &mut found,
        );
        let want: BTreeSet<String> = ["qr/1.png", "posters/2.png", "uploads/202611/3.png"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(found, want);
    }
}
