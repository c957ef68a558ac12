//! The server itself: health, envelopes for unknown paths and methods, static files, config.

use rocket::http::Status;

use crate::common::TestApp;

#[test]
fn healthz_answers_200_with_json() {
    let app = TestApp::new();
    let response = app.client.get("/healthz").dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.into_json::<serde_json::Value>().unwrap()["status"],
        "ok"
    );
}

#[test]
fn an_unknown_path_is_a_json_404_in_the_envelope() {
    let app = TestApp::new();
    let json = app.get("/zhugeleida/xiaochengxu/no-such-endpoint");
    assert_eq!(json["code"], 404);
    let json = app.get("/zhugeleida/qiyeweixin/action/nothing/here");
    assert_eq!(json["code"], 404);
}

#[test]
fn unknown_paths_under_the_shared_api_prefix_answer_in_the_owning_apps_envelope() {
    let app = TestApp::new();
    // One segment under `/api` is the repair app's (`/api/user`, `/api/login`).
    let json = app.get("/api/no-such-endpoint");
    assert_eq!(json["code"], 404, "{json}");
    assert!(
        json.get("data").is_some() && json.get("content").is_none(),
        "{json}"
    );
    let json = app.post_form("/api/user", "");
    assert!(
        json.get("data").is_some(),
        "repair's /api/user keeps its envelope: {json}"
    );
    // Deeper is the marketplace's: `/api/<side>/...`.
    for (path, code) in [
        ("/api/nobody/login", 402), // POST `/api/<side>/login` exists: the method is wrong
        ("/api/user/no-such-endpoint", 404),
        ("/api/a/b/c", 404),
    ] {
        let response = app.client.get(path).dispatch();
        assert_eq!(response.status(), Status::Ok, "{path}");
        let json: serde_json::Value = response.into_json().expect("JSON");
        assert_eq!(json["code"], code, "{path}: {json}");
        assert!(
            json["content"].is_array() && json.get("data").is_none(),
            "{path}: {json}"
        );
    }
}

#[test]
fn a_path_no_app_owns_is_a_real_404_with_a_json_body() {
    let app = TestApp::new();
    let response = app.client.get("/favicon.ico").dispatch();
    assert_eq!(response.status(), Status::NotFound);
    let json: serde_json::Value = response.into_json().expect("a JSON body");
    assert_eq!(json["code"], 404);
    assert!(
        json["msg"].as_str().is_some_and(|m| !m.is_empty()),
        "{json}"
    );
}

#[test]
fn a_known_path_with_the_wrong_method_is_402() {
    let app = TestApp::new();
    assert_eq!(
        app.post_form("/zhugeleida/xiaochengxu/mingpian", "uid=1")["code"],
        402
    );
    assert_eq!(app.get("/zhugeleida/admin/login")["code"], 402);
    assert_eq!(
        app.get("/zhugeleida/xiaochengxu/login/send_form_id")["code"],
        402
    );
}

#[test]
fn a_trailing_slash_reaches_the_same_route() {
    let app = TestApp::new();
    let json = app.get("/zhugeleida/xiaochengxu/login/?code=abc&user_type=2&source=1");
    assert_eq!(json["code"], 200, "{json}");
}

#[test]
fn statics_serve_bundled_assets_and_data_dir_files() {
    let app = TestApp::new();
    let response = app.client.get("/statics/imgs/setAvator.jpg").dispatch();
    assert_eq!(response.status(), Status::Ok);
    let bytes = response.into_bytes().unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a real JPEG");

    std::fs::create_dir_all(app.dir.path().join("files/posters")).unwrap();
    std::fs::write(app.dir.path().join("files/posters/a.txt"), "poster").unwrap();
    let response = app.client.get("/statics/posters/a.txt").dispatch();
    assert_eq!(response.into_string().unwrap(), "poster");
}

#[test]
fn static_paths_cannot_escape_their_folders() {
    let app = TestApp::new();
    std::fs::write(app.dir.path().join("secret.txt"), "secret").unwrap();
    for path in [
        "/statics/../secret.txt",
        "/statics/%2e%2e/secret.txt",
        "/statics/..%2fsecret.txt",
    ] {
        let response = app.client.get(path).dispatch();
        assert_ne!(response.status(), Status::Ok, "{path}");
        assert!(
            !response
                .into_string()
                .unwrap_or_default()
                .contains("secret"),
            "{path}"
        );
    }
}

#[test]
fn a_bad_config_value_stops_the_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let figment = rocket::Config::figment()
        .merge(("db_path", dir.path().join("leida.db")))
        .merge(("auth_max_skew_secs", "soon"));
    let err = leida::build(figment).expect_err("refused");
    assert!(err.contains("auth_max_skew_secs"), "{err}");

    let figment = rocket::Config::figment().merge(("wechat_api", "ftp://x"));
    let err = leida::build(figment).expect_err("refused");
    assert!(err.contains("wechat_api"), "{err}");
}

#[test]
fn numeric_values_are_accepted_for_text_keys() {
    let dir = tempfile::tempdir().unwrap();
    let figment = rocket::Config::figment()
        .merge(("db_path", dir.path().join("leida.db")))
        .merge(("data_dir", dir.path().join("files")))
        .merge(("work_wechat_agentid", 1000002))
        .merge(("pay_mch_id", 1900000109));
    assert!(leida::build(figment).is_ok());
}

#[test]
fn the_schema_is_created_with_wal_foreign_keys_and_a_version() {
    let app = TestApp::new();
    let conn = app.db();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, leida::db::schema::VERSION);
}

#[test]
fn a_database_newer_than_the_binary_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leida.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let err = leida::db::Db::open(&path).err().expect("refused");
    assert!(err.contains("999"), "{err}");
}

#[test]
fn the_demo_fills_every_business_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = leida::db::Db::open(&dir.path().join("leida.db")).unwrap();
    leida::demo::fill(&db).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("leida.db")).unwrap();
    let mut stmt = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'zl_%'")
        .unwrap();
    let tables: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for table in tables {
        let rows: i64 = conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert!(rows > 0, "{table} is empty after the demo");
    }
}

#[test]
fn a_failed_write_changes_nothing_while_its_neighbours_land() {
    let dir = tempfile::tempdir().unwrap();
    let db = leida::db::Db::open(&dir.path().join("leida.db")).unwrap();
    let runtime = rocket::tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut tasks = rocket::tokio::task::JoinSet::new();
        for i in 0..50i64 {
            let db = db.clone();
            tasks.spawn(async move {
                db.tx(move |c| {
                    c.execute(
                        "INSERT INTO zl_company (name, create_date) VALUES (?1, 'now')",
                        [format!("c{i}")],
                    )?;
                    if i % 2 == 1 {
                        return Err(leida::error::ApiError::invalid("i", "odd"));
                    }
                    Ok(())
                })
                .await
                .is_ok()
            });
        }
        let mut landed = 0;
        while let Some(ok) = tasks.join_next().await {
            landed += ok.unwrap() as i64;
        }
        assert_eq!(landed, 25);
    });
    let conn = rusqlite::Connection::open(dir.path().join("leida.db")).unwrap();
    let count: i64 = conn
        .query_row("SELECT COUNT(*) FROM zl_company", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 25, "only the even jobs' rows");
}
