//! Creates the schema on first start and refuses databases newer than this binary.

use rusqlite::{Connection, OptionalExtension};

/// `schema.sql` is version 1; later versions are numbered migrations (see `MIGRATIONS`).
const SCHEMA: &str = include_str!("../../schema.sql");

/// Each entry upgrades the database from version `index + 1` to `index + 2`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/002_design_repair.sql"),
    include_str!("../../migrations/003_consult.sql"),
    include_str!("../../migrations/004_zhuge.sql"),
    include_str!("../../migrations/005_customer_notes.sql"),
    include_str!("../../migrations/006_outbox_pending.sql"),
    include_str!("../../migrations/007_identity.sql"),
    include_str!("../../migrations/008_company_ids.sql"),
    include_str!("../../migrations/009_setup.sql"),
    include_str!("../../migrations/010_privacy_audit.sql"),
    include_str!("../../migrations/011_pay_v3_refunds.sql"),
    include_str!("../../migrations/012_zhuge_dialect.sql"),
];

pub const VERSION: i64 = 1 + MIGRATIONS.len() as i64;

pub fn apply(conn: &mut Connection) -> Result<(), String> {
    let fail = |e: rusqlite::Error| format!("数据库初始化失败: {e}");
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(fail)?;
    let current: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(fail)?;
    if current > VERSION {
        return Err(format!(
            "数据库版本 {current} 比本程序支持的版本 {VERSION} 新, 请使用更新的 leida"
        ));
    }
    if current == VERSION {
        return Ok(());
    }
    // Migrations rebuild tables that others reference (007): with foreign keys on, dropping
    // the old table would cascade. The pragma is a no-op inside a transaction, so it is
    // switched around it, and the keys are checked before the upgrade commits.
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(fail)?;
    let upgraded = upgrade(conn, current);
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(fail)?;
    upgraded
}

fn upgrade(conn: &mut Connection, current: i64) -> Result<(), String> {
    let fail = |e: rusqlite::Error| format!("数据库初始化失败: {e}");
    let tx = conn.transaction().map_err(fail)?;
    if current == 0 {
        tx.execute_batch(SCHEMA).map_err(fail)?;
    }
    for (i, step) in MIGRATIONS
        .iter()
        .enumerate()
        .skip((current.max(1) - 1) as usize)
    {
        tx.execute_batch(step)
            .map_err(|e| format!("数据库升级到版本 {} 失败: {e}", i + 2))?;
    }
    let broken: Option<String> = tx
        .query_row(
            "SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(fail)?;
    if let Some(table) = broken {
        return Err(format!(
            "数据库升级到版本 {VERSION} 后外键检查失败 (表 {table}), 未做任何修改"
        ));
    }
    tx.pragma_update(None, "user_version", VERSION)
        .map_err(fail)?;
    tx.commit().map_err(fail)
}
