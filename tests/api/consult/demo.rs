//! The demo data is usable through the API: the demo accounts sign in and see their orders.

use rocket::http::Method;

use super::{call, done, get};
use crate::common::TestApp;

#[test]
fn demo_accounts_sign_in_and_see_orders_in_several_states() {
    let app = TestApp::new();
    let db = app.client.rocket().state::<leida::db::Db>().unwrap();
    leida::demo::fill(db).unwrap();

    let sign_in = |kind: &str, username: &str| {
        let body = format!(
            "username={username}&password={}",
            leida::demo::ADMIN_PASSWORD
        );
        let json = call(
            &app,
            Method::Post,
            &format!("/api/{kind}/login"),
            &body,
            None,
        );
        done(json.clone());
        json["token"].as_str().unwrap().to_string()
    };
    let buyer = sign_in("user", "buyer");
    let orders = done(get(&app, "/api/user/order/list", &buyer));
    let mut states: Vec<i64> = orders
        .iter()
        .map(|o| o["status"].as_i64().unwrap())
        .collect();
    states.sort_unstable();
    assert_eq!(states, vec![2, 3, 5]);
    assert_eq!(done(get(&app, "/api/user/post/check", &buyer)).len(), 3);

    let consultant = sign_in("consultant", "consultant");
    assert_eq!(
        done(get(&app, "/api/consultant/order/offered", &consultant)).len(),
        1
    );
    assert_eq!(
        done(get(&app, "/api/consultant/order/taken", &consultant)).len(),
        1
    );
    assert!(!done(get(&app, "/api/user/post/acquire?tag_id=4", &consultant)).is_empty());
}
