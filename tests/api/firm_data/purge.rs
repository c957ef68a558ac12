//! Purging a firm erases it and what only it had; the other firm's rows stay byte-identical.

use leida::zhuge::firm::{firm, purge, remove_unreferenced, Children};
use rusqlite::Connection;

use super::Firms;

/// Every table with rows of a firm, and how the test (not the code under test) finds the
/// rows of company `?1`.
const ROWS_OF: &[(&str, &str)] = &[
    ("zl_company", "id = ?1"),
    ("zl_role", "company_id = ?1"),
    (
        "zl_role_permission",
        "role_id IN (SELECT id FROM zl_role WHERE company_id = ?1)",
    ),
    ("zl_employee", "company_id = ?1"),
    (
        "zl_relation",
        "user_id IN (SELECT id FROM zl_employee WHERE company_id = ?1)",
    ),
    (
        "zl_radar",
        "user_id IN (SELECT id FROM zl_employee WHERE company_id = ?1)",
    ),
    (
        "zl_radar_daily",
        "user_id IN (SELECT id FROM zl_employee WHERE company_id = ?1)",
    ),
    (
        "zl_radar_customer_total",
        "user_id IN (SELECT id FROM zl_employee WHERE company_id = ?1)",
    ),
    (
        "zl_radar_customer_tally",
        "user_id IN (SELECT id FROM zl_employee WHERE company_id = ?1)",
    ),
    (
        "zl_card_view",
        "user_id IN (SELECT id FROM zl_employee WHERE company_id = ?1)",
    ),
    (
        "zl_chat",
        "user_id IN (SELECT id FROM zl_employee WHERE company_id = ?1)",
    ),
    ("zl_customer_note", "company_id = ?1"),
    ("zl_product", "company_id = ?1"),
    (
        "zl_customer",
        "id IN (SELECT r.customer_id FROM zl_relation r JOIN zl_employee e
                            ON e.id = r.user_id WHERE e.company_id = ?1)",
    ),
];

/// md5 of every row of company `id`, table by table, in rowid order, every column.
fn fingerprint(conn: &Connection, id: i64) -> Vec<(String, usize, String)> {
    ROWS_OF
        .iter()
        .map(|(table, filter)| {
            let mut stmt = conn
                .prepare(&format!(
                    "SELECT * FROM {table} WHERE {filter} ORDER BY 1, 2"
                ))
                .unwrap();
            let columns = stmt.column_count();
            let mut rows = stmt.query([id]).unwrap();
            let (mut digest, mut n) = (md5::Context::new(), 0);
            while let Some(row) = rows.next().unwrap() {
                for i in 0..columns {
                    digest.consume(format!("{:?}|", row.get_ref(i).unwrap()));
                }
                digest.consume("\n");
                n += 1;
            }
            (table.to_string(), n, format!("{:x}", digest.finalize()))
        })
        .collect()
}

fn purge_company(
    f: &Firms,
    id: i64,
    children: Children,
) -> Result<leida::zhuge::firm::Purged, String> {
    let mut conn = f.app.db();
    conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
    let tx = conn.transaction().unwrap();
    let firm = firm(&tx, id, children).map_err(|e| format!("{} {}", e.code.number(), e.msg))?;
    let purged = purge(&tx, &firm).map_err(|e| e.msg.to_string())?;
    tx.commit().unwrap();
    Ok(purged)
}

#[test]
fn purge_erases_the_firm_and_leaves_the_other_byte_identical() {
    let f = Firms::new();
    let conn = f.app.db();
    let before = fingerprint(&conn, f.b_company);
    assert!(
        before.iter().all(|(_, n, _)| *n > 0),
        "乙 has rows everywhere: {before:?}"
    );

    let purged = purge_company(&f, f.a_company, Children::Refuse).unwrap();
    let files = remove_unreferenced(&conn, &f.data_dir(), purged.files).unwrap();

    assert_eq!(
        fingerprint(&conn, f.b_company),
        before,
        "乙's rows are untouched"
    );
    assert!(
        fingerprint(&conn, f.a_company)
            .iter()
            .all(|(_, n, _)| *n == 0),
        "nothing of 甲 is left"
    );
    assert_eq!(
        f.app.count(&format!(
            "SELECT COUNT(*) FROM zl_customer WHERE id = {}",
            f.only_a.user_id
        )),
        0
    );
    assert_eq!(
        f.app.count(&format!(
            "SELECT COUNT(*) FROM zl_customer WHERE id = {}",
            f.both.user_id
        )),
        1
    );
    assert_eq!(purged.customers_kept, 1);
    assert_eq!(
        f.app
            .count("SELECT COUNT(*) FROM zl_customer_note WHERE mem = '甲的备注'"),
        0
    );
    assert_eq!(
        f.app
            .count("SELECT COUNT(*) FROM zl_customer_note WHERE mem = '乙的备注'"),
        1
    );
    assert_eq!(
        f.app.count("SELECT COUNT(*) FROM pragma_foreign_key_check"),
        0
    );
    assert_eq!(files, 1, "甲's picture is deleted after the commit");
    assert!(!f.data_dir().join(&f.picture).exists());
    let counted: usize = purged.tables.iter().map(|(_, n)| n).sum();
    assert!(counted > 10, "{:?}", purged.tables);

    // 乙 still works for the shared customer.
    let view = f.both.uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", f.b.user_id),
    );
    assert_eq!(f.app.get(&view)["code"], 200);
}

#[test]
fn a_customer_last_bound_to_the_purged_firm_moves_to_the_other() {
    let f = Firms::new();
    // `both` binds to 甲 again last: their company becomes 甲's.
    f.app
        .db()
        .execute(
            "UPDATE zl_customer SET company_id = ?1 WHERE id = ?2",
            [f.a_company, f.both.user_id],
        )
        .unwrap();
    purge_company(&f, f.a_company, Children::Refuse).unwrap();
    assert_eq!(
        f.app.count(&format!(
            "SELECT company_id FROM zl_customer WHERE id = {}",
            f.both.user_id
        )),
        f.b_company
    );
}

#[test]
fn child_companies_are_named_and_purged_only_when_asked() {
    let f = Firms::new();
    let added = f.app.post_form(
        &f.a.uri("/zhugeleida/qiyeweixin/company/add/0", ""),
        "name=甲的分公司",
    );
    assert_eq!(added["code"], 200, "{added}");
    let child = added["data"]["company_id"].as_i64().unwrap();

    let refused = purge_company(&f, f.a_company, Children::Refuse).unwrap_err();
    assert!(
        refused.starts_with("304")
            && refused.contains("甲的分公司")
            && refused.contains(&child.to_string()),
        "{refused}"
    );
    assert_eq!(
        f.app.count(&format!(
            "SELECT COUNT(*) FROM zl_company WHERE id = {}",
            f.a_company
        )),
        1,
        "nothing changed"
    );

    purge_company(&f, f.a_company, Children::Include).unwrap();
    assert_eq!(
        f.app.count(&format!(
            "SELECT COUNT(*) FROM zl_company WHERE id IN ({}, {child})",
            f.a_company
        )),
        0
    );
    assert_eq!(
        f.app.count(&format!(
            "SELECT COUNT(*) FROM zl_company WHERE id = {}",
            f.b_company
        )),
        1
    );
}

#[test]
fn an_unknown_company_is_refused() {
    let f = Firms::new();
    let refused = purge_company(&f, 9999, Children::Refuse).unwrap_err();
    assert!(refused.starts_with("302"), "{refused}");
}
