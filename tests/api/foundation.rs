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
