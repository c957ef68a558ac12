//! `role` (GET lists, POST adds), `role/add/0`, `role/update/{id}`, `role/delete/{id}`, and
//! the permission menu `quanxian`.

use super::{add_role, add_user, get, post};
use crate::common::TestApp;

#[test]
fn roles_are_listed_and_added_as_the_seed_shows() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let json = post(&app, &boss, "role", "name=普通用户");
    assert_eq!(json["code"], 200, "{json}");
    let id = json["data"]["role_id"].as_i64().unwrap();
    assert_eq!(post(&app, &boss, "role", "name=普通用户")["code"], 300);
    assert_eq!(
        post(&app, &boss, "role/add/0", "name=普通用户")["code"],
        300
    );
    assert_eq!(post(&app, &boss, "role", "")["code"], 303);
    let other = app.admin("other", "别的公司");
    assert_eq!(
        post(&app, &other, "role", "name=普通用户")["code"],
        200,
        "names are per company"
    );

    let list = get(&app, &boss, "role", "");
    assert_eq!(list["code"], 200);
    assert_eq!(list["data"]["data_count"], 2, "管理员 and 普通用户");
    let newest = &list["data"]["ret_data"][0];
    assert_eq!(newest["id"], id);
    assert_eq!(newest["role_id"], id);
    assert_eq!(newest["name"], "普通用户");
    assert_eq!(newest["permissionsList"], serde_json::json!([]));
    assert_eq!(newest["create_date"].as_str().unwrap().len(), 23);
    let admin = &list["data"]["ret_data"][1];
    assert_eq!(admin["permissionsList"].as_array().unwrap().len(), 9);
}

#[test]
fn a_new_role_holds_nothing_until_granted() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "助理", "[]");
    let helper = add_user(&app, &boss, "helper", role);
    assert_eq!(get(&app, &helper, "role", "")["code"], 403);
    assert_eq!(get(&app, &helper, "user", "")["code"], 403);

    let grant = post(
        &app,
        &boss,
        &format!("role/update/{role}"),
        "permissionsList=[2]",
    );
    assert_eq!(grant["code"], 200, "{grant}");
    assert_eq!(get(&app, &helper, "role", "")["code"], 200);
    assert_eq!(
        get(&app, &helper, "user", "")["code"],
        403,
        "only what was granted"
    );

    let json_body = serde_json::json!({"name": "助理2", "permissionsList": [1, 2]});
    let uri = boss.uri(&format!("{}/role/update/{role}", super::W), "");
    assert_eq!(
        app.post_json(&uri, &json_body)["code"],
        200,
        "a JSON body too"
    );
    assert_eq!(get(&app, &helper, "user", "")["code"], 200);

    assert_eq!(
        post(
            &app,
            &boss,
            &format!("role/update/{role}"),
            "permissionsList=[]"
        )["code"],
        200
    );
    assert_eq!(get(&app, &helper, "role", "")["code"], 403, "revoked");
}

#[test]
fn updating_a_role_checks_names_and_permissions() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "助理", "[5,6]");
    let path = format!("role/update/{role}");
    assert_eq!(post(&app, &boss, &path, "name=客服")["code"], 200);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_role_permission WHERE role_id = {role}"
        )),
        2,
        "a rename keeps the grants"
    );
    assert_eq!(post(&app, &boss, &path, "name=管理员")["code"], 300);
    assert_eq!(post(&app, &boss, &path, "")["code"], 303);
    assert_eq!(
        post(&app, &boss, &path, "permissionsList=[999]")["code"],
        302
    );
    assert_eq!(post(&app, &boss, &path, "permissionsList=abc")["code"], 301);
    assert_eq!(post(&app, &boss, &path, "permissionsList=[0]")["code"], 301);
    assert_eq!(post(&app, &boss, "role/update/999", "name=x")["code"], 302);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_role_permission WHERE role_id = {role}"
        )),
        2,
        "a refused grant changes nothing"
    );
    assert_eq!(
        post(&app, &boss, "role/add/0", "name=x&permissionsList=[999]")["code"],
        302
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_role WHERE name = 'x'"),
        0
    );
}

#[test]
fn a_role_in_use_is_not_deleted() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[1]");
    let zhang = add_user(&app, &boss, "zhang", role);
    let path = format!("role/delete/{role}");
    assert_eq!(post(&app, &boss, &path, "")["code"], 304);
    assert_eq!(
        get(&app, &boss, &path, "")["code"],
        402,
        "the seed deletes roles with POST"
    );
    assert_eq!(
        get(&app, &boss, &format!("user/delete/{}", zhang.user_id), "")["code"],
        200
    );
    assert_eq!(post(&app, &boss, &path, "")["code"], 200);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_role_permission WHERE role_id = {role}"
        )),
        0
    );
    assert_eq!(post(&app, &boss, &path, "")["code"], 302);
}

#[test]
fn the_menu_lists_built_ins_and_own_entries_flat_and_as_a_tree() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let add = |body: &str| post(&app, &boss, "quanxian/add/0", body);
    let parent = add("path=report&title=报表&icon=chart&order_num=10");
    assert_eq!(parent["code"], 200, "{parent}");
    let parent = parent["data"]["id"].as_i64().unwrap();
    let child = add(&format!(
        "path=report/daily&title=日报&pid_id={parent}&order=1"
    ));
    assert_eq!(child["code"], 200, "{child}");

    let json = get(&app, &boss, "quanxian", "");
    assert_eq!(json["code"], 200);
    assert_eq!(json["data"]["data_count"], 11);
    let flat = json["data"]["ret_data"].as_array().unwrap();
    assert_eq!(flat[0]["path"], "user");
    assert_eq!(flat[0]["is_builtin"], true);
    let tree = json["data"]["result_data_tree"].as_array().unwrap();
    assert_eq!(tree.len(), 10, "nine built-ins and one top-level entry");
    let report = tree.iter().find(|n| n["id"] == parent).unwrap();
    assert_eq!(report["icon"], "chart");
    assert_eq!(report["children"][0]["title"], "日报");
    assert_eq!(report["children"][0]["pid_id"], parent);

    let other = app.admin("other", "别的公司");
    let theirs = get(&app, &other, "quanxian", "");
    assert_eq!(
        theirs["data"]["data_count"], 9,
        "another company's entries stay its own"
    );
}

#[test]
fn menu_entries_are_added_updated_and_deleted_with_their_refusals() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let add = |body: &str| post(&app, &boss, "quanxian/add/0", body);
    let parent = add("path=report&title=报表")["data"]["id"]
        .as_i64()
        .unwrap();
    let child = add(&format!("path=report/daily&title=日报&pid_id={parent}"))["data"]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(add("path=report&title=别的")["code"], 300);
    assert_eq!(add("path=x&title=报表")["code"], 300);
    assert_eq!(add("title=无路径")["code"], 303);
    assert_eq!(add("path=y")["code"], 303);
    assert_eq!(add("path=y&title=y&pid_id=999")["code"], 302);
    assert_eq!(add("path=y&title=y&order_num=first")["code"], 301);

    let update = |id: i64, body: &str| post(&app, &boss, &format!("quanxian/update/{id}"), body);
    assert_eq!(update(child, "title=每日报表&order_num=3")["code"], 200);
    let (title, path, pid): (String, String, i64) = app
        .db()
        .query_row(
            "SELECT title, path, pid FROM zl_permission WHERE id = ?1",
            [child],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (title.as_str(), path.as_str(), pid),
        ("每日报表", "report/daily", parent)
    );
    assert_eq!(
        update(parent, &format!("pid_id={child}"))["code"],
        303,
        "no cycles"
    );
    assert_eq!(update(parent, &format!("pid_id={parent}"))["code"], 303);
    assert_eq!(
        update(child, "pid_id=0")["code"],
        200,
        "0 moves it to the top"
    );
    assert_eq!(update(child, &format!("pid_id={parent}"))["code"], 200);
    assert_eq!(
        update(1, "title=改名")["code"],
        403,
        "built-in entries stay"
    );
    assert_eq!(update(999, "title=x")["code"], 302);

    let delete = |id: i64| post(&app, &boss, &format!("quanxian/delete/{id}"), "");
    assert_eq!(delete(parent)["code"], 304);
    assert_eq!(delete(1)["code"], 403);
    let role = add_role(&app, &boss, "报表员", &format!("[{child}]"));
    assert_eq!(delete(child)["code"], 200);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_role_permission WHERE role_id = {role}"
        )),
        0,
        "its grants go with it"
    );
    assert_eq!(delete(parent)["code"], 200);
    assert_eq!(delete(parent)["code"], 302);
}

#[test]
fn a_new_companys_admin_role_holds_the_built_ins_not_another_companys_entries() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let own = post(&app, &boss, "quanxian/add/0", "path=report&title=报表");
    let own = own["data"]["id"].as_i64().unwrap();
    let again = app.admin("boss", "合众康桥");
    let roles = get(&app, &again, "role", "");
    let admin = roles["data"]["ret_data"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        admin["permissionsList"]
            .as_array()
            .unwrap()
            .contains(&own.into()),
        "`leida admin` grants the company's own entries too"
    );

    let other = app.admin("other", "别的公司");
    let theirs = get(&app, &other, "role", "");
    assert_eq!(
        theirs["data"]["ret_data"][0]["permissionsList"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    let child = post(&app, &again, "company/add/0", "name=东方银谷");
    let role = child["data"]["role_id"].as_i64().unwrap();
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_role_permission WHERE role_id = {role}"
        )),
        9
    );
}
