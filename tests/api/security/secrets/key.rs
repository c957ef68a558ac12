//! The key: `encryption_key` or a key file made once beside the database; a wrong one stops
//! the start with the operator's message, and a restore needs the backup's.

use std::path::{Path, PathBuf};

use leida::ops::backup::{backup, restore};
use leida::secrets::{key_path, Secrets, MP_SECRET, WRONG_KEY};
use rocket::figment::Figment;
use rocket::local::blocking::Client;

const KEY_A: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const KEY_B: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn config(dir: &Path, key: &str) -> Figment {
    rocket::Config::figment()
        .merge(("db_path", dir.join("leida.db")))
        .merge(("data_dir", dir.join("files")))
        .merge(("log_level", "off"))
        .merge(("encryption_key", key))
}

/// A server on `dir` with key `key` whose company saved a mini-program secret.
fn saved_secret(dir: &Path, key: &str) {
    let client = Client::tracked(leida::build(config(dir, key)).expect("starts")).unwrap();
    let hash = leida::password::hash("S3cret-pw").unwrap();
    let conn = rusqlite::Connection::open(dir.join("leida.db")).unwrap();
    leida::zhuge::data::admin::ensure_admin(&conn, "boss", &hash, Some("合众康桥")).unwrap();
    let secrets = client.rocket().state::<leida::db::Db>().unwrap().secrets();
    let sealed = secrets.seal(MP_SECRET, "mp-secret").unwrap();
    conn.execute(
        "UPDATE zl_company SET mp_appid = 'wx-own', mp_secret = ?1",
        [sealed],
    )
    .unwrap();
}

#[test]
fn a_malformed_encryption_key_refuses_to_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "abc",
        &"zz".repeat(32),
        &"a".repeat(63),
        &format!("+{}", &KEY_A[1..]),
    ] {
        let err = leida::build(config(dir.path(), bad)).expect_err("refused");
        assert!(err.contains("encryption_key"), "{bad}: {err}");
    }
}

#[test]
fn a_key_that_does_not_open_the_database_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    saved_secret(dir.path(), KEY_A);
    let db_path = dir.path().join("leida.db");
    assert!(
        !key_path(&db_path).exists(),
        "a configured key writes no key file"
    );
    for key in [KEY_B, ""] {
        let err = leida::build(config(dir.path(), key)).expect_err("refused");
        assert!(err.contains(WRONG_KEY), "{key:?}: {err}");
    }
    let err = leida::db::Db::open(&db_path)
        .err()
        .expect("the CLI refuses too");
    assert!(err.contains(WRONG_KEY), "{err}");
    assert!(leida::build(config(dir.path(), KEY_A)).is_ok());
}

#[cfg(unix)]
#[test]
fn the_key_file_is_made_once_private_and_racing_starts_share_it() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db_path: PathBuf = dir.path().join("sub").join("leida.db");
    let loaded: Vec<Secrets> = std::thread::scope(|s| {
        let racers: Vec<_> = (0..8)
            .map(|_| s.spawn(|| Secrets::load(&db_path, "").expect("load")))
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let sealed = loaded[0].seal(MP_SECRET, "x").unwrap();
    assert!(
        loaded.iter().all(|k| k.opens(MP_SECRET, &sealed)),
        "one key"
    );
    let file = key_path(&db_path);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.trim().len(), 64);
    let leftovers = std::fs::read_dir(file.parent().unwrap()).unwrap().count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
    let later = Secrets::load(&db_path, "").unwrap();
    assert!(later.opens(MP_SECRET, &sealed), "read, not made again");
}

#[test]
fn a_backup_with_secrets_is_restored_only_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    saved_secret(&old, "");
    let file = dir.path().join("backup.db");
    backup(&old.join("leida.db"), &file).unwrap();

    let new = dir.path().join("new").join("leida.db");
    std::fs::create_dir_all(new.parent().unwrap()).unwrap();
    let err = restore(&new, &file, None).unwrap_err();
    assert!(err.contains(".key"), "{err}");
    let other = Secrets::from_hex(KEY_B, "test").unwrap();
    let err = restore(&new, &file, Some(&other)).unwrap_err();
    assert!(err.contains(WRONG_KEY), "{err}");
    assert!(!new.exists(), "nothing was replaced");

    std::fs::copy(key_path(&old.join("leida.db")), key_path(&new)).unwrap();
    let key = Secrets::load_existing(&new, "").unwrap();
    restore(&new, &file, key.as_ref()).expect("restored with the key");
    let db = leida::db::Db::open(&new).expect("starts with the copied key");
    let sealed: String = db
        .reader()
        .unwrap()
        .query_row("SELECT mp_secret FROM zl_company", [], |r| r.get(0))
        .unwrap();
    assert_eq!(db.secrets().open(MP_SECRET, &sealed).unwrap(), "mp-secret");
}
