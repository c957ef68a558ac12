//! The limiter: the client address, a full key table, the public card page.

use leida::ratelimit::{Quota, Quotas, RateLimit};
use rocket::http::{Header, Status};
use serde_json::Value;

use super::from;
use crate::common::TestApp;

#[test]
fn rocket_toml_trusts_no_address_header() {
    let config: rocket::Config = rocket::Config::figment().extract().expect("config");
    assert_eq!(
        config.ip_header, None,
        "ip_header is off unless a proxy sets it"
    );
}

#[test]
fn a_forged_real_ip_header_does_not_dodge_the_sign_in_limit() {
    let app = TestApp::with(|f| f.merge(("login_limit_per_address", 3)));
    let uri = "/zhugeleida/xiaochengxu/login?code=x&user_type=2&source=1";
    let codes: Vec<Value> = (0..6)
        .map(|i| {
            let json: Value = app
                .client
                .get(uri)
                .remote(from(7))
                .header(Header::new("X-Real-IP", format!("203.0.113.{i}")))
                .dispatch()
                .into_json()
                .expect("JSON");
            json["code"].clone()
        })
        .collect();
    assert_eq!(&codes[..3], &[200, 200, 200]);
    assert_eq!(&codes[3..], &[429, 429, 429], "one peer, one bucket");
}

fn login_quotas(per_address: u32) -> Quotas {
    Quotas {
        login_per_address: Quota::per_minute(per_address),
        login_per_account: None,
        notify_per_address: None,
        page_per_address: None,
        sms_daily_per_address: None,
        anonymous_upload_per_address: None,
    }
}

#[test]
fn when_the_key_table_is_full_new_addresses_share_one_bucket() {
    let limiter = RateLimit::with_max_keys(login_quotas(2), 3);
    let login = "/zhugeleida/admin/login";
    // Three addresses that used their bucket fill the table.
    for ip in ["10.0.0.1", "10.0.0.2", "10.0.0.3"] {
        assert_eq!(limiter.admit(login, ip, None), Ok(()));
    }
    let fresh: Vec<bool> = (10..20)
        .map(|i| limiter.admit(login, &format!("10.0.1.{i}"), None).is_ok())
        .collect();
    assert_eq!(
        fresh.iter().filter(|ok| **ok).count(),
        2,
        "fresh addresses beyond the table share one bucket of 2: {fresh:?}"
    );
    assert_eq!(
        limiter.admit(login, "10.0.0.1", None),
        Ok(()),
        "known keys keep theirs"
    );
    assert_eq!(limiter.admit("/healthz", "10.0.9.9", None), Ok(()));
}

#[test]
fn the_public_card_page_and_vcard_are_limited_per_address() {
    let app = TestApp::with(|f| f.merge(("page_limit_per_address", 3)));
    let boss = app.admin("boss", "合众康桥");
    for path in ["/mp/mingpian", "/mp/mingpian.vcf"] {
        let uri = format!("{path}?uid={}", boss.user_id);
        for _ in 0..3 {
            let status = app.client.get(&uri).remote(from(4)).dispatch().status();
            assert_eq!(status, Status::Ok, "{uri}");
        }
        let refused = app.client.get(&uri).remote(from(4)).dispatch();
        assert_eq!(refused.status(), Status::TooManyRequests, "{uri}");
        assert!(refused.headers().get_one("Retry-After").is_some());
        let other = app.client.get(&uri).remote(from(5)).dispatch();
        assert_eq!(other.status(), Status::Ok, "another address is not limited");
    }
}
