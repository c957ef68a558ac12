//! The outbox: queued messages reach WeChat with a cached access token, a refused token is
//! renewed once, failures are retried later and never lost, Work WeChat pushes coalesce.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use leida::outbox::{enqueue, Account, Message};
use serde_json::json;

use crate::common::{wait_for, FakeServer, TestApp};

fn template(touser: &str) -> Message {
    Message::MiniTemplate {
        account: Account::Config,
        appid: "wx-app".into(),
        body: json!({"touser": touser, "template_id": "T1", "form_id": "F1", "data": {}}),
    }
}

fn app_with(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_api", url.clone()))
            .merge(("work_wechat_api", url))
            .merge(("wechat_appid", "wx-app"))
            .merge(("wechat_secret", "app-secret"))
            .merge(("work_wechat_corpid", "corp1"))
            .merge(("work_wechat_secret", "corp-secret"))
            .merge(("work_wechat_agentid", "1000002"))
    })
}

#[test]
fn a_template_message_is_sent_once_with_a_cached_token() {
    let fake = FakeServer::start(|r| match r.path.as_str() {
        "/cgi-bin/token" => (
            200,
            json!({"access_token": "TOKEN-1", "expires_in": 7200}).to_string(),
        ),
        _ => (200, json!({"errcode": 0, "errmsg": "ok"}).to_string()),
    });
    let app = app_with(&fake);
    enqueue(&app.db(), &template("o-1")).unwrap();
    enqueue(&app.db(), &template("o-2")).unwrap();

    let sent = || fake.calls("/cgi-bin/message/wxopen/template/send");
    wait_for("two template messages", || sent().len() == 2);
    let calls = sent();
    assert_eq!(calls[0].param("access_token").as_deref(), Some("TOKEN-1"));
    let body: serde_json::Value = serde_json::from_str(&calls[0].body).unwrap();
    assert_eq!(body["touser"], "o-1");
    assert_eq!(body["form_id"], "F1");

    let token = fake.calls("/cgi-bin/token");
    assert_eq!(token.len(), 1, "the token is fetched once and cached");
    assert_eq!(token[0].param("secret").as_deref(), Some("app-secret"));
    wait_for("both marked sent", || {
        app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL") == 2
    });
}

#[test]
fn a_refused_token_is_renewed_and_the_call_repeated_once() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let issued = tokens.clone();
    let fake = FakeServer::start(move |r| match r.path.as_str() {
        "/cgi-bin/token" => {
            let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
            (
                200,
                json!({"access_token": format!("TOKEN-{n}"), "expires_in": 7200}).to_string(),
            )
        }
        _ if r.param("access_token").as_deref() == Some("TOKEN-1") => (
            200,
            json!({"errcode": 40001, "errmsg": "invalid credential"}).to_string(),
        ),
        _ => (200, json!({"errcode": 0}).to_string()),
    });
    let app = app_with(&fake);
    enqueue(&app.db(), &template("o-1")).unwrap();
    wait_for("the message marked sent", || {
        app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL") == 1
    });
    let sends = fake.calls("/cgi-bin/message/wxopen/template/send");
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[1].param("access_token").as_deref(), Some("TOKEN-2"));
}

#[test]
fn a_failed_send_is_kept_for_a_later_try() {
    let fake = FakeServer::start(|r| match r.path.as_str() {
        "/cgi-bin/token" => (
            200,
            json!({"access_token": "T", "expires_in": 7200}).to_string(),
        ),
        _ => (
            200,
            json!({"errcode": 41028, "errmsg": "invalid form id"}).to_string(),
        ),
    });
    let app = app_with(&fake);
    enqueue(&app.db(), &template("o-1")).unwrap();
    wait_for("a failed attempt", || {
        app.count("SELECT COUNT(*) FROM outbox WHERE attempts = 1") == 1
    });
    let (sent, error, next): (Option<String>, String, i64) = app
        .db()
        .query_row(
            "SELECT sent_at, last_error, next_try_at FROM outbox",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(sent.is_none());
    assert!(error.contains("41028"), "{error}");
    assert!(
        next > chrono::Utc::now().timestamp(),
        "retried later, with backoff"
    );
}

#[test]
fn work_wechat_pushes_to_one_member_are_coalesced() {
    let fake = FakeServer::start(|r| match r.path.as_str() {
        "/cgi-bin/gettoken" => (
            200,
            json!({"errcode": 0, "access_token": "W", "expires_in": 7200}).to_string(),
        ),
        _ => (200, json!({"errcode": 0}).to_string()),
    });
    let app = app_with(&fake);
    let conn = app.db();
    // Queued in one transaction, as a burst of radar events would be.
    conn.execute_batch("BEGIN").unwrap();
    for n in 1..=3 {
        let push = Message::WorkText {
            account: Account::Config,
            corpid: "corp1".into(),
            agentid: "1000002".into(),
            touser: "zhangsan".into(),
            content: format!("event {n}"),
        };
        enqueue(&conn, &push).unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    wait_for("all three marked sent", || {
        app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL") == 3
    });
    let sends = fake.calls("/cgi-bin/message/send");
    assert_eq!(sends.len(), 1, "one message for the three events");
    let body: serde_json::Value = serde_json::from_str(&sends[0].body).unwrap();
    assert_eq!(body["touser"], "zhangsan");
    assert_eq!(body["agentid"], 1000002);
    assert_eq!(body["text"]["content"], "event 1\nevent 2\nevent 3");
    let token = fake.calls("/cgi-bin/gettoken");
    assert_eq!(token[0].param("corpsecret").as_deref(), Some("corp-secret"));
}

#[test]
fn a_push_without_work_wechat_configured_is_given_up_without_a_call() {
    let fake = FakeServer::start(|_| (200, json!({"errcode": 0}).to_string()));
    let app = TestApp::new();
    let push = Message::WorkText {
        account: Account::Config,
        corpid: String::new(),
        agentid: String::new(),
        touser: "zhangsan".into(),
        content: "x".into(),
    };
    enqueue(&app.db(), &push).unwrap();
    wait_for("the push given up", || {
        app.count("SELECT COUNT(*) FROM outbox WHERE attempts = 6 AND sent_at IS NULL") == 1
    });
    let error: String = app
        .db()
        .query_row("SELECT last_error FROM outbox", [], |r| r.get(0))
        .unwrap();
    assert!(error.contains("未配置企业微信"), "{error}");
    assert!(fake.requests().is_empty());
}

#[test]
fn the_senders_poll_walks_the_pending_index_without_sorting_the_backlog() {
    let app = TestApp::new();
    let conn = app.db();
    let plan: Vec<String> = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", leida::outbox::DUE))
        .unwrap()
        .query_map([i64::MAX], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let plan = plan.join(" | ");
    assert!(plan.contains("outbox_pending"), "{plan}");
    assert!(!plan.contains("TEMP B-TREE"), "{plan}");

    // Given-up and sent rows are out of the poll; a due one is in.
    conn.execute_batch(
        "INSERT INTO outbox (kind, recipient, payload, attempts, next_try_at, created_at, sent_at)
         VALUES ('work_text', 'r', '{}', 6, 0, 'x', NULL), ('work_text', 'r', '{}', 1, 0, 'x', 'y'),
                ('work_text', 'r', '{}', 2, 0, 'x', NULL), ('work_text', 'r', '{}', 0, 9999999999, 'x', NULL);",
    )
    .unwrap();
    let due: Vec<i64> = conn
        .prepare(leida::outbox::DUE)
        .unwrap()
        .query_map([1_000_000_000i64], |r| r.get(2))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(due, [2], "only the retrying row that is due");
}
