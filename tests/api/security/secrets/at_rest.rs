//! App secrets, Work WeChat secrets and merchant keys are sealed at rest: a copy of the
//! database (or of a backup) alone holds none of them, and an older database is sealed on
//! its first start.

use std::path::Path;

use leida::config::Settings;
use leida::db::Db;
use leida::ops::backup::backup;
use leida::ops::credentials;
use leida::secrets::{Secrets, MP_SECRET, PAY_KEY, SEALED, WORK_SECRET};
use leida::wechat::WeChat;
use rusqlite::Connection;
use serde_json::json;

use super::{database_bytes, found_in, wal};
use crate::common::{FakeServer, TestApp};

const MP: &str = "MpSecretA1b2C3d4E5f6";
const WORK: &str = "WorkSecretZ9y8X7w6V5";
const PAY: &str = "PayKey0123456789abcdefghijKLMNOP";

fn backup_bytes(db_path: &Path, dir: &Path) -> Vec<u8> {
    let file = dir.join("backup.db");
    backup(db_path, &file).expect("backup");
    std::fs::read(file).unwrap()
}

/// Answers `jscode2session` as WeChat does for a right secret (40029 for the dummy code).
fn fake_wechat() -> FakeServer {
    FakeServer::start(|r| {
        let right = r.param("secret").as_deref() == Some(MP)
            || r.param("corpsecret").as_deref() == Some(WORK);
        let answer = match (r.path.as_str(), right) {
            ("/sns/jscode2session", true) => json!({"errcode": 40029, "errmsg": "invalid code"}),
            ("/cgi-bin/gettoken", true) => {
                json!({"errcode": 0, "access_token": "T", "expires_in": 7200})
            }
            _ => json!({"errcode": 40125, "errmsg": "invalid appsecret"}),
        };
        (200, answer.to_string())
    })
}

#[test]
fn secrets_sent_to_the_endpoints_are_in_no_database_file_nor_a_backup() {
    let fake = fake_wechat();
    let url = fake.url.clone();
    let app = TestApp::with(|f| {
        f.merge(("wechat_api", url.clone()))
            .merge(("work_wechat_api", url))
    });
    let boss = app.admin("boss", "合众康桥");
    let saved = app.post_form(
        &boss.uri("/zhugeleida/qiyeweixin/company/credentials", ""),
        &format!("mp_appid=wx-own&mp_secret={MP}&work_corp_id=ww-own&work_secret={WORK}&work_agent_id=1000002"),
    );
    assert_eq!(saved["code"], 200, "{saved}");
    let shop = app.post_form(
        &boss.uri("/zhugeleida/xiaochengxu/jiChuSheZhiOper/addOrUpdate", ""),
        &format!("shangChengName=店&shangHuHao=1900000109&shangHuMiYao={PAY}"),
    );
    assert_eq!(shop["code"], 200, "{shop}");

    let db_path = app.dir.path().join("db").join("leida.db");
    let plain = [MP, WORK, PAY];
    assert_eq!(
        found_in(&database_bytes(&db_path), &plain),
        Vec::<&str>::new()
    );
    let copy = backup_bytes(&db_path, app.dir.path());
    assert_eq!(found_in(&copy, &plain), Vec::<&str>::new(), "the backup");

    let stored: (String, String) = app
        .db()
        .query_row("SELECT mp_secret, work_secret FROM zl_company", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert!(
        stored.0.starts_with(SEALED) && stored.1.starts_with(SEALED),
        "{stored:?}"
    );
    // A value sealed for one column does not open as another's.
    assert!(!app.secrets().opens(WORK_SECRET, &stored.0));

    // `leida check-credentials` opens them with the same key, found the same way.
    let settings = Settings {
        wechat_api: fake.url.clone(),
        work_wechat_api: fake.url.clone(),
        db_path: db_path.clone(),
        ..Settings::default()
    };
    let cli = Db::open_configured(&settings).expect("the CLI opens the database");
    let company = app.count("SELECT id FROM zl_company");
    let checks =
        credentials::check(&settings, &cli, &WeChat::new(&settings), Some(company)).unwrap();
    assert!(checks.iter().all(|c| c.ok), "{checks:?}");
}

/// Secrets as the previous version stored them: in plain text, including one of a company
/// deleted long ago, and left in a WAL that a crash did not fold back.
fn plain_database(path: &Path) -> Connection {
    drop(Db::open(path).expect("create"));
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA wal_autocheckpoint = 0;
         INSERT INTO zl_company (id, name, mp_appid, mp_secret, work_corp_id, work_secret, create_date)
             VALUES (7, '老公司', 'wx-old', '{MP}', 'ww-old', '{WORK}', 'now'),
                    (8, '已删除', 'wx-gone', 'GoneSecretQ1w2E3r4', '', '', 'now');
         INSERT INTO zl_shop_setting (company_id, shangChengName, shangHuMiYao, create_date)
             VALUES (7, '店', '{PAY}', 'now');
         INSERT INTO wechat_token (key, token, expires_at) VALUES ('mini:wx-old', 'TokenPlain42', 9999999999);
         DELETE FROM zl_company WHERE id = 8;"
    ))
    .unwrap();
    conn
}

#[test]
fn plain_secrets_of_an_older_version_are_sealed_on_first_start_and_leave_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leida.db");
    let old = plain_database(&path);
    let plain = [MP, WORK, PAY, "GoneSecretQ1w2E3r4", "TokenPlain42"];
    assert_eq!(
        found_in(&database_bytes(&path), &plain).len(),
        5,
        "the test sees them"
    );

    let db = Db::open(&path).expect("first start");
    assert_eq!(found_in(&database_bytes(&path), &plain), Vec::<&str>::new());
    assert_eq!(
        std::fs::metadata(wal(&path)).map(|m| m.len()).unwrap_or(0),
        0
    );
    assert_eq!(
        found_in(&backup_bytes(&path, dir.path()), &plain),
        Vec::<&str>::new()
    );
    drop(old);

    let read = |conn: &Connection| -> (String, String, String) {
        conn.query_row(
            "SELECT mp_secret, work_secret, shangHuMiYao FROM zl_company co
             JOIN zl_shop_setting s ON s.company_id = co.id WHERE co.id = 7",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    };
    let sealed = read(&db.reader().unwrap());
    let secrets = db.secrets();
    assert_eq!(secrets.open(MP_SECRET, &sealed.0).unwrap(), MP);
    assert_eq!(secrets.open(WORK_SECRET, &sealed.1).unwrap(), WORK);
    assert_eq!(secrets.open(PAY_KEY, &sealed.2).unwrap(), PAY);
    drop(db);
    // Idempotent: a second start seals nothing twice.
    let again = Db::open(&path).expect("second start");
    assert_eq!(read(&again.reader().unwrap()), sealed);
}

#[test]
fn a_stored_secret_that_does_not_open_is_refused_never_used_as_it_is() {
    let fake = fake_wechat();
    let url = fake.url.clone();
    let app = TestApp::with(|f| f.merge(("wechat_api", url)));
    app.admin("boss", "合众康桥");
    let company = app.count("SELECT company_id FROM zl_employee");
    let other_key = Secrets::from_hex(&"ab".repeat(32), "test").unwrap();
    for stored in [MP.to_string(), other_key.seal(MP_SECRET, MP).unwrap()] {
        app.db()
            .execute(
                "UPDATE zl_company SET mp_appid = 'wx-own', mp_secret = ?1",
                [&stored],
            )
            .unwrap();
        let login = app.get(&format!(
            "/zhugeleida/xiaochengxu/login?code=c1&user_type=2&source=1&company_id={company}"
        ));
        assert_eq!(login["code"], 500, "{login}");
        assert_eq!(
            login["msg"], "服务器内部错误",
            "nothing about the key leaks"
        );
    }
    assert!(
        fake.calls("/sns/jscode2session").is_empty(),
        "no call with a wrong secret"
    );
}
