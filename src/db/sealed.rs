//! Secrets at rest: every open seals what an earlier version stored in plain text, then
//! checks that every sealed value opens with the key in use.

use rusqlite::{Connection, TransactionBehavior};

use crate::secrets::{
    Column, Secrets, MP_SECRET, PAY_APIV3_KEY, PAY_CERT_KEY, PAY_KEY, PAY_PRIVATE_KEY, SEALED,
    WORK_SECRET, WRONG_KEY,
};

/// The columns holding secrets Leida reads back. (Cached access tokens are sealed too,
/// but a cache entry that does not open is fetched again, so they are not checked here.)
pub const AT_REST: [Column; 6] = [
    MP_SECRET,
    WORK_SECRET,
    PAY_KEY,
    PAY_APIV3_KEY,
    PAY_PRIVATE_KEY,
    PAY_CERT_KEY,
];

/// Seals plain values (idempotent), scrubs what they leave behind, and checks the key.
pub fn seal_stored(conn: &mut Connection, secrets: &Secrets) -> Result<(), String> {
    let changed = seal_plain(conn, secrets).map_err(|e| format!("加密数据库中的密钥失败: {e}"))?;
    if changed > 0 {
        scrub(conn);
    }
    check_key(conn, secrets)
}

fn seal_plain(conn: &mut Connection, secrets: &Secrets) -> Result<usize, String> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| e.to_string())?;
    let mut changed = 0;
    for column in AT_REST {
        for (rowid, plain) in values(&tx, column, "!=").map_err(|e| e.to_string())? {
            let sealed = secrets.seal(column, &plain).map_err(|e| e.to_string())?;
            let sql = format!(
                "UPDATE {} SET {} = ?2 WHERE rowid = ?1",
                column.table, column.name
            );
            tx.execute(&sql, rusqlite::params![rowid, sealed])
                .map_err(|e| e.to_string())?;
            changed += 1;
        }
    }
    // Tokens cached in plain text, under the old per-appid names: the next call fetches anew.
    changed += tx
        .execute(
            "DELETE FROM wechat_token WHERE substr(token, 1, length(?1)) != ?1",
            [SEALED],
        )
        .map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(changed)
}

/// The non-empty values of `column` that are (`=`) or are not (`!=`) sealed, by rowid.
fn values(c: &Connection, column: Column, sealed: &str) -> rusqlite::Result<Vec<(i64, String)>> {
    // A database older than the column (a backup being restored) holds nothing in it.
    let present: bool = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
        [column.table, column.name],
        |r| r.get(0),
    )?;
    if !present {
        return Ok(Vec::new());
    }
    // Names come from `AT_REST`, never from a request.
    let sql = format!(
        "SELECT rowid, {name} FROM {table}
         WHERE {name} != '' AND substr({name}, 1, length(?1)) {sealed} ?1",
        name = column.name,
        table = column.table,
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map([SEALED], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// A rewritten row leaves its plain value in free space, in pages of rows deleted long
/// ago and in the WAL: VACUUM with secure_delete rebuilds every page zero-filled, and a
/// truncating checkpoint empties the WAL. Failing here leaves the values sealed, so the
/// server still starts, and the operator is told.
fn scrub(conn: &Connection) {
    let run = || -> rusqlite::Result<i64> {
        conn.execute_batch("PRAGMA secure_delete = ON; VACUUM; PRAGMA secure_delete = OFF;")?;
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
    };
    match run() {
        Ok(0) => {}
        Ok(_) => log::error!(
            "secrets sealed, but another process holds the database open: the WAL still \
             holds the old plain values until the next checkpoint"
        ),
        Err(e) => log::error!(
            "secrets sealed, but VACUUM failed ({e}): the database file may still hold the \
             old plain values in free pages; run VACUUM once there is room"
        ),
    }
}

/// Every sealed value must open: a wrong key stops here, with the operator's message,
/// rather than failing requests one by one.
pub fn check_key(conn: &Connection, secrets: &Secrets) -> Result<(), String> {
    let (sealed, closed) = count(conn, Some(secrets))?;
    if closed == 0 {
        return Ok(());
    }
    Err(format!(
        "{WRONG_KEY}: 数据库中 {closed} 个 (共 {sealed} 个) 加密的密钥无法用{}解密. \
         请使用写入它们时的密钥 (配置项 encryption_key, 或原服务器上数据库旁的 .key 文件)",
        secrets.source()
    ))
}

/// `(sealed values, values that do not open)`; without a key, none opens.
pub fn count(conn: &Connection, secrets: Option<&Secrets>) -> Result<(usize, usize), String> {
    let mut sealed = 0;
    let mut closed = 0;
    for column in AT_REST {
        let found = values(conn, column, "=").map_err(|e| format!("无法读取密钥: {e}"))?;
        sealed += found.len();
        closed += found
            .iter()
            .filter(|(_, v)| !secrets.is_some_and(|s| s.opens(column, v)))
            .count();
    }
    Ok((sealed, closed))
}
