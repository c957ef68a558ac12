//! One company's credentials are never another's: a contested appid or corp id is saved
//! only with a secret WeChat accepts, each message is sent with its own company's app, and
//! cached tokens are named after the secret they were fetched with.

use leida::config::Settings;
use leida::outbox::{enqueue, Account, Message};
use leida::secrets::{MP_SECRET, WORK_SECRET};
use leida::zhuge::data::notice::{push_to_salesperson, Pushes};
use serde_json::{json, Value};

use crate::common::{wait_for, FakeServer, Signer, TestApp};

/// A fake WeChat that knows company A's apps and the configured ones.
fn fake_wechat() -> FakeServer {
    FakeServer::start(|r| {
        let token = |t: &str| json!({"errcode": 0, "access_token": t, "expires_in": 7200});
        let answer = match (r.path.as_str(), r.param("secret"), r.param("corpsecret")) {
            ("/cgi-bin/gettoken", _, Some(s)) if s == "secret-A" => token("TA"),
            ("/cgi-bin/gettoken", _, Some(s)) if s == "config-secret" => token("TC"),
            ("/cgi-bin/token", Some(s), _) if s == "mini-A" => token("MA"),
            ("/cgi-bin/token", Some(s), _) if s == "mini-config" => token("MC"),
            ("/cgi-bin/gettoken" | "/cgi-bin/token", ..) => {
                json!({"errcode": 40001, "errmsg": "invalid credential"})
            }
            _ => json!({"errcode": 0, "errmsg": "ok"}),
        };
        (200, answer.to_string())
    })
}

fn app_with(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_api", url.clone()))
            .merge(("work_wechat_api", url))
            .merge(("wechat_appid", "wx-config"))
            .merge(("wechat_secret", "mini-config"))
            .merge(("work_wechat_corpid", "corp-config"))
            .merge(("work_wechat_secret", "config-secret"))
            .merge(("work_wechat_agentid", "1000009"))
    })
}

fn save(app: &TestApp, who: &Signer, body: &str) -> Value {
    app.post_form(
        &who.uri("/zhugeleida/qiyeweixin/company/credentials", ""),
        body,
    )
}

fn company_of(app: &TestApp, who: &Signer) -> i64 {
    app.count(&format!(
        "SELECT company_id FROM zl_employee WHERE id = {}",
        who.user_id
    ))
}

/// Company `id` given `corpid` with a made-up secret, as the old endpoint allowed.
fn plant_work(app: &TestApp, id: i64, corpid: &str, agentid: &str) {
    let bogus = app.secrets().seal(WORK_SECRET, "bogus").unwrap();
    app.db()
        .execute(
            "UPDATE zl_company SET work_corp_id = ?2, work_secret = ?3, work_agent_id = ?4 WHERE id = ?1",
            rusqlite::params![id, corpid, bogus, agentid],
        )
        .unwrap();
}

fn push(app: &TestApp, who: &Signer, userid: &str, text: &str) {
    let conn = app.db();
    conn.execute(
        "UPDATE zl_employee SET userid = ?2 WHERE id = ?1",
        rusqlite::params![who.user_id, userid],
    )
    .unwrap();
    let settings = app.client.rocket().state::<Settings>().unwrap();
    push_to_salesperson(&conn, Pushes::of(settings), who.user_id, || {
        Ok(text.to_string())
    })
    .unwrap();
}

/// `(access_token, touser, content)` of every Work WeChat text sent.
fn texts(fake: &FakeServer) -> Vec<(String, String, String)> {
    fake.calls("/cgi-bin/message/send")
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_str(&r.body).unwrap();
            let field = |k: &str| body[k].as_str().unwrap_or_default().to_string();
            (
                r.param("access_token").unwrap_or_default(),
                field("touser"),
                body["text"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

fn finished(app: &TestApp) -> bool {
    app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND attempts = 0") == 0
}

#[test]
fn a_used_or_configured_id_is_saved_only_with_a_secret_wechat_accepts() {
    let fake = fake_wechat();
    let app = app_with(&fake);
    let a = app.admin("a", "甲公司");
    let b = app.admin("b", "乙公司");
    let first = save(
        &app,
        &a,
        "work_corp_id=corp-A&work_secret=secret-A&mp_appid=wx-A&mp_secret=mini-A",
    );
    assert_eq!(first["code"], 200, "an unused id needs no call: {first}");
    assert!(fake.requests().is_empty());

    for body in [
        "work_corp_id=corp-A&work_secret=bogus",
        "work_corp_id=corp-A",
        "work_corp_id=corp-config&work_secret=bogus",
        "mp_appid=wx-A&mp_secret=bogus",
        "mp_appid=wx-config&mp_secret=bogus",
    ] {
        let refused = save(&app, &b, body);
        assert_eq!(refused["code"], 303, "{body}: {refused}");
    }
    let b_row: String = app
        .db()
        .query_row(
            "SELECT work_corp_id || mp_appid || work_secret || mp_secret FROM zl_company WHERE id = ?1",
            [company_of(&app, &b)],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(b_row, "", "nothing of a refused save is kept");

    let proven = save(
        &app,
        &b,
        "work_corp_id=corp-A&work_secret=secret-A&work_agent_id=1000002",
    );
    assert_eq!(proven["code"], 200, "{proven}");
    let proven = save(&app, &b, "mp_appid=wx-config&mp_secret=mini-config");
    assert_eq!(proven["code"], 200, "{proven}");
    let refused = save(&app, &b, "work_secret=bogus");
    assert_eq!(
        refused["code"], 303,
        "a new secret for a contested id is checked too"
    );
}

#[test]
fn company_b_never_sends_with_company_a_secret_or_token() {
    let fake = fake_wechat();
    let app = app_with(&fake);
    let a = app.admin("a", "甲公司");
    let b = app.admin("b", "乙公司");
    let saved = save(
        &app,
        &a,
        "work_corp_id=corp-A&work_secret=secret-A&work_agent_id=1000002",
    );
    assert_eq!(saved["code"], 200, "{saved}");
    plant_work(&app, company_of(&app, &b), "corp-A", "1000002");

    push(&app, &a, "alice", "客户张三查看了名片");
    wait_for("A's push", || texts(&fake).len() == 1);
    push(&app, &b, "alice", "attacker text");
    wait_for("B's push tried", || finished(&app));

    assert_eq!(
        texts(&fake),
        [(
            "TA".to_string(),
            "alice".to_string(),
            "客户张三查看了名片".to_string()
        )]
    );
    let secrets: Vec<String> = fake
        .calls("/cgi-bin/gettoken")
        .iter()
        .filter_map(|r| r.param("corpsecret"))
        .collect();
    assert_eq!(secrets[0], "secret-A");
    assert!(secrets[1..].iter().all(|s| s == "bogus"), "{secrets:?}");
    let error: String = app
        .db()
        .query_row(
            "SELECT last_error FROM outbox WHERE sent_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(error.contains("40001"), "{error}");
}

#[test]
fn a_bogus_secret_for_the_configured_corp_does_not_break_other_companies() {
    let fake = fake_wechat();
    let app = app_with(&fake);
    let b = app.admin("b", "乙公司");
    let c = app.admin("c", "丙公司");
    plant_work(&app, company_of(&app, &b), "corp-config", "1000009");

    push(&app, &b, "bob", "from b");
    push(&app, &c, "carol", "from c");
    wait_for("C's push", || !texts(&fake).is_empty());
    wait_for("B's push tried", || finished(&app));
    assert_eq!(
        texts(&fake),
        [("TC".to_string(), "carol".to_string(), "from c".to_string())]
    );
    let body: Value = serde_json::from_str(&fake.calls("/cgi-bin/message/send")[0].body).unwrap();
    assert_eq!(body["agentid"], 1000009);
}

#[test]
fn a_mini_program_token_is_never_lent_to_a_company_with_a_wrong_secret() {
    let fake = fake_wechat();
    let app = app_with(&fake);
    let a = app.admin("a", "甲公司");
    let b = app.admin("b", "乙公司");
    assert_eq!(
        save(&app, &a, "mp_appid=wx-A&mp_secret=mini-A")["code"],
        200
    );
    let bogus = app.secrets().seal(MP_SECRET, "bogus").unwrap();
    app.db()
        .execute(
            "UPDATE zl_company SET mp_appid = 'wx-A', mp_secret = ?2 WHERE id = ?1",
            rusqlite::params![company_of(&app, &b), bogus],
        )
        .unwrap();
    let template = |company: i64, touser: &str| Message::MiniTemplate {
        account: Account::Company(company),
        appid: "wx-A".into(),
        body: json!({"touser": touser, "template_id": "T", "form_id": "F", "data": {}}),
    };
    enqueue(&app.db(), &template(company_of(&app, &a), "o-a")).unwrap();
    wait_for("A's notice", || {
        fake.calls("/cgi-bin/message/wxopen/template/send").len() == 1
    });
    enqueue(&app.db(), &template(company_of(&app, &b), "o-b")).unwrap();
    wait_for("B's notice tried", || finished(&app));

    let sent = fake.calls("/cgi-bin/message/wxopen/template/send");
    assert_eq!(sent.len(), 1, "B's notice is not sent with A's token");
    assert_eq!(sent[0].param("access_token").as_deref(), Some("MA"));
    let asked: Vec<String> = fake
        .calls("/cgi-bin/token")
        .iter()
        .filter_map(|r| r.param("secret"))
        .collect();
    assert_eq!(asked[0], "mini-A");
    assert!(asked[1..].iter().all(|s| s == "bogus"), "{asked:?}");
}

#[test]
fn messages_queued_before_the_upgrade_still_send_and_never_guess_an_owner() {
    let fake = fake_wechat();
    let app = app_with(&fake);
    let a = app.admin("a", "甲公司");
    assert_eq!(
        save(
            &app,
            &a,
            "work_corp_id=corp-A&work_secret=secret-A&work_agent_id=1000002"
        )["code"],
        200
    );
    // Payloads as the previous version wrote them: no account.
    let old = [
        json!({"kind": "work_text", "corpid": "", "agentid": "", "touser": "u-config", "content": "default"}),
        json!({"kind": "work_text", "corpid": "corp-A", "agentid": "1000002", "touser": "u-a", "content": "own"}),
        json!({"kind": "mini_template", "appid": "wx-config", "body": {"touser": "o-1", "template_id": "T", "form_id": "F", "data": {}}}),
    ];
    let conn = app.db();
    for (n, payload) in old.iter().enumerate() {
        conn.execute(
            "INSERT INTO outbox (kind, recipient, payload, next_try_at, created_at)
             VALUES (?1, ?2, ?3, 0, 'then')",
            rusqlite::params![
                payload["kind"].as_str(),
                format!("old-{n}"),
                payload.to_string()
            ],
        )
        .unwrap();
    }
    wait_for("all three sent", || {
        app.count("SELECT COUNT(*) FROM outbox WHERE sent_at IS NOT NULL") == 3
    });
    let mut sent = texts(&fake);
    sent.sort();
    assert_eq!(
        sent,
        [
            ("TA".to_string(), "u-a".to_string(), "own".to_string()),
            (
                "TC".to_string(),
                "u-config".to_string(),
                "default".to_string()
            ),
        ]
    );
    let notice = &fake.calls("/cgi-bin/message/wxopen/template/send")[0];
    assert_eq!(notice.param("access_token").as_deref(), Some("MC"));

    // Once two companies hold corp-A, an old message names no owner: it is not guessed.
    let b = app.admin("b", "乙公司");
    plant_work(&app, company_of(&app, &b), "corp-A", "1000002");
    let payload = json!({"kind": "work_text", "corpid": "corp-A", "agentid": "1000002", "touser": "u-a", "content": "whose?"});
    conn.execute(
        "INSERT INTO outbox (kind, recipient, payload, next_try_at, created_at)
         VALUES ('work_text', 'old2', ?1, 0, 'then')",
        [payload.to_string()],
    )
    .unwrap();
    wait_for("given up", || {
        app.count("SELECT COUNT(*) FROM outbox WHERE recipient = 'old2' AND attempts = 6") == 1
    });
    assert_eq!(texts(&fake).len(), 2, "nothing more was sent");
}
