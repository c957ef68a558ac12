//! `company`, `company/add/0`, `company/update/{id}`, `company/delete/{id}`.

use super::{get, post};
use crate::common::TestApp;

#[test]
fn a_company_sees_itself_and_the_companies_it_created() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    app.admin("stranger", "别的公司");
    let json = get(&app, &boss, "company", "");
    assert_eq!(json["code"], 200);
    assert_eq!(json["data"]["data_count"], 1);
    let own = &json["data"]["ret_data"][0];
    assert_eq!(own["name"], "合众康桥");
    assert_eq!(own["company_id"], own["id"]);
    assert_eq!(own["create_date"].as_str().unwrap().len(), 23);

    let added = post(&app, &boss, "company/add/0", "name=东方银谷&address=北京");
    assert_eq!(added["code"], 200, "{added}");
    let json = get(&app, &boss, "company", "");
    assert_eq!(json["data"]["data_count"], 2);
    assert_eq!(json["data"]["ret_data"][0]["name"], "合众康桥", "own first");
    assert_eq!(json["data"]["ret_data"][1]["name"], "东方银谷");
    assert_eq!(json["data"]["ret_data"][1]["address"], "北京");
}

#[test]
fn a_created_company_gets_an_admin_role_and_a_first_employee() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let added = post(&app, &boss, "company/add/0", "name=东方银谷");
    let (child, role) = (
        added["data"]["company_id"].as_i64().unwrap(),
        added["data"]["role_id"].as_i64().unwrap(),
    );
    assert_eq!(
        post(&app, &boss, "company/add/0", "name=东方银谷")["code"],
        300
    );
    assert_eq!(
        post(&app, &boss, "company/add/0", "name=合众康桥")["code"],
        300
    );
    assert_eq!(post(&app, &boss, "company/add/0", "")["code"], 303);

    let body = format!("username=first&password=123456&role_id={role}&company_id={child}");
    assert_eq!(post(&app, &boss, "user/add/0", &body)["code"], 200);
    let first = app.login("first", "123456");
    let theirs = get(&app, &first, "user", "");
    assert_eq!(theirs["code"], 200, "the role holds every permission");
    assert_eq!(theirs["data"]["data_count"], 1);
    assert_eq!(get(&app, &first, "company", "")["data"]["data_count"], 1);
    let up = format!("company/update/{}", super::company_of(&app, boss.user_id));
    assert_eq!(
        post(&app, &first, &up, "name=x")["code"],
        403,
        "a client cannot rename its reseller"
    );
}

#[test]
fn companies_are_renamed_by_who_manages_them() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let own = super::company_of(&app, boss.user_id);
    let child = post(&app, &boss, "company/add/0", "name=东方银谷")["data"]["company_id"]
        .as_i64()
        .unwrap();
    let update = |id: i64, body: &str| post(&app, &boss, &format!("company/update/{id}"), body);
    assert_eq!(update(own, "name=合众康桥科技&area=北京")["code"], 200);
    assert_eq!(update(child, "address=上海")["code"], 200);
    assert_eq!(update(child, "name=合众康桥科技")["code"], 300);
    assert_eq!(update(999, "name=x")["code"], 302);
    let names: Vec<String> = app
        .db()
        .prepare("SELECT name || '/' || area || '/' || address FROM zl_company ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(names, ["合众康桥科技/北京/", "东方银谷//上海"]);
}

#[test]
fn a_company_with_employees_is_not_deleted() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let own = super::company_of(&app, boss.user_id);
    let added = post(&app, &boss, "company/add/0", "name=东方银谷");
    let (child, role) = (
        added["data"]["company_id"].as_i64().unwrap(),
        added["data"]["role_id"].as_i64().unwrap(),
    );
    let delete = |id: i64| post(&app, &boss, &format!("company/delete/{id}"), "");
    assert_eq!(delete(own)["code"], 304, "its own employees");
    let body = format!("username=first&password=123456&role_id={role}&company_id={child}");
    assert_eq!(post(&app, &boss, "user/add/0", &body)["code"], 200);
    assert_eq!(delete(child)["code"], 304);
    let first = app.login("first", "123456");
    assert_eq!(
        post(&app, &first, &format!("company/delete/{own}"), "")["code"],
        403
    );
    // The reseller cannot delete the client's employee; the client's own admin leaves.
    assert_eq!(
        get(&app, &boss, &format!("user/delete/{}", first.user_id), "")["code"],
        403
    );
    app.db()
        .execute("DELETE FROM zl_employee WHERE id = ?1", [first.user_id])
        .unwrap();
    assert_eq!(delete(child)["code"], 200);
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_company"), 1);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_role WHERE company_id = {child}"
        )),
        0
    );
    assert_eq!(delete(child)["code"], 302);
    assert_eq!(
        get(&app, &boss, "company/delete/1", "")["code"],
        402,
        "the seed deletes with POST"
    );
}
