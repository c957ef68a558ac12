//! The daily cleanup deletes only what is old, and the radar's tallies keep their counts.

use leida::retention::{run_on, Rules};
use rusqlite::Connection;

use crate::common::TestApp;

const OLD: &str = "2020-01-01T10:00:00.000";

fn rules(radar_keep_days: u32) -> Rules {
    Rules {
        outbox_keep_days: 7,
        radar_keep_days,
        now_ms: chrono::Utc::now().timestamp_millis(),
    }
}

fn now() -> String {
    leida::clock::now()
}

fn tallies(conn: &Connection) -> Vec<String> {
    [
        "zl_radar_daily",
        "zl_radar_customer_total",
        "zl_radar_customer_tally",
    ]
    .iter()
    .flat_map(|t| {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2, 3"))
            .unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect::<Vec<_>>()
    })
    .collect()
}

fn radar_events(app: &TestApp) -> Connection {
    let (boss, customer) = app.boss_and_customer();
    let conn = app.db();
    for (when, n) in [(OLD, 7), ("2020-01-02T09:00:00.000", 3)] {
        for i in 0..n {
            conn.execute(
                "INSERT INTO zl_radar (user_id, customer_id, action, remark, create_date) VALUES (?1, ?2, ?3, 'x', ?4)",
                rusqlite::params![boss.user_id, customer.user_id, 1 + i % 3, when],
            )
            .unwrap();
        }
    }
    let view = customer.uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", boss.user_id),
    );
    assert_eq!(app.get(&view)["code"], 200);
    conn
}

#[test]
fn old_radar_events_go_and_the_tallies_keep_their_counts() {
    let app = TestApp::new();
    let mut conn = radar_events(&app);
    let before = tallies(&conn);
    let total = app.count("SELECT COUNT(*) FROM zl_radar");

    run_on(&mut conn, &leida::retention_tasks(), &rules(30)).unwrap();

    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_radar WHERE create_date < '2021'"),
        0
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_radar"),
        total - 10,
        "the recent view stays"
    );
    assert_eq!(tallies(&conn), before, "the radar's numbers do not change");
    let answer = app.get(
        &app.login("boss", "S3cret-pw")
            .uri("/zhugeleida/qiyeweixin/action/count", ""),
    );
    assert_eq!(answer["code"], 200);
}

#[test]
fn radar_keep_days_zero_keeps_every_event() {
    let app = TestApp::new();
    let mut conn = radar_events(&app);
    let total = app.count("SELECT COUNT(*) FROM zl_radar");
    run_on(&mut conn, &leida::retention_tasks(), &rules(0)).unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_radar"), total);
}

#[test]
fn pruning_deletes_only_what_is_old() {
    // The server stopped first: its own start-up cleanup must not race this one for the rows.
    let TestApp { client, dir } = TestApp::new();
    drop(client);
    let mut conn = Connection::open(dir.path().join("db").join("leida.db")).unwrap();
    let recent = now();
    let now_ms = chrono::Utc::now().timestamp_millis();
    conn.execute_batch(&format!(
        "INSERT INTO outbox (kind, recipient, payload, attempts, next_try_at, created_at, sent_at) VALUES
           ('work_text', 'sent-old', '{{}}', 1, 0, '{OLD}', '{OLD}'),
           ('work_text', 'sent-new', '{{}}', 1, 0, '{OLD}', '{recent}'),
           ('work_text', 'gave-up-old', '{{}}', 6, 0, '{OLD}', NULL),
           ('work_text', 'gave-up-new', '{{}}', 6, 0, '{recent}', NULL),
           ('work_text', 'pending-old', '{{}}', 2, 9999999999, '{OLD}', NULL);
         INSERT INTO pay_notify (app, body, verdict, create_date) VALUES
           ('zhuge', 'refused-old', '签名无效', '{OLD}'),
           ('zhuge', 'refused-new', '签名无效', '{recent}'),
           ('zhuge', 'paid-old', '已支付', '{OLD}');
         INSERT INTO cs_sms_code (kind, phone, code, sent_ms, expires_ms) VALUES
           ('user', '13800000001', '111111', {old_ms}, {old_ms} + 300000),
           ('user', '13800000002', '222222', {now_ms}, {now_ms} + 300000);",
        old_ms = now_ms - 2 * 86_400_000,
    ))
    .unwrap();

    let counts = run_on(&mut conn, &leida::retention_tasks(), &rules(0)).unwrap();

    let left = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        left("SELECT recipient FROM outbox ORDER BY id"),
        vec!["sent-new", "gave-up-new", "pending-old"]
    );
    assert_eq!(
        left("SELECT body FROM pay_notify ORDER BY id"),
        vec!["refused-new", "paid-old"]
    );
    assert_eq!(left("SELECT phone FROM cs_sms_code"), vec!["13800000002"]);
    assert_eq!(counts[0], 2, "outbox rows pruned: {counts:?}");
}
