//! The archive holds the firm's rows, credentials left out, and its files; none of another's.

use std::collections::HashMap;
use std::io::Read;

use leida::zhuge::firm::{export, firm, Children};
use rocket::http::{ContentType, Status};
use serde_json::Value;

use super::Firms;

/// `tables/<table>.jsonl` of an archive, parsed, and its other entries' names.
fn open(bytes: Vec<u8>) -> (HashMap<String, Vec<Value>>, Vec<String>) {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let (mut tables, mut others) = (HashMap::new(), Vec::new());
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut text = String::new();
        match name
            .strip_prefix("tables/")
            .and_then(|n| n.strip_suffix(".jsonl"))
        {
            Some(table) => {
                entry.read_to_string(&mut text).unwrap();
                let rows = text
                    .lines()
                    .map(|l| serde_json::from_str(l).unwrap())
                    .collect();
                tables.insert(table.to_string(), rows);
            }
            None => others.push(name),
        }
    }
    (tables, others)
}

fn ids(rows: &[Value], key: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = rows.iter().map(|r| r[key].as_i64().unwrap()).collect();
    ids.sort();
    ids
}

fn export_of(f: &Firms, company: i64) -> (HashMap<String, Vec<Value>>, Vec<String>) {
    let dest = f.app.dir.path().join("firm.zip");
    let conn = f.app.db();
    let firm = firm(&conn, company, Children::Refuse).unwrap();
    let done = export(&conn, &f.data_dir(), &firm, &dest).unwrap();
    assert_eq!(done.files, 1, "甲's picture is in the archive");
    open(std::fs::read(dest).unwrap())
}

#[test]
fn the_archive_holds_the_firms_rows_and_none_of_anothers() {
    let f = Firms::new();
    let (tables, others) = export_of(&f, f.a_company);

    assert_eq!(ids(&tables["zl_company"], "id"), vec![f.a_company]);
    assert_eq!(ids(&tables["zl_employee"], "id"), vec![f.a.user_id]);
    let mut customers = vec![f.only_a.user_id, f.both.user_id];
    customers.sort();
    assert_eq!(
        ids(&tables["zl_customer"], "id"),
        customers,
        "乙-only customers are not 甲's"
    );
    assert!(tables["zl_relation"]
        .iter()
        .all(|r| r["user_id"] == f.a.user_id));
    assert_eq!(tables["zl_relation"].len(), 2);
    assert_eq!(
        tables["zl_radar"].len(),
        tables["zl_radar"]
            .iter()
            .filter(|r| r["user_id"] == f.a.user_id)
            .count()
    );
    assert!(!tables["zl_radar"].is_empty() && !tables["zl_chat"].is_empty());
    assert!(tables["zl_chat"]
        .iter()
        .all(|r| r["user_id"] == f.a.user_id));
    let notes: Vec<&str> = tables["zl_customer_note"]
        .iter()
        .map(|r| r["mem"].as_str().unwrap())
        .collect();
    assert_eq!(
        notes,
        vec!["甲的备注"],
        "乙's note on the shared customer stays out"
    );
    let products: Vec<&str> = tables["zl_product"]
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(products, vec!["甲的产品"]);

    let text = serde_json::to_string(&tables).unwrap();
    for secret in [
        "password_hash",
        "\"token\"",
        "session_key",
        "mp_secret",
        "work_secret",
        "shangHuMiYao",
    ] {
        assert!(!text.contains(secret), "{secret} is not exported");
    }
    assert!(!text.contains("乙"), "nothing of 乙公司 is in 甲's archive");
    assert!(
        others.contains(&format!("media/{}", f.picture)),
        "{others:?}"
    );
    assert!(others.contains(&"manifest.json".to_string()));
}

#[test]
fn a_company_administrator_downloads_the_same_archive_from_the_console() {
    let f = Firms::new();
    let response = f
        .app
        .client
        .get(f.b.uri("/zhugeleida/admin/company/export", ""))
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.content_type(), Some(ContentType::ZIP));
    let disposition = response
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .to_string();
    assert!(
        disposition.contains(&format!("leida-company-{}-", f.b_company)),
        "{disposition}"
    );
    let (tables, _) = open(response.into_bytes().unwrap());
    assert_eq!(ids(&tables["zl_employee"], "id"), vec![f.b.user_id]);
    let mut customers = vec![f.both.user_id, f.only_b.user_id];
    customers.sort();
    assert_eq!(ids(&tables["zl_customer"], "id"), customers);
}

#[test]
fn the_download_needs_the_company_permission_and_a_signature() {
    let f = Firms::new();
    let role = f.app.post_form(
        &f.a.uri("/zhugeleida/qiyeweixin/role/add/0", ""),
        "name=sales",
    );
    assert_eq!(role["code"], 200, "{role}");
    let role_id = f.app.count("SELECT id FROM zl_role WHERE name = 'sales'");
    let added = f.app.post_form(
        &f.a.uri("/zhugeleida/qiyeweixin/user/add/0", ""),
        &format!("username=sales1&password=S3cret-pw&role_id={role_id}"),
    );
    assert_eq!(added["code"], 200, "{added}");
    let sales = f.app.login("sales1", "S3cret-pw");

    let refused = f
        .app
        .get(&sales.uri("/zhugeleida/admin/company/export", ""));
    assert_eq!(refused["code"], 403, "{refused}");
    let unsigned = f.app.get("/zhugeleida/admin/company/export");
    assert_eq!(unsigned["code"], 400, "{unsigned}");
    let leftovers = std::fs::read_dir(f.app.dir.path().join("db"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("export")
        })
        .count();
    assert_eq!(leftovers, 0, "no archive is left beside the database");
}
