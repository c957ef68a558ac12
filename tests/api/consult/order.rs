//! Orders: the server owns number, time, price and status; every transition of docs/consult.md's
//! table, allowed and refused, by the buyer and by consultants.

use rocket::http::Method;
use serde_json::Value;

use super::{
    app_with_pay, call, done, get, order, pay_order, post, publish, refused, register, status, Who,
};
use crate::common::TestApp;

/// A server with a buyer, two consultants and one published demand.
struct Market {
    app: TestApp,
    buyer: Who,
    wang: Who,
    zhao: Who,
    post_id: i64,
}

fn market() -> Market {
    let app = app_with_pay();
    let buyer = register(&app, "user", "zhangsan");
    let wang = register(&app, "consultant", "wang");
    let zhao = register(&app, "consultant", "zhao");
    let post_id = publish(&app, &buyer, "demand");
    Market {
        app,
        buyer,
        wang,
        zhao,
        post_id,
    }
}

impl Market {
    fn buyer_does(&self, action: &str, order_id: i64) -> Value {
        post(
            &self.app,
            &format!("/api/user/order/{action}"),
            &format!("order_id={order_id}"),
            &self.buyer.token,
        )
    }

    fn consultant_does(&self, who: &Who, action: &str, order_id: i64) -> Value {
        post(
            &self.app,
            &format!("/api/consultant/order/{action}"),
            &format!("order_id={order_id}"),
            &who.token,
        )
    }

    /// An order moved along the happy path up to `reach` (1 unpaid … 5 completed).
    fn order_at(&self, reach: i64) -> i64 {
        let id = order(&self.app, &self.buyer, self.post_id, "");
        if reach >= 2 {
            pay_order(&self.app, id);
        }
        if reach >= 3 {
            done(self.consultant_does(&self.wang, "accept", id));
        }
        if reach >= 4 {
            done(self.consultant_does(&self.wang, "deliver", id));
        }
        if reach >= 5 {
            done(self.buyer_does("confirm", id));
        }
        assert_eq!(status(&self.app, id), reach);
        id
    }
}

#[test]
fn the_server_owns_number_time_price_and_status() {
    let m = market();
    let body = format!(
        "post_id={}&order_no=MINE&create_time=2001-01-01&status=5&price=88.00&consultant_id={}",
        m.post_id, m.wang.id
    );
    let id = done(post(&m.app, "/api/user/order/add", &body, &m.buyer.token))[0]
        .as_i64()
        .unwrap();
    let orders = done(get(&m.app, "/api/user/order/list", &m.buyer.token));
    assert_eq!(orders.len(), 1);
    let listed = &orders[0];
    assert_eq!(listed["order_id"], id);
    assert_eq!(listed["status"], 1);
    assert_eq!(listed["status_name"], "待付款");
    assert_eq!(listed["price"], "88.00");
    assert_eq!(listed["consultant_id"], m.wang.id);
    assert_eq!(listed["title"], "demand");
    assert!(listed["order_no"].as_str().unwrap().starts_with("CS"));
    assert!(!listed["create_time"].as_str().unwrap().starts_with("2001"));
    assert!(listed["paid_time"].is_null());
}

#[test]
fn order_add_refusals() {
    let m = market();
    let other = register(&m.app, "user", "lisi");
    let p = m.post_id;
    let cases: [(&Who, String, i64, &str); 6] = [
        (&other, format!("post_id={p}"), 403, "自己"),
        (&m.buyer, "post_id=999".into(), 302, "需求不存在"),
        (&m.buyer, "".into(), 303, "post_id"),
        (&m.buyer, format!("post_id={p}&price=1.00"), 303, "price"),
        (
            &m.buyer,
            format!("post_id={p}&consultant_id={}", other.id),
            302,
            "顾问不存在",
        ),
        (
            &m.buyer,
            format!("post_id={p}&consultant_id=abc"),
            301,
            "consultant_id",
        ),
    ];
    for (who, body, code, words) in cases {
        refused(
            &post(&m.app, "/api/user/order/add", &body, &who.token),
            code,
            words,
        );
    }
    refused(
        &post(
            &m.app,
            "/api/user/order/add",
            &format!("post_id={p}"),
            &m.wang.token,
        ),
        403,
        "买家",
    );
    assert_eq!(m.app.count("SELECT COUNT(*) FROM cs_order"), 0);

    order(&m.app, &m.buyer, p, "");
    refused(
        &post(
            &m.app,
            "/api/user/order/add",
            &format!("post_id={p}"),
            &m.buyer.token,
        ),
        303,
        "未完成的订单",
    );
    assert_eq!(m.app.count("SELECT COUNT(*) FROM cs_order"), 1);
}

#[test]
fn the_happy_path_from_unpaid_to_completed() {
    let m = market();
    let id = order(&m.app, &m.buyer, m.post_id, "");
    pay_order(&m.app, id);
    assert_eq!(status(&m.app, id), 2);
    for who in [&m.wang, &m.zhao] {
        let offered = done(get(&m.app, "/api/consultant/order/offered", &who.token));
        assert_eq!(
            offered.len(),
            1,
            "an open order is offered to every consultant"
        );
        assert_eq!(offered[0]["status_name"], "待接单");
    }
    assert_eq!(
        done(m.consultant_does(&m.wang, "accept", id)),
        vec![Value::from(id)]
    );
    assert_eq!(
        done(get(&m.app, "/api/consultant/order/offered", &m.zhao.token)),
        Vec::<Value>::new()
    );
    let taken = done(get(&m.app, "/api/consultant/order/taken", &m.wang.token));
    assert_eq!((taken.len(), taken[0]["status"].as_i64()), (1, Some(3)));
    done(m.consultant_does(&m.wang, "deliver", id));
    assert_eq!(status(&m.app, id), 4);
    done(m.buyer_does("confirm", id));
    assert_eq!(status(&m.app, id), 5);
    let listed = done(get(&m.app, "/api/user/order/list", &m.buyer.token));
    assert_eq!(listed[0]["status_name"], "已完成");
    assert!(listed[0]["paid_time"].is_string());
}

#[test]
fn an_order_offered_to_one_consultant_is_theirs_alone() {
    let m = market();
    let id = order(
        &m.app,
        &m.buyer,
        m.post_id,
        &format!("&consultant_id={}", m.wang.id),
    );
    refused(&m.consultant_does(&m.wang, "accept", id), 303, "待付款");
    pay_order(&m.app, id);
    assert_eq!(
        done(get(&m.app, "/api/consultant/order/offered", &m.zhao.token)),
        Vec::<Value>::new()
    );
    assert_eq!(
        done(get(&m.app, "/api/consultant/order/offered", &m.wang.token)).len(),
        1
    );
    refused(&m.consultant_does(&m.zhao, "accept", id), 403, "其他顾问");
    done(m.consultant_does(&m.wang, "accept", id));
    refused(&m.consultant_does(&m.wang, "accept", id), 303, "进行中");
    refused(&m.consultant_does(&m.zhao, "deliver", id), 403, "自己");
    refused(
        &m.consultant_does(&m.wang, "accept", 999),
        302,
        "订单不存在",
    );
    refused(&m.buyer_does("confirm", id), 303, "确认完成");
    done(m.consultant_does(&m.wang, "deliver", id));
    refused(&m.consultant_does(&m.wang, "deliver", id), 303, "待确认");
    refused(
        &post(&m.app, "/api/consultant/order/accept", "", &m.wang.token),
        303,
        "order_id",
    );
}

#[test]
fn deliver_needs_an_accepted_order() {
    let m = market();
    let paid = m.order_at(2);
    refused(&m.consultant_does(&m.wang, "deliver", paid), 403, "自己");
    assert_eq!(status(&m.app, paid), 2);
}

#[test]
fn cancelling_unpaid_cancels_and_paid_or_accepted_asks_a_refund() {
    let m = market();
    let unpaid = m.order_at(1);
    done(m.buyer_does("cancel", unpaid));
    assert_eq!(status(&m.app, unpaid), 6);
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_refund"), 0);
    refused(&m.buyer_does("cancel", unpaid), 303, "已取消");

    let paid = m.order_at(2);
    // The seed's own field name: `post_id`, described as the order's id. Without a merchant
    // that can refund by API the refund is recorded for the seller, and the answer says so.
    let answer = done(post(
        &m.app,
        "/api/user/order/cancel",
        &format!("post_id={paid}"),
        &m.buyer.token,
    ));
    assert_eq!(answer[0]["refund"], "recorded");
    assert!(answer[0]["refund_msg"]
        .as_str()
        .unwrap()
        .contains("商户平台"));
    assert_eq!(status(&m.app, paid), 7);
    assert_eq!(
        m.app.count(&format!(
            "SELECT COUNT(*) FROM pay_refund WHERE app = 'consult' AND order_id = {paid}
             AND refund_fen = 8800 AND status = 'recorded'"
        )),
        1
    );
    refused(&m.buyer_does("cancel", paid), 303, "退款中");

    let accepted = m.order_at(3);
    done(m.buyer_does("cancel", accepted));
    assert_eq!(status(&m.app, accepted), 7);
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_refund"), 2);
    let taken = done(get(&m.app, "/api/consultant/order/taken", &m.wang.token));
    assert_eq!(taken[0]["status_name"], "退款中");
}

#[test]
fn delivered_and_completed_orders_cannot_be_cancelled() {
    let m = market();
    let delivered = m.order_at(4);
    refused(&m.buyer_does("cancel", delivered), 303, "待确认");
    done(m.buyer_does("confirm", delivered));
    refused(&m.buyer_does("cancel", delivered), 303, "已完成");
    refused(&m.buyer_does("confirm", delivered), 303, "已完成");
    assert_eq!(m.app.count("SELECT COUNT(*) FROM pay_refund"), 0);
}

#[test]
fn delete_hides_finished_orders_and_refuses_money_in_flight() {
    let m = market();
    let unpaid = m.order_at(1);
    done(m.buyer_does("delete", unpaid));
    assert_eq!(
        status(&m.app, unpaid),
        6,
        "an unpaid order is cancelled on deletion"
    );
    refused(&m.buyer_does("delete", unpaid), 302, "订单不存在");
    refused(&m.buyer_does("cancel", unpaid), 302, "订单不存在");

    let cancelled = m.order_at(1);
    done(m.buyer_does("cancel", cancelled));
    done(m.buyer_does("delete", cancelled));

    for reach in [2, 3] {
        let id = m.order_at(reach);
        refused(&m.buyer_does("delete", id), 303, "不能删除");
        done(m.buyer_does("cancel", id));
        refused(&m.buyer_does("delete", id), 303, "退款中");
    }

    let delivered = m.order_at(4);
    refused(&m.buyer_does("delete", delivered), 303, "待确认");
    done(m.buyer_does("confirm", delivered));
    done(m.buyer_does("delete", delivered));
    assert_eq!(
        status(&m.app, delivered),
        5,
        "deleting hides, the record stays"
    );
    let listed = done(get(&m.app, "/api/user/order/list", &m.buyer.token));
    let statuses: Vec<i64> = listed
        .iter()
        .map(|o| o["status"].as_i64().unwrap())
        .collect();
    assert_eq!(
        statuses,
        vec![7, 7],
        "only the refunding orders remain listed"
    );
}

#[test]
fn only_the_buyer_touches_their_orders() {
    let m = market();
    let other = register(&m.app, "user", "lisi");
    let id = m.order_at(1);
    for action in ["cancel", "delete", "confirm"] {
        let json = post(
            &m.app,
            &format!("/api/user/order/{action}"),
            &format!("order_id={id}"),
            &other.token,
        );
        refused(&json, 403, "自己的订单");
    }
    refused(
        &call(
            &m.app,
            Method::Post,
            "/api/user/order/cancel",
            "order_id=1",
            Some("x"),
        ),
        400,
        "登录",
    );
    refused(&m.buyer_does("cancel", 999), 302, "订单不存在");
    refused(
        &post(&m.app, "/api/user/order/cancel", "", &m.buyer.token),
        303,
        "order_id",
    );
    assert_eq!(
        done(get(&m.app, "/api/user/order/list", &other.token)),
        Vec::<Value>::new()
    );
    assert_eq!(status(&m.app, id), 1);
}

#[test]
fn unknown_paths_and_methods_answer_in_the_consulting_envelope() {
    let app = TestApp::new();
    refused(
        &call(&app, Method::Get, "/api/user/nothing/here", "", None),
        404,
        "非法请求",
    );
    refused(
        &call(&app, Method::Get, "/api/user/post/publish", "", None),
        402,
        "请求方式",
    );
    refused(
        &call(&app, Method::Get, "/api/consultant/order/accept", "", None),
        402,
        "请求方式",
    );
    refused(
        &call(&app, Method::Get, "/api/pay/init", "", None),
        402,
        "请求方式",
    );
}
