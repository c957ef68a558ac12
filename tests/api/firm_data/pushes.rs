//! No radar push is queued for a company that cannot send it: neither its own Work WeChat
//! nor the configured one.

use crate::common::{FakeServer, TestApp};

fn view_card(app: &TestApp) -> i64 {
    let (boss, customer) = app.boss_and_customer();
    app.db()
        .execute(
            "UPDATE zl_employee SET userid = 'zhangsan' WHERE id = ?1",
            [boss.user_id],
        )
        .unwrap();
    let view = customer.uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", boss.user_id),
    );
    assert_eq!(app.get(&view)["code"], 200);
    assert!(app.count("SELECT COUNT(*) FROM zl_radar") >= 1);
    app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'work_text'")
}

#[test]
fn a_company_without_work_wechat_queues_no_push() {
    let app = TestApp::new();
    assert_eq!(view_card(&app), 0);
}

#[test]
fn a_corp_id_without_its_agent_is_not_a_work_wechat() {
    let app = TestApp::with(|f| f.merge(("work_wechat_corpid", "corp")));
    assert_eq!(view_card(&app), 0);
}

#[test]
fn the_configured_work_wechat_carries_the_push() {
    let fake = FakeServer::start(|_| (200, r#"{"errcode":40001}"#.to_string()));
    let url = fake.url.clone();
    let app = TestApp::with(move |f| {
        f.merge(("work_wechat_api", url))
            .merge(("work_wechat_corpid", "corp"))
            .merge(("work_wechat_secret", "s"))
            .merge(("work_wechat_agentid", "1000002"))
    });
    assert_eq!(view_card(&app), 1);
}

#[test]
fn the_companys_own_work_wechat_carries_the_push() {
    let app = TestApp::new();
    let (boss, customer) = app.boss_and_customer();
    let sealed = app
        .secrets()
        .seal(leida::secrets::WORK_SECRET, "own")
        .unwrap();
    app.db()
        .execute(
            "UPDATE zl_company SET work_corp_id = 'own-corp', work_secret = ?1, work_agent_id = '7'",
            [sealed],
        )
        .unwrap();
    app.db()
        .execute(
            "UPDATE zl_employee SET userid = 'zhangsan' WHERE id = ?1",
            [boss.user_id],
        )
        .unwrap();
    let view = customer.uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", boss.user_id),
    );
    assert_eq!(app.get(&view)["code"], 200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE kind = 'work_text'"),
        1
    );
}
