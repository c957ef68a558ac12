//! The salesperson's radar: by time, by customer, counts, and the unread feed.

use crate::common::{Signer, TestApp};

struct Scene {
    app: TestApp,
    boss: Signer,
    customers: Vec<Signer>,
}

/// Two customers act on the boss's card; a second salesperson has one event of their own.
fn scene() -> Scene {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let customers = vec![app.customer("c1"), app.customer("c2")];
    let act = |c: &Signer, endpoint: &str| {
        let uri = c.uri(
            &format!("/zhugeleida/xiaochengxu/{endpoint}"),
            &format!("uid={}", boss.user_id),
        );
        assert_eq!(app.get(&uri)["code"], 200);
    };
    act(&customers[0], "mingpian");
    act(&customers[0], "mingpian");
    act(&customers[0], "mingpian/praise");
    act(&customers[1], "mingpian/forward");
    let nick = customers[0].uri("/zhugeleida/xiaochengxu/login/send_user_info", "");
    assert_eq!(
        app.post_form(&nick, "username=%E5%BC%A0%E8%81%AA")["code"],
        200
    );
    let other = app.admin("other", "别的公司");
    let uri = customers[1].uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", other.user_id),
    );
    assert_eq!(app.get(&uri)["code"], 200);
    Scene {
        app,
        boss,
        customers,
    }
}

#[test]
fn action_time_lists_the_signers_events_newest_first() {
    let s = scene();
    let json = s
        .app
        .get(&s.boss.uri("/zhugeleida/qiyeweixin/action/time", ""));
    assert_eq!(json["code"], 200);
    assert_eq!(
        json["data"]["data_count"], 4,
        "the other company's event is not here"
    );
    let rows = json["data"]["ret_data"].as_array().unwrap();
    assert_eq!(rows[0]["log"], "微信用户转发了你的名片,你的人脉圈正在裂变");
    assert_eq!(rows[0]["customer_id"], s.customers[1].user_id);
    assert_eq!(rows[3]["log"], "张聪首次查看您的名片,沟通从此刻开始");
    assert_eq!(rows[3]["user_id"], s.boss.user_id);
    assert!(
        rows[3]["create_date"].as_str().unwrap().len() == 23,
        "2018-06-13T11:49:57.123"
    );
}

#[test]
fn action_time_filters_and_pages() {
    let s = scene();
    let get = |extra: &str| {
        s.app
            .get(&s.boss.uri("/zhugeleida/qiyeweixin/action/time", extra))
    };
    assert_eq!(get("action=1")["data"]["data_count"], 2);
    assert_eq!(get("action=9")["data"]["data_count"], 1);
    let page = get("length=3&current_page=2");
    assert_eq!(page["data"]["data_count"], 4);
    assert_eq!(page["data"]["ret_data"].as_array().unwrap().len(), 1);
    assert_eq!(get("create_date__gte=2999-01-01")["data"]["data_count"], 0);
    assert_eq!(get("create_date__lt=2000-01-01")["data"]["data_count"], 0);
    assert_eq!(
        get("create_date__gte=2000-01-01&create_date__lt=2999-01-01")["data"]["data_count"],
        4
    );
    assert_eq!(
        get("create_date__gte=2000-01-01%2008:00:00")["data"]["data_count"],
        4
    );
    assert_eq!(get("action=x")["code"], 301);
    assert_eq!(get("action=13")["code"], 303);
    assert_eq!(get("create_date__gte=yesterday")["code"], 301);
    assert_eq!(get("length=0")["code"], 303);
}

#[test]
fn action_customer_groups_by_customer_busiest_first() {
    let s = scene();
    let json = s
        .app
        .get(&s.boss.uri("/zhugeleida/qiyeweixin/action/customer", ""));
    let rows = json["data"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["customer_id"], s.customers[0].user_id);
    assert_eq!(rows[0]["totalCount"], 3);
    assert_eq!(rows[0]["customer__username"], "张聪");
    assert_eq!(rows[0]["detail"]["1"]["count"], 2);
    assert_eq!(rows[0]["detail"]["1"]["name"], "查看名片");
    assert_eq!(rows[0]["detail"]["9"]["count"], 1);
    assert_eq!(rows[1]["detail"]["6"]["count"], 1);
}

#[test]
fn action_count_counts_by_action() {
    let s = scene();
    let json = s
        .app
        .get(&s.boss.uri("/zhugeleida/qiyeweixin/action/count", ""));
    let data = &json["data"][0];
    assert_eq!(data["action"]["6"], "转发名片");
    assert_eq!(data["action"]["12"], "复制邮箱");
    assert_eq!(data["detail"]["1"], 2);
    assert_eq!(data["detail"]["6"], 1);
    assert_eq!(data["detail"]["9"], 1);
    assert!(data["detail"].get("5").is_none());
    assert_eq!(data["user_id"], s.boss.user_id.to_string());
    let none = s.app.get(&s.boss.uri(
        "/zhugeleida/qiyeweixin/action/count",
        "create_date__gte=2999-01-01",
    ));
    assert_eq!(none["data"][0]["detail"], serde_json::json!({}));
}

#[test]
fn get_new_log_returns_the_unread_events_once() {
    let s = scene();
    let uri = |extra: &str| {
        s.boss
            .uri("/zhugeleida/qiyeweixin/action/get_new_log", extra)
    };
    let praise = s.app.get(&uri("action=9"));
    assert_eq!(praise["data"]["data_count"], 1);
    assert_eq!(praise["data"]["ret_data"][0]["action"], "觉得靠谱");
    let rest = s.app.get(&uri(""));
    assert_eq!(rest["data"]["data_count"], 3);
    assert_eq!(s.app.get(&uri(""))["data"]["data_count"], 0);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM zl_radar WHERE is_new_msg = 1"),
        1,
        "the other salesperson's stays unread"
    );
}
