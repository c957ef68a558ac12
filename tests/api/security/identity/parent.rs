//! A reseller staffs a client company it created only until the client has employees of its
//! own; afterwards nobody outside the client adds accounts to it.

use crate::common::TestApp;
use crate::zhuge_people::post;

#[test]
fn a_parent_company_adds_users_to_its_client_only_while_the_client_has_none() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let added = post(&app, &boss, "company/add/0", "name=东方银谷");
    let (client, role) = (
        added["data"]["company_id"].as_i64().unwrap(),
        added["data"]["role_id"].as_i64().unwrap(),
    );
    let add = |name: &str| {
        let body = format!("username={name}&password=123456&role_id={role}&company_id={client}");
        post(&app, &boss, "user/add/0", &body)
    };
    let first = add("client-admin");
    assert_eq!(
        first["code"], 200,
        "the client's first administrator: {first}"
    );

    let backdoor = add("backdoor");
    assert_eq!(backdoor["code"], 403, "{backdoor}");
    assert!(backdoor["msg"].as_str().unwrap().contains("自己的员工"));
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_employee WHERE company_id = {client}"
        )),
        1
    );
    // The client's own administrator still staffs it.
    let client_admin = app.login("client-admin", "123456");
    let body = format!("username=colleague&password=123456&role_id={role}");
    assert_eq!(post(&app, &client_admin, "user/add/0", &body)["code"], 200);
}
