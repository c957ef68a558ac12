//! `/statics/` serves the media folders the server writes and the bundled assets, never the
//! database, its companions or anything else under `data_dir`, whatever the layout.

use std::path::{Path, PathBuf};

use rocket::http::Status;

use crate::common::TestApp;

/// The default layout: the database inside `data_dir` (`data/leida.db`, `data`), or
/// `db_in` a folder under it.
fn app_with_db_in(db_in: &'static str) -> (TestApp, PathBuf) {
    let app = TestApp::with(move |f| {
        let data: PathBuf = f.extract_inner("data_dir").expect("data_dir");
        f.merge(("db_path", data.join(db_in).join("leida.db")))
    });
    let files = app.dir.path().join("files");
    // A write through the server, so the WAL and its index exist beside the database.
    app.customer("c1");
    (app, files)
}

fn status(app: &TestApp, uri: &str) -> Status {
    app.client.get(uri.to_string()).dispatch().status()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn the_database_and_its_companions_are_never_served_in_the_default_layout() {
    let (app, files) = app_with_db_in("");
    write(&files.join("notes.txt"), "operator notes");
    for name in [
        "leida.db",
        "leida.db-wal",
        "leida.db-shm",
        "leida.db.lock",
        "leida.db.key",
        "notes.txt",
    ] {
        assert!(files.join(name).is_file(), "{name} is on disk");
        let got = status(&app, &format!("/statics/{name}"));
        assert_eq!(got, Status::NotFound, "/statics/{name}");
    }
    for (rel, text) in [
        ("uploads/202611/a.png", "upload"),
        ("qr/b.png", "qr"),
        ("posters/c.png", "poster"),
    ] {
        write(&files.join(rel), text);
        let response = app.client.get(format!("/statics/{rel}")).dispatch();
        assert_eq!(response.into_string().as_deref(), Some(text), "{rel}");
    }
    assert_eq!(status(&app, "/statics/imgs/setAvator.jpg"), Status::Ok);
}

#[test]
fn a_database_kept_inside_a_media_folder_is_not_served() {
    let (app, files) = app_with_db_in("uploads");
    for name in ["leida.db", "leida.db-wal", "leida.db.key", "leida.db.lock"] {
        assert!(files.join("uploads").join(name).is_file(), "{name}");
        let got = status(&app, &format!("/statics/uploads/{name}"));
        assert_eq!(got, Status::NotFound, "{name}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlink_out_of_a_media_folder_is_not_followed_but_a_moved_media_folder_is() {
    use std::os::unix::fs::symlink;
    let (app, files) = app_with_db_in("");
    std::fs::create_dir_all(files.join("uploads")).unwrap();
    symlink(files.join("leida.db"), files.join("uploads/db.png")).unwrap();
    symlink(files.join("leida.db.key"), files.join("uploads/key.png")).unwrap();
    write(&app.dir.path().join("elsewhere.txt"), "outside");
    symlink(
        app.dir.path().join("elsewhere.txt"),
        files.join("uploads/out.png"),
    )
    .unwrap();
    for rel in ["uploads/db.png", "uploads/key.png", "uploads/out.png"] {
        assert_eq!(
            status(&app, &format!("/statics/{rel}")),
            Status::NotFound,
            "{rel}"
        );
    }
    // The operator keeps posters on another disk: the folder itself is a link.
    let disk = app.dir.path().join("other-disk");
    write(&disk.join("p.png"), "poster elsewhere");
    symlink(&disk, files.join("posters")).unwrap();
    let response = app.client.get("/statics/posters/p.png").dispatch();
    assert_eq!(response.into_string().as_deref(), Some("poster elsewhere"));
}
