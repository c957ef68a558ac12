//! WeChat Pay notifies: what is stored, how often, and what `/metrics` makes of them.

use rocket::http::ContentType;

use super::from;
use crate::common::TestApp;

const NOTIFY_PATHS: [&str; 2] = ["/zhugeleida/xiaochengxu/payback", "/api/pay/notify"];

fn notify_from(app: &TestApp, path: &str, body: &str, peer: u8) -> String {
    app.client
        .post(path)
        .header(ContentType::XML)
        .remote(from(peer))
        .body(body)
        .dispatch()
        .into_string()
        .expect("XML answer")
}

/// Bodies a stranger may send: broken XML whose parser errors differ after 40 characters,
/// unknown orders, unsigned notifies.
fn hostile_bodies() -> Vec<String> {
    let mut bodies = Vec::new();
    for i in 0..4 {
        let pad = "y".repeat(45);
        bodies.push(format!("<xml><{pad}{i}></{pad}></xml>"));
        bodies.push(format!(
            "<xml><out_trade_no>NO{pad}{i}</out_trade_no></xml>"
        ));
        bodies.push(format!("<!DOCTYPE x><xml>{i}</xml>"));
    }
    bodies
}

const KNOWN_VERDICTS: [&str; 13] = [
    "paid",
    "repeat",
    "payment_failed",
    "refund_requested",
    "malformed",
    "unknown_order",
    "bad_signature",
    "merchant_mismatch",
    "amount_mismatch",
    "not_success",
    "order_closed",
    "not_configured",
    "other",
];

#[test]
fn hostile_notifies_add_no_metrics_series_and_only_known_labels() {
    let app = TestApp::with(|f| f.merge(("metrics", true)));
    for path in NOTIFY_PATHS {
        for body in hostile_bodies() {
            assert!(notify_from(&app, path, &body, 1).contains("FAIL"));
        }
    }
    let text = app.client.get("/metrics").dispatch().into_string().unwrap();
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("leida_pay_notify_total{"))
        .map(|l| l.rsplit_once(' ').expect("a sample").0)
        .collect();
    assert!(!series.is_empty(), "{text}");
    let mut unique = series.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), series.len(), "duplicate series: {series:?}");
    for s in &series {
        let verdict = s
            .split("verdict=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .expect("a verdict label");
        assert!(KNOWN_VERDICTS.contains(&verdict), "unknown label in {s}");
        assert!(
            s.contains("app=\"zhuge\"") || s.contains("app=\"consult\""),
            "{s}"
        );
    }
}

#[test]
fn a_refused_notify_keeps_at_most_512_bytes() {
    let app = TestApp::new();
    let body = format!(
        "<xml><out_trade_no>NOPE</out_trade_no><pad>{}</pad></xml>",
        "中".repeat(20_000)
    );
    for path in NOTIFY_PATHS {
        assert!(notify_from(&app, path, &body, 1).contains("FAIL"));
    }
    let longest: i64 = app.count("SELECT MAX(length(CAST(body AS BLOB))) FROM pay_notify");
    assert!(longest <= 512, "a refused body kept {longest} bytes");
    assert_eq!(app.count("SELECT COUNT(*) FROM pay_notify"), 2);
}

#[test]
fn notifies_are_limited_per_address_in_wechats_xml() {
    let app = TestApp::with(|f| f.merge(("notify_limit_per_address", 3)));
    for path in NOTIFY_PATHS {
        for _ in 0..3 {
            let answer = notify_from(&app, path, "<xml></xml>", 2);
            assert!(!answer.contains("频繁"), "{answer}");
        }
        let answer = notify_from(&app, path, "<xml></xml>", 2);
        assert!(answer.contains("<return_code><![CDATA[FAIL]]>"), "{answer}");
        assert!(answer.contains("频繁"), "{answer}");
        let other = notify_from(&app, path, "<xml></xml>", 3);
        assert!(!other.contains("频繁"), "another address is not limited");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM pay_notify"),
        8,
        "a limited notify is not stored"
    );
}
