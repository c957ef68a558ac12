//! A customer opens, likes and forwards a card; every action is a radar event.

use rocket::local::asynchronous::Client;

use crate::common::{Signer, TestApp};

struct Scene {
    app: TestApp,
    boss: Signer,
    customer: Signer,
}

fn scene() -> Scene {
    let app = TestApp::new();
    let (boss, customer) = app.boss_and_customer();
    Scene {
        app,
        boss,
        customer,
    }
}

impl Scene {
    fn act(&self, endpoint: &str) -> serde_json::Value {
        let uri = self.customer.uri(
            &format!("/zhugeleida/xiaochengxu/{endpoint}"),
            &format!("uid={}", self.boss.user_id),
        );
        self.app.get(&uri)
    }

    fn remarks(&self) -> Vec<(i64, String)> {
        let db = self.app.db();
        let mut stmt = db
            .prepare("SELECT action, remark FROM zl_radar ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

#[test]
fn viewing_a_card_shows_it_and_counts_each_view() {
    let s = scene();
    for _ in 0..4 {
        assert_eq!(s.act("mingpian")["code"], 200);
    }
    let json = s.act("mingpian");
    let card = &json["data"]["ret_data"][0];
    assert_eq!(json["data"]["data_count"], 1);
    assert_eq!(card["id"], s.boss.user_id);
    assert_eq!(card["username"], "boss");
    assert_eq!(card["company"], "合众康桥");
    assert_eq!(card["popularity_num"], 5, "the answer includes this view");
    assert_eq!(card["is_praise"], false);
    assert!(card["photo"].is_array() && card["tag"].is_array());
    let remarks: Vec<String> = s.remarks().into_iter().map(|(_, r)| r).collect();
    assert_eq!(
        remarks,
        [
            "首次查看您的名片,沟通从此刻开始",
            "查看您的名片第2次,把握深度交流的机会",
            "查看您的名片第3次,建议标注重点客户",
            "查看您的名片第4次,成交在望",
            "查看您的名片第5次,成交在望",
        ]
    );
}

#[test]
fn card_refusals_change_nothing() {
    let s = scene();
    let customer = &s.customer;
    assert_eq!(
        s.app
            .get(&customer.uri("/zhugeleida/xiaochengxu/mingpian", "uid=999"))["code"],
        302
    );
    assert_eq!(
        s.app
            .get(&customer.uri("/zhugeleida/xiaochengxu/mingpian", "uid=x"))["code"],
        301
    );
    assert_eq!(
        s.app
            .get(&customer.uri("/zhugeleida/xiaochengxu/mingpian", ""))["code"],
        303
    );
    assert_eq!(
        s.app
            .get(&customer.uri("/zhugeleida/xiaochengxu/mingpian/praise", "uid=999"))["code"],
        302
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_radar"), 0);
    assert_eq!(
        s.app.count("SELECT popularity + praise FROM zl_employee"),
        0
    );
}

#[test]
fn praise_toggles() {
    let s = scene();
    let first = s.act("mingpian/praise");
    assert_eq!(first["data"]["ret_data"]["is_praise"], true);
    assert_eq!(first["data"]["ret_data"]["praise_num"], 1);
    let second = s.act("mingpian/praise");
    assert_eq!(second["data"]["ret_data"]["is_praise"], false);
    assert_eq!(second["data"]["ret_data"]["praise_num"], 0);
    assert_eq!(
        s.act("mingpian/praise")["data"]["ret_data"]["praise_num"],
        1
    );
    assert_eq!(
        s.remarks(),
        [
            (9, "觉得您非常靠谱".into()),
            (9, "取消了给你的靠谱评价".into()),
            (9, "觉得您非常靠谱".into())
        ]
    );
    assert_eq!(s.act("mingpian")["data"]["ret_data"][0]["is_praise"], true);
}

#[test]
fn forwarding_counts_and_the_signature_is_liked_once() {
    let s = scene();
    s.act("mingpian/forward");
    assert_eq!(
        s.act("mingpian/forward")["data"]["ret_data"]["forward_num"],
        2
    );
    let liked = s.act("mingpian/up_sign");
    assert_eq!(liked["msg"], "记录日志成功");
    assert_eq!(liked["data"]["ret_data"]["sign_num"], 1);
    let again = s.act("mingpian/up_sign");
    assert_eq!(again["msg"], "已经点过赞");
    assert_eq!(again["data"]["ret_data"]["sign_num"], 1);
    assert_eq!(
        s.remarks(),
        [
            (6, "转发了你的名片,你的人脉圈正在裂变".into()),
            (6, "转发了你的名片,你的人脉圈正在裂变".into()),
            (9, "赞了你的个性签名".into()),
        ]
    );
    assert_eq!(s.act("mingpian")["data"]["ret_data"][0]["is_sign"], true);
}

#[test]
fn calling_copying_wechat_and_saving_the_phone_are_logged() {
    let s = scene();
    for endpoint in [
        "mingpian/calling",
        "mingpian/save_wechat",
        "mingpian/save_phone",
    ] {
        let json = s.act(endpoint);
        assert_eq!(json["msg"], "记录日志成功", "{endpoint}");
    }
    assert_eq!(
        s.remarks(),
        [
            (10, "拨打您的手机".into()),
            (5, "复制了您的微信,留意微信新朋友消息".into()),
            (8, "保存了您的电话,可以考虑拜访".into()),
        ]
    );
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM zl_relation WHERE last_activity_time IS NOT NULL"),
        1
    );
}

#[test]
fn the_customers_cards_are_listed() {
    let s = scene();
    let json = s
        .app
        .get(&s.customer.uri("/zhugeleida/xiaochengxu/mingpian/all", ""));
    assert_eq!(json["data"]["data_count"], 1);
    let card = &json["data"]["ret_data"][0];
    assert_eq!(card["id"], s.boss.user_id);
    assert_eq!(card["source"], "扫码");
    assert_eq!(card["company"], "合众康桥");
}

#[test]
fn counters_stay_exact_under_concurrent_requests() {
    let s = scene();
    let TestApp { client, dir } = s.app;
    let rocket = client.terminate();
    let runtime = rocket::tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        concurrent_views_and_praises(rocket, &s.customer, s.boss.user_id).await;
    });
    let db = rusqlite::Connection::open(dir.path().join("db/leida.db")).unwrap();
    let (popularity, praise): (i64, i64) = db
        .query_row("SELECT popularity, praise FROM zl_employee", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(popularity, 20);
    assert_eq!(praise, 0, "20 toggles end where they started");
    let events: i64 = db
        .query_row("SELECT COUNT(*) FROM zl_radar", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, 40);
}

async fn concurrent_views_and_praises(
    rocket: rocket::Rocket<rocket::Ignite>,
    customer: &Signer,
    uid: i64,
) {
    let client = std::sync::Arc::new(Client::tracked(rocket).await.unwrap());
    let mut tasks = rocket::tokio::task::JoinSet::new();
    for i in 0..40 {
        let endpoint = if i % 2 == 0 {
            "mingpian"
        } else {
            "mingpian/praise"
        };
        let uri = customer.uri(
            &format!("/zhugeleida/xiaochengxu/{endpoint}"),
            &format!("uid={uid}"),
        );
        let client = client.clone();
        tasks.spawn(async move {
            let json: serde_json::Value =
                client.get(uri).dispatch().await.into_json().await.unwrap();
            assert_eq!(json["code"], 200);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}
