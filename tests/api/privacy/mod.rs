//! Issue 17 §1: each person's copy of their data and the deletion of their account, per app.

mod consult;
mod design;
mod repair;
mod zhuge;

use rusqlite::Connection;

use crate::common::table_columns;

/// Every `table.column` holding `needle` anywhere in its text, across every table of the
/// database (sqlite_master and `pragma table_info`): after a deletion this must be empty for
/// the person's name, phone and openid.
pub fn holders(conn: &Connection, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (table, column) in table_columns(conn) {
        // Every column, whatever its declared type: SQLite stores text in any of them.
        let n: i64 = conn
            .query_row(
                &format!(
                    "SELECT COUNT(*) FROM \"{table}\" WHERE instr(CAST(\"{column}\" AS TEXT), ?1) > 0"
                ),
                [needle],
                |r| r.get(0),
            )
            .unwrap();
        if n > 0 {
            found.push(format!("{table}.{column}"));
        }
    }
    found
}

/// The audit rows of one principal, as `kind` values in order.
pub fn audit(conn: &Connection, app: &str, id: i64) -> Vec<String> {
    conn.prepare("SELECT kind FROM privacy_audit WHERE app = ?1 AND principal_id = ?2 ORDER BY id")
        .unwrap()
        .query_map(rusqlite::params![app, id], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// The openid that offline dev mode makes of a login `code`.
pub fn dev_openid(code: &str) -> String {
    format!("dev-{:x}", md5::compute(code))
}
