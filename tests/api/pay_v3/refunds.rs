//! Refunds paid out: a consulting buyer's cancel of a paid order refunds it through v3
//! `/v3/refund/domestic/refunds` or v2 `/secapi/pay/refund` (client certificate), once,
//! retried with the same `out_refund_no`, surviving a restart; the refund notify ends it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use leida::wechat::pay as wxpay;
use leida::wechat::pay_v3::refund_v2::encrypt_req_info;
use rocket::http::{ContentType, Status};
use serde_json::{json, Value};

use super::consult::{buyer_with_order, pay_v3, v3_app, v3_config, NOTIFY};
use super::*;
use crate::common::{wait_for, FakeServer, TestApp};
use crate::consult::{done, order_no, post, status, Who, APPID, KEY};
use crate::signatures::{PLATFORM_CERT, PLATFORM_KEY};

fn cancel(app: &TestApp, buyer: &Who, id: i64) -> Value {
    done(post(
        app,
        "/api/user/order/cancel",
        &format!("order_id={id}"),
        &buyer.token,
    ))[0]
        .clone()
}

fn refund_row(app: &TestApp) -> (String, String, i64, String) {
    app.db()
        .query_row(
            "SELECT status, out_refund_no, attempts, fail_reason FROM pay_refund",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

fn wait_status(app: &TestApp, want: &str) {
    wait_for(&format!("refund {want}"), || refund_row(app).0 == want);
}

#[test]
fn a_cancelled_paid_order_is_refunded_through_v3_once() {
    let fake = fake_v3(standard_answer);
    let keys = key_files();
    let app = v3_app(&fake, &keys);
    let (buyer, id) = buyer_with_order(&app);
    assert_eq!(pay_v3(&app, id).0, Status::NoContent);

    let answer = cancel(&app, &buyer, id);
    assert_eq!(answer["refund"], "pending");
    assert!(answer["refund_msg"].as_str().unwrap().contains("原路退回"));
    assert_eq!(status(&app, id), 7);
    wait_status(&app, "processing");

    let sent = fake.calls("/v3/refund/domestic/refunds");
    assert_eq!(sent.len(), 1);
    assert!(authorized(&sent[0]));
    let body: Value = serde_json::from_str(&sent[0].body).unwrap();
    let no = order_no(&app, id);
    assert_eq!(body["out_trade_no"], no);
    assert_eq!(body["out_refund_no"], format!("RF{no}"));
    assert_eq!(
        body["amount"],
        json!({"refund": 8800, "total": 8800, "currency": "CNY"})
    );
    assert_eq!(body["notify_url"], "https://consult.example/api/pay/notify");

    // A refund notify for another amount is refused; the right one ends it; a repeat changes nothing.
    let wrong = refund_resource(&no, &format!("RF{no}"), 1, 8800, "SUCCESS");
    assert_eq!(
        post_notify(&app, NOTIFY, &notify("REFUND.SUCCESS", &wrong, 0)).0,
        Status::BadRequest
    );
    let done_ = refund_resource(&no, &format!("RF{no}"), 8800, 8800, "SUCCESS");
    assert_eq!(
        post_notify(&app, NOTIFY, &notify("REFUND.SUCCESS", &done_, 0)).0,
        Status::NoContent
    );
    assert_eq!(status(&app, id), 8);
    assert_eq!(refund_row(&app).0, "succeeded");
    assert_eq!(
        post_notify(&app, NOTIFY, &notify("REFUND.SUCCESS", &done_, 0)).0,
        Status::NoContent
    );
    assert_eq!(
        verdicts(&app, "consult")[1..],
        ["金额与订单不符", "已退款", "重复通知, 订单不变"]
    );

    // Cancelling again sends nothing more.
    let again = post(
        &app,
        "/api/user/order/cancel",
        &format!("order_id={id}"),
        &buyer.token,
    );
    assert_eq!(again["code"], 303, "{again}");
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert_eq!(
        fake.calls("/v3/refund/domestic/refunds").len(),
        1,
        "never sent twice"
    );
    let list = done(crate::consult::get(
        &app,
        "/api/user/order/list",
        &buyer.token,
    ));
    assert_eq!(list[0]["status_name"], "已退款");
}

#[test]
fn an_abnormal_refund_fails_the_order_with_its_reason() {
    let fake = fake_v3(standard_answer);
    let keys = key_files();
    let app = v3_app(&fake, &keys);
    let (buyer, id) = buyer_with_order(&app);
    pay_v3(&app, id);
    cancel(&app, &buyer, id);
    wait_status(&app, "processing");
    let no = order_no(&app, id);
    let abnormal = refund_resource(&no, &format!("RF{no}"), 8800, 8800, "ABNORMAL");
    assert_eq!(
        post_notify(&app, NOTIFY, &notify("REFUND.ABNORMAL", &abnormal, 0)).0,
        Status::NoContent
    );
    assert_eq!(status(&app, id), 9);
    let (state, _, _, reason) = refund_row(&app);
    assert_eq!(state, "failed");
    assert!(reason.contains("ABNORMAL"), "{reason}");
}

#[test]
fn a_refund_wechat_refuses_for_good_fails_and_one_it_cannot_take_now_is_retried_with_the_same_number(
) {
    // First answer: busy (retry); second: success.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let fake = fake_v3(move |r| {
        if r.path == "/v3/refund/domestic/refunds" && seen.fetch_add(1, Ordering::SeqCst) == 0 {
            return (500, json!({"code": "SYSTEM_ERROR", "message": "系统繁忙"}));
        }
        standard_answer(r)
    });
    let keys = key_files();
    let app = v3_app(&fake, &keys);
    let (buyer, id) = buyer_with_order(&app);
    pay_v3(&app, id);
    cancel(&app, &buyer, id);
    wait_for("a first try", || refund_row(&app).2 == 1);
    assert_eq!(refund_row(&app).0, "pending");
    app.db()
        .execute("UPDATE pay_refund SET next_try_at = 0", [])
        .unwrap();
    wait_status(&app, "processing");
    let sent = fake.calls("/v3/refund/domestic/refunds");
    assert_eq!(sent.len(), 2);
    let number =
        |i: usize| serde_json::from_str::<Value>(&sent[i].body).unwrap()["out_refund_no"].clone();
    assert_eq!(number(0), number(1), "a retry reuses out_refund_no");

    // WeChat refuses outright (the order is not refundable): failed, with WeChat's reason.
    let fake = fake_v3(|r| match r.path.as_str() {
        "/v3/refund/domestic/refunds" => (
            403,
            json!({"code": "NOT_ENOUGH_REFUNDABLE", "message": "订单已全额退款"}),
        ),
        _ => standard_answer(r),
    });
    let app = v3_app(&fake, &keys);
    let (buyer, id) = buyer_with_order(&app);
    pay_v3(&app, id);
    cancel(&app, &buyer, id);
    wait_status(&app, "failed");
    assert!(refund_row(&app).3.contains("订单已全额退款"));
    assert_eq!(status(&app, id), 9);
}

#[test]
fn a_pending_refund_survives_a_restart_and_is_sent_once() {
    let keys = key_files();
    // WeChat Pay unreachable: nothing listens there.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let (private, public) = (keys.private_key.clone(), keys.public_key.clone());
    let app = TestApp::with({
        let (private, public) = (private.clone(), public.clone());
        move |f| v3_config(f, &dead_url, &private, &public)
    });
    let (buyer, id) = buyer_with_order(&app);
    pay_v3(&app, id);
    cancel(&app, &buyer, id);
    wait_for("a failed try", || refund_row(&app).2 >= 1);
    let (state, number, _, _) = refund_row(&app);
    assert_eq!(state, "pending");

    let fake = fake_v3(standard_answer);
    let url = fake.url.clone();
    let app = app.restart(move |f| v3_config(f, &url, &private, &public));
    app.db()
        .execute("UPDATE pay_refund SET next_try_at = 0", [])
        .unwrap();
    wait_status(&app, "processing");
    let sent = fake.calls("/v3/refund/domestic/refunds");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        serde_json::from_str::<Value>(&sent[0].body).unwrap()["out_refund_no"],
        number
    );
}

/// A fake v2 WeChat Pay: the refund call answers SUCCESS, signed.
fn fake_v2() -> FakeServer {
    FakeServer::start(|r| {
        let sent = wxpay::from_xml(&r.body).unwrap_or_default();
        let mut answer: BTreeMap<String, String> = [
            ("return_code", "SUCCESS"),
            (
                "result_code",
                if wxpay::verify(&sent, KEY) {
                    "SUCCESS"
                } else {
                    "FAIL"
                },
            ),
            ("err_code", "SIGNERROR"),
            ("appid", APPID),
            ("mch_id", crate::consult::MCH_ID),
            ("refund_id", "50000000000000000000000000001"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        answer.insert(
            "out_refund_no".into(),
            sent.get("out_refund_no").cloned().unwrap_or_default(),
        );
        let sign = wxpay::sign(&answer, KEY);
        answer.insert("sign".into(), sign);
        (200, wxpay::to_xml(&answer))
    })
}

#[test]
fn a_v2_merchant_with_its_client_certificate_refunds_through_secapi() {
    let fake = fake_v2();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (
        dir.path().join("apiclient_cert.pem"),
        dir.path().join("apiclient_key.pem"),
    );
    std::fs::write(&cert, PLATFORM_CERT).unwrap();
    std::fs::write(&key, PLATFORM_KEY).unwrap();
    let url = fake.url.clone();
    let app = TestApp::with(move |f| {
        f.merge(("wechat_appid", APPID))
            .merge(("pay_mch_id", crate::consult::MCH_ID))
            .merge(("pay_key", KEY))
            .merge(("pay_cert_file", cert))
            .merge(("pay_cert_key_file", key))
            .merge(("pay_api", url))
    });
    let (buyer, id) = buyer_with_order(&app);
    crate::consult::pay_order(&app, id);
    assert_eq!(cancel(&app, &buyer, id)["refund"], "pending");
    wait_status(&app, "processing");
    let sent = wxpay::from_xml(&fake.calls("/secapi/pay/refund")[0].body).unwrap();
    assert!(wxpay::verify(&sent, KEY), "MD5-signed with the v2 key");
    let no = order_no(&app, id);
    assert_eq!(sent["out_refund_no"], format!("RF{no}"));
    assert_eq!(sent["refund_fee"], "8800");
    assert_eq!(sent["total_fee"], "8800");

    // The v2 refund notify: req_info is AES-256-ECB under md5 of the key.
    let info = format!(
        "<root><out_refund_no>RF{no}</out_refund_no><out_trade_no>{no}</out_trade_no>\
         <refund_fee>8800</refund_fee><total_fee>8800</total_fee><refund_id>5000</refund_id>\
         <refund_status>SUCCESS</refund_status></root>"
    );
    let notice = |req_info: &str| {
        format!(
            "<xml><return_code>SUCCESS</return_code><appid>{APPID}</appid><mch_id>{}</mch_id>\
             <nonce_str>n</nonce_str><req_info>{req_info}</req_info></xml>",
            crate::consult::MCH_ID
        )
    };
    let send = |xml: String| {
        let response = app
            .client
            .post(NOTIFY)
            .header(ContentType::XML)
            .body(xml)
            .dispatch();
        wxpay::from_xml(&response.into_string().unwrap()).unwrap()["return_code"].clone()
    };
    assert_eq!(
        send(notice(&encrypt_req_info(&info, "another key"))),
        "FAIL"
    );
    assert_eq!(status(&app, id), 7);
    assert_eq!(send(notice(&encrypt_req_info(&info, KEY))), "SUCCESS");
    assert_eq!(status(&app, id), 8);
    assert_eq!(refund_row(&app).0, "succeeded");
}
