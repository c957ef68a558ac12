//! Demands and tags: publish, modify, delete, check, acquire; owners only.

use rocket::http::Method;
use serde_json::{json, Value};

use super::{app_with_pay, call, done, get, order, pay_order, post, publish, refused, register};
use crate::common::TestApp;

#[test]
fn tags_are_seeded_from_one_and_listed_on_both_sides() {
    let app = TestApp::new();
    for side in ["user", "consultant"] {
        let tags = done(call(
            &app,
            Method::Get,
            &format!("/api/{side}/tag/list"),
            "",
            None,
        ));
        assert!(tags.len() >= 8, "{tags:?}");
        assert_eq!(tags[0]["tag_id"], 1);
        assert!(tags[0]["name"].as_str().is_some_and(|n| !n.is_empty()));
    }
}

#[test]
fn a_buyer_publishes_and_checks_their_demands_with_the_seeds_fields() {
    let app = TestApp::new();
    let buyer = register(&app, "user", "zhangsan");
    let first = publish(&app, &buyer, "first");
    let body = format!(
        "user_id={}&tag_id=2&title=second&content=more&price=12.5",
        buyer.id
    );
    let second = done(post(&app, "/api/user/post/publish", &body, &buyer.token))[0]
        .as_i64()
        .unwrap();

    let posts = done(get(
        &app,
        &format!("/api/user/post/check?user_id={}", buyer.id),
        &buyer.token,
    ));
    assert_eq!(posts.len(), 2);
    let newest = &posts[0];
    assert_eq!(newest["post_id"], second);
    assert_eq!(newest["tag_id"], json!([2]));
    assert_eq!(newest["title"], "second");
    assert_eq!(newest["summary"], "more");
    assert_eq!(newest["price"], "12.50");
    for field in ["create_time", "update_time"] {
        assert!(
            newest[field].as_str().is_some_and(|t| t.contains('T')),
            "{newest}"
        );
    }
    assert_eq!(posts[1]["post_id"], first);
    assert_eq!(posts[1]["tag_id"], json!([1, 3]));
    assert_eq!(posts[1]["price"], "88.00");

    // Another buyer sees only their own.
    let other = register(&app, "user", "lisi");
    assert_eq!(
        done(get(&app, "/api/user/post/check", &other.token)),
        Vec::<Value>::new()
    );
    refused(
        &get(
            &app,
            &format!("/api/user/post/check?user_id={}", buyer.id),
            &other.token,
        ),
        403,
        "user_id",
    );
}

#[test]
fn publish_refusals_name_the_field_and_write_nothing() {
    let app = TestApp::new();
    refused(
        &call(
            &app,
            Method::Post,
            "/api/user/post/publish",
            "tag_id=1&title=t&content=c&price=1",
            None,
        ),
        400,
        "请先登录",
    );
    let buyer = register(&app, "user", "zhangsan");
    let cases = [
        ("tag_id=1&content=c&price=1", 303, "title"),
        ("tag_id=1&title=t&price=1", 303, "content"),
        ("title=t&content=c&price=1", 303, "tag_id"),
        ("tag_id=1&title=t&content=c", 303, "price"),
        ("tag_id=1&title=t&content=c&price=1.234", 303, "price"),
        ("tag_id=1&title=t&content=c&price=-3", 303, "price"),
        ("tag_id=1&title=t&content=c&price=0", 303, "price"),
        ("tag_id=99&title=t&content=c&price=1", 302, "标签 99"),
        (
            "tag_id=%5B1%2C99%5D&title=t&content=c&price=1",
            302,
            "标签 99",
        ),
        ("tag_id=%5B%5D&title=t&content=c&price=1", 303, "tag_id"),
        ("tag_id=abc&title=t&content=c&price=1", 301, "tag_id"),
        (
            "user_id=999&tag_id=1&title=t&content=c&price=1",
            403,
            "user_id",
        ),
    ];
    for (body, code, words) in cases {
        refused(
            &post(&app, "/api/user/post/publish", body, &buyer.token),
            code,
            words,
        );
    }
    let consultant = register(&app, "consultant", "wang");
    refused(
        &post(
            &app,
            "/api/user/post/publish",
            "tag_id=1&title=t&content=c&price=1",
            &consultant.token,
        ),
        403,
        "买家",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM cs_post"), 0);
}

#[test]
fn only_the_owner_modifies_and_the_price_is_frozen_by_an_order() {
    let app = TestApp::new();
    let buyer = register(&app, "user", "zhangsan");
    let id = publish(&app, &buyer, "before");
    let body = format!("post_id={id}&tag_id=4&title=after&content=changed&price=99.90");
    done(post(&app, "/api/user/post/modify", &body, &buyer.token));
    let posts = done(get(&app, "/api/user/post/check", &buyer.token));
    assert_eq!(posts[0]["title"], "after");
    assert_eq!(posts[0]["summary"], "changed");
    assert_eq!(posts[0]["tag_id"], json!([4]));
    assert_eq!(posts[0]["price"], "99.90");

    let other = register(&app, "user", "lisi");
    refused(
        &post(&app, "/api/user/post/modify", &body, &other.token),
        403,
        "自己",
    );
    let missing = "post_id=999&tag_id=4&title=x&content=y";
    refused(
        &post(&app, "/api/user/post/modify", missing, &buyer.token),
        302,
        "需求不存在",
    );
    refused(
        &post(
            &app,
            "/api/user/post/modify",
            &format!("post_id={id}&tag_id=4&content=y"),
            &buyer.token,
        ),
        303,
        "title",
    );

    order(&app, &buyer, id, "");
    let repriced = format!("post_id={id}&tag_id=4&title=after&content=changed&price=1");
    refused(
        &post(&app, "/api/user/post/modify", &repriced, &buyer.token),
        303,
        "价格",
    );
    let same_price = format!("post_id={id}&tag_id=4&title=again&content=changed&price=99.9");
    done(post(
        &app,
        "/api/user/post/modify",
        &same_price,
        &buyer.token,
    ));
}

#[test]
fn delete_takes_delete_or_post_and_spares_paid_demands() {
    let app = app_with_pay();
    let buyer = register(&app, "user", "zhangsan");
    let other = register(&app, "user", "lisi");
    let first = publish(&app, &buyer, "first");
    let second = publish(&app, &buyer, "second");
    let third = publish(&app, &buyer, "third");

    refused(
        &call(
            &app,
            Method::Delete,
            "/api/user/post/delete",
            &format!("post_id={first}"),
            Some(&other.token),
        ),
        403,
        "自己",
    );
    done(call(
        &app,
        Method::Delete,
        "/api/user/post/delete",
        &format!("post_id={first}"),
        Some(&buyer.token),
    ));
    done(post(
        &app,
        "/api/user/post/delete",
        &format!("post_id={second}"),
        &buyer.token,
    ));
    refused(
        &post(
            &app,
            "/api/user/post/delete",
            &format!("post_id={second}"),
            &buyer.token,
        ),
        302,
        "需求不存在",
    );
    refused(
        &post(&app, "/api/user/post/delete", "", &buyer.token),
        303,
        "post_id",
    );

    let unpaid = order(&app, &buyer, third, "");
    refused(
        &post(
            &app,
            "/api/user/post/delete",
            &format!("post_id={third}"),
            &buyer.token,
        ),
        403,
        "取消订单",
    );
    pay_order(&app, unpaid);
    refused(
        &post(
            &app,
            "/api/user/post/delete",
            &format!("post_id={third}"),
            &buyer.token,
        ),
        403,
        "付款",
    );
    done(post(
        &app,
        "/api/user/order/cancel",
        &format!("order_id={unpaid}"),
        &buyer.token,
    ));
    refused(
        &post(
            &app,
            "/api/user/post/delete",
            &format!("post_id={third}"),
            &buyer.token,
        ),
        403,
        "付款",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM cs_post"), 1);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM cs_post_tag WHERE post_id = {first}"
        )),
        0
    );
}

#[test]
fn acquire_lists_the_open_demands_of_a_tag_to_anyone_signed_in() {
    let app = app_with_pay();
    let buyer = register(&app, "user", "zhangsan");
    let consultant = register(&app, "consultant", "wang");
    let taken = publish(&app, &buyer, "taken");
    let open = publish(&app, &buyer, "open");
    let paid = order(&app, &buyer, taken, "");
    pay_order(&app, paid);
    done(post(
        &app,
        "/api/consultant/order/accept",
        &format!("order_id={paid}"),
        &consultant.token,
    ));

    for token in [&consultant.token, &buyer.token] {
        let posts = done(get(&app, "/api/user/post/acquire?tag_id=3", token));
        assert_eq!(posts.len(), 1, "{posts:?}");
        let post = &posts[0];
        assert_eq!(post["post_id"], open);
        assert_eq!(post["user_id"], buyer.id);
        assert_eq!(post["title"], "open");
        assert_eq!(post["summary"], "details");
        assert_eq!(post["price"], "88.00");
        assert!(post["create_time"].is_string());
    }
    assert_eq!(
        done(get(
            &app,
            "/api/user/post/acquire?tag_id=2",
            &consultant.token
        )),
        Vec::<Value>::new()
    );
    refused(
        &get(&app, "/api/user/post/acquire?tag_id=99", &consultant.token),
        302,
        "标签",
    );
    refused(
        &get(&app, "/api/user/post/acquire", &consultant.token),
        303,
        "tag_id",
    );
    refused(
        &get(&app, "/api/user/post/acquire?tag_id=1", "nope"),
        400,
        "登录",
    );
}
