//! Principal and company ids are never handed out twice (migrations 007, 008), on a fresh database and on one
//! upgraded from version 6.

use std::path::Path;

use rusqlite::Connection;

use crate::common::TestApp;
use crate::zhuge_people::{add_role, post};
use leida::db::schema::VERSION;
use leida::db::Db;

/// Every table whose id is a principal or is named by queued messages and cached tokens, with
/// the smallest row it accepts (`{id}` is the id).
const PRINCIPALS: [(&str, &str); 6] = [
    (
        "zl_company",
        "INSERT INTO zl_company (id, name, create_date) VALUES ({id}, 'c{id}', '2020-01-01')",
    ),
    (
        "zl_employee",
        "INSERT INTO zl_employee (id, company_id, role_id, username, token, create_date)
         VALUES ({id}, 1, 1, 'p{id}', 'tok-e{id}', '2020-01-01')",
    ),
    (
        "zl_customer",
        "INSERT INTO zl_customer (id, openid, token, create_date)
         VALUES ({id}, 'o{id}', 'tok-c{id}', '2020-01-01')",
    ),
    (
        "sm_user",
        "INSERT INTO sm_user (id, openid, create_date) VALUES ({id}, 'o{id}', '2020-01-01')",
    ),
    (
        "rp_user",
        "INSERT INTO rp_user (id, openid, token, create_date, update_date)
         VALUES ({id}, 'o{id}', 'tok-r{id}', '2020-01-01', '2020-01-01')",
    ),
    (
        "cs_account",
        "INSERT INTO cs_account (id, kind, create_date) VALUES ({id}, 'user', '2020-01-01')",
    ),
];

/// Inserts a row without an id into `table` and returns the id SQLite chose.
fn next_id(conn: &Connection, table: &str, insert: &str) -> i64 {
    let id: i64 = conn
        .query_row(
            &format!("SELECT IFNULL(MAX(id), 0) + 1000 FROM {table}"),
            [],
            |r| r.get(0),
        )
        .unwrap();
    // Insert with a placeholder id, then let SQLite pick: delete it and insert with NULL.
    conn.execute_batch(&insert.replace("{id}", &id.to_string()))
        .unwrap();
    conn.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id])
        .unwrap();
    let fresh = insert
        .replace("VALUES ({id}", "VALUES (NULL")
        .replace("{id}", "x");
    conn.execute_batch(&fresh).unwrap();
    conn.last_insert_rowid()
}

#[test]
fn a_deleted_employees_id_never_names_the_next_one() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[]");
    let add = |name: &str| {
        let body = format!("username={name}&password=pw-123456&role_id={role}");
        let json = post(&app, &boss, "user/add/0", &body);
        assert_eq!(json["code"], 200, "{json}");
        json["data"]["user_id"].as_i64().unwrap()
    };
    let first = add("first");
    let json = post(&app, &boss, &format!("user/delete/{first}"), "");
    assert_eq!(json["code"], 200, "{json}");
    let second = add("second");
    assert!(second > first, "{second} reuses {first}");
}

#[test]
fn no_principal_table_hands_out_a_used_id_again() {
    let app = TestApp::new();
    app.admin("boss", "合众康桥");
    let conn = app.db();
    for (table, insert) in PRINCIPALS {
        let used: i64 = conn
            .query_row(
                &format!("SELECT IFNULL(MAX(id), 0) + 1000 FROM {table}"),
                [],
                |r| r.get(0),
            )
            .unwrap();
        let id = next_id(&conn, table, insert);
        assert!(id > used, "{table}: {id} reuses the deleted {used}");
    }
}

/// A database as version 6 left it (schema.sql and migrations 002–006), with a row in
/// every principal table and rows that point at them.
pub fn version_six_database(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = Connection::open(path).unwrap();
    for sql in [
        include_str!("../../../../schema.sql"),
        include_str!("../../../../migrations/002_design_repair.sql"),
        include_str!("../../../../migrations/003_consult.sql"),
        include_str!("../../../../migrations/004_zhuge.sql"),
        include_str!("../../../../migrations/005_customer_notes.sql"),
        include_str!("../../../../migrations/006_outbox_pending.sql"),
    ] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 6).unwrap();
    conn.execute_batch(
        "INSERT INTO zl_company (id, name, create_date) VALUES (1, '老公司', '2020-01-01');
         INSERT INTO zl_role (id, company_id, name, create_date) VALUES (1, 1, '管理员', '2020-01-01');
         INSERT INTO zl_employee (id, company_id, role_id, username, token, userid, create_date)
             VALUES (41, 1, 1, 'veteran', 'tok-e', 'VET', '2020-01-01');
         INSERT INTO zl_customer (id, company_id, openid, token, create_date)
             VALUES (52, 1, 'o-c', 'tok-c', '2020-01-01');
         INSERT INTO zl_relation (user_id, customer_id, create_date) VALUES (41, 52, '2020-01-01');
         INSERT INTO zl_radar (user_id, customer_id, action, remark, create_date)
             VALUES (41, 52, 1, '查看', '2020-01-01T10:00:00.000');
         INSERT INTO sm_user (id, openid, phone, level, create_date)
             VALUES (63, 'o-s', '13900000063', 4, '2020-01-01');
         INSERT INTO sm_form (customer_id, create_date, update_date) VALUES (63, '2020-01-01', '2020-01-01');
         INSERT INTO rp_user (id, openid, token, role, create_date, update_date)
             VALUES (74, 'o-r', 'tok-r', 'admin', '2020-01-01', '2020-01-01');
         INSERT INTO rp_request (applicant_id, create_date, update_date) VALUES (74, '2020-01-01', '2020-01-01');
         INSERT INTO cs_account (id, kind, username, create_date) VALUES (85, 'user', 'buyer', '2020-01-01');
         INSERT INTO cs_session (token_hash, account_id, expires_ms, create_date)
             VALUES ('h', 85, 1, '2020-01-01');",
    )
    .unwrap();
}

pub fn scalar<T: rusqlite::types::FromSql>(path: &Path, sql: &str) -> T {
    Connection::open(path)
        .unwrap()
        .query_row(sql, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn schema_of(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT type || ' ' || name || ': ' || IFNULL(sql, '') FROM sqlite_master ORDER BY name")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.map(Result::unwrap).collect()
}

#[test]
fn a_version_six_database_is_rebuilt_with_its_rows_and_ends_like_a_fresh_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old").join("leida.db");
    version_six_database(&path);
    drop(Db::open(&path).expect("upgrade"));

    assert_eq!(scalar::<i64>(&path, "PRAGMA user_version"), VERSION);
    assert_eq!(scalar::<String>(&path, "PRAGMA integrity_check"), "ok");
    assert_eq!(
        scalar::<i64>(&path, "SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    for (sql, want) in [
        (
            "SELECT username || userid FROM zl_employee WHERE id = 41",
            "veteranVET",
        ),
        ("SELECT openid FROM zl_customer WHERE id = 52", "o-c"),
        ("SELECT openid || level FROM sm_user WHERE id = 63", "o-s4"),
        (
            "SELECT openid || role FROM rp_user WHERE id = 74",
            "o-radmin",
        ),
        ("SELECT username FROM cs_account WHERE id = 85", "buyer"),
        (
            "SELECT user_id || '-' || customer_id FROM zl_relation",
            "41-52",
        ),
        ("SELECT remark FROM zl_radar WHERE user_id = 41", "查看"),
        (
            "SELECT CAST(total AS TEXT) FROM zl_radar_customer_total",
            "1",
        ),
        ("SELECT CAST(customer_id AS TEXT) FROM sm_form", "63"),
        ("SELECT CAST(applicant_id AS TEXT) FROM rp_request", "74"),
        ("SELECT CAST(account_id AS TEXT) FROM cs_session", "85"),
    ] {
        assert_eq!(scalar::<String>(&path, sql), want, "{sql}");
    }
    // The ids in use are the sequences' start: none of them is handed out again.
    for (table, max) in [
        ("zl_employee", 41),
        ("zl_customer", 52),
        ("sm_user", 63),
        ("rp_user", 74),
        ("cs_account", 85),
    ] {
        let seq: i64 = scalar(
            &path,
            &format!("SELECT seq FROM sqlite_sequence WHERE name = '{table}'"),
        );
        assert_eq!(seq, max, "{table}");
    }
    // Foreign keys still cascade into the rebuilt tables.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA foreign_keys = ON; DELETE FROM zl_employee WHERE id = 41;")
        .unwrap();
    assert_eq!(scalar::<i64>(&path, "SELECT COUNT(*) FROM zl_relation"), 0);
    assert_eq!(scalar::<i64>(&path, "SELECT COUNT(*) FROM zl_radar"), 0);

    let fresh = dir.path().join("fresh").join("leida.db");
    drop(Db::open(&fresh).expect("fresh"));
    assert_eq!(schema_of(&path), schema_of(&fresh));
}
