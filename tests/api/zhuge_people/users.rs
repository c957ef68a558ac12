//! `user`, `user/add/0`, `user/update/{id}`, `user/delete/{id}`.

use super::{add_role, add_user, get, post, salesperson};
use crate::common::TestApp;

#[test]
fn the_user_list_is_the_companys_newest_first_with_the_seeds_fields() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let sales = add_role(&app, &boss, "普通用户", "[]");
    add_user(&app, &boss, "zhangcong", sales);
    add_user(&app, &boss, "zhangju", sales);
    app.admin("stranger", "别的公司");

    let json = get(&app, &boss, "user", "");
    assert_eq!(json["code"], 200);
    assert_eq!(json["msg"], "查询成功");
    assert_eq!(json["data"]["data_count"], 3, "not the other company's");
    let first = &json["data"]["ret_data"][0];
    assert_eq!(first["username"], "zhangju");
    assert_eq!(first["role_name"], "普通用户");
    assert_eq!(first["role_id"], sales);
    assert_eq!(first["status"], "启用");
    assert_eq!(first["last_login_date"].as_str().unwrap().len(), 23);
    assert_eq!(first["create_date"].as_str().unwrap().len(), 23);
}

#[test]
fn the_user_list_searches_fuzzily_and_pages() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let sales = add_role(&app, &boss, "普通用户", "[]");
    for name in ["zhang_a", "zhangb", "li"] {
        add_user(&app, &boss, name, sales);
    }
    let count = |extra: &str| {
        let json = get(&app, &boss, "user", extra);
        assert_eq!(json["code"], 200, "{json}");
        json["data"]["data_count"].as_i64().unwrap()
    };
    assert_eq!(count("username=zhang"), 2);
    assert_eq!(count("username=g_"), 1, "_ is a character, not a wildcard");
    assert_eq!(count("username=%25"), 0, "% is a character, not a wildcard");
    assert_eq!(count("role__name=%E6%99%AE%E9%80%9A"), 3, "普通");
    assert_eq!(count("role__name=%E7%AE%A1%E7%90%86"), 1, "管理");
    assert_eq!(count("company__name=%E5%BA%B7%E6%A1%A5"), 4, "康桥");
    assert_eq!(count("company__name=nothing"), 0);
    let today = leida::clock::today().to_string();
    assert_eq!(count(&format!("create_date={today}")), 4);
    assert_eq!(count("create_date=2001-01-01"), 0);
    assert_eq!(
        get(&app, &boss, "user", "create_date=yesterday")["code"],
        301
    );

    let page = get(&app, &boss, "user", "length=3&current_page=2");
    assert_eq!(page["data"]["data_count"], 4);
    assert_eq!(page["data"]["ret_data"].as_array().unwrap().len(), 1);
}

#[test]
fn adding_a_user_hashes_the_password_and_refuses_a_taken_name() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[]");
    let body = format!("username=zhangcong&password=123456&role_id={role}&userid=ZhangCong");
    let json = post(&app, &boss, "user/add/0", &body);
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["msg"], "添加成功");
    let id = json["data"]["user_id"].as_i64().unwrap();
    let (hash, status, userid): (String, i64, String) = app
        .db()
        .query_row(
            "SELECT password_hash, status, userid FROM zl_employee WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(hash.starts_with("$argon2"), "{hash}");
    assert_eq!((status, userid.as_str()), (1, "ZhangCong"));
    app.login("zhangcong", "123456");

    assert_eq!(post(&app, &boss, "user/add/0", &body)["code"], 300);
    let other = app.admin("other-boss", "别的公司");
    let taken_elsewhere = format!("username=zhangcong&password=123456&role_id={role}");
    assert_eq!(
        post(&app, &other, "user/add/0", &taken_elsewhere)["code"],
        403,
        "the role is not the other company's"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_employee"), 3);
}

#[test]
fn a_user_added_with_status_2_cannot_sign_in() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[]");
    let body = format!("username=later&password=123456&role_id={role}&status=2");
    assert_eq!(post(&app, &boss, "user/add/0", &body)["code"], 200);
    let login = app.post_form("/zhugeleida/admin/login", "username=later&password=123456");
    assert_eq!(login["code"], 306);
    let bad = format!("username=x&password=123456&role_id={role}&status=3");
    assert_eq!(post(&app, &boss, "user/add/0", &bad)["code"], 303);
}

#[test]
fn adding_a_user_validates_every_field() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[]");
    let cases = [
        ("password=123456&role_id=1".to_string(), 303, "username"),
        (format!("username=a&role_id={role}"), 303, "password"),
        ("username=a&password=123456".to_string(), 303, "role_id"),
        (
            format!("username=a&password=12345&role_id={role}"),
            303,
            "password",
        ),
        (
            "username=a&password=123456&role_id=abc".to_string(),
            301,
            "role_id",
        ),
        (
            "username=a&password=123456&role_id=999".to_string(),
            302,
            "角色",
        ),
        (
            format!("username=a&password=123456&role_id={role}&company_id=999"),
            302,
            "公司",
        ),
    ];
    for (body, code, names) in cases {
        let json = post(&app, &boss, "user/add/0", &body);
        assert_eq!(json["code"], code, "{body}: {json}");
        assert!(json["msg"].as_str().unwrap().contains(names), "{json}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_employee"), 1);
}

#[test]
fn a_company_opens_no_more_cards_than_it_may() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[]");
    app.db()
        .execute("UPDATE zl_company SET mingpian_available_num = 2", [])
        .unwrap();
    add_user(&app, &boss, "second", role);
    let third = format!("username=third&password=123456&role_id={role}");
    let json = post(&app, &boss, "user/add/0", &third);
    assert_eq!(json["code"], 403);
    assert!(json["msg"].as_str().unwrap().contains("名片"));
}

#[test]
fn updating_a_user_changes_what_was_sent_and_a_new_password_ends_old_signatures() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let sales = add_role(&app, &boss, "销售", "[]");
    let managers = add_role(&app, &boss, "经理", "[1]");
    let zhang = add_user(&app, &boss, "zhang", sales);
    assert_eq!(get(&app, &zhang, "user", "")["code"], 403);

    let path = format!("user/update/{}", zhang.user_id);
    let json = post(&app, &boss, &path, &format!("role_id={managers}&userid=zc"));
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(
        get(&app, &zhang, "user", "")["code"],
        200,
        "the new role holds `user`"
    );

    assert_eq!(
        post(&app, &boss, &path, "username=zhang2&password=new-pass")["code"],
        200
    );
    assert_eq!(
        get(&app, &zhang, "tag_user", "")["code"],
        400,
        "the old token is gone"
    );
    let zhang = app.login("zhang2", "new-pass");
    assert_eq!(get(&app, &zhang, "tag_user", "")["code"], 200);
    let userid: String = app
        .db()
        .query_row(
            "SELECT userid FROM zl_employee WHERE id = ?1",
            [zhang.user_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(userid, "zc", "fields not sent stay");

    assert_eq!(post(&app, &boss, &path, "username=boss")["code"], 300);
    assert_eq!(post(&app, &boss, &path, "password=123")["code"], 303);
    assert_eq!(post(&app, &boss, &path, "role_id=999")["code"], 302);
    assert_eq!(post(&app, &boss, &path, "status=9")["code"], 303);
    assert_eq!(
        post(&app, &boss, "user/update/999", "username=x")["code"],
        302
    );
    assert_eq!(
        post(&app, &boss, "user/update/abc", "username=x")["code"],
        301
    );
    let own = format!("user/update/{}", boss.user_id);
    assert_eq!(
        post(&app, &boss, &own, "status=2")["code"],
        303,
        "not yourself"
    );
    assert_eq!(post(&app, &boss, &path, "status=2")["code"], 200);
    assert_eq!(get(&app, &zhang, "tag_user", "")["code"], 306);
}

#[test]
fn a_work_wechat_userid_is_unique_within_the_company() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[]");
    let a = add_user(&app, &boss, "a", role);
    let b = add_user(&app, &boss, "b", role);
    let update = |who: i64, body: &str| post(&app, &boss, &format!("user/update/{who}"), body);
    assert_eq!(update(a.user_id, "userid=ZhangSan")["code"], 200);
    assert_eq!(update(b.user_id, "userid=ZhangSan")["code"], 300);
    assert_eq!(
        update(a.user_id, "userid=ZhangSan")["code"],
        200,
        "keeping your own"
    );
    let body = format!("username=c&password=123456&role_id={role}&usedid=ZhangSan");
    assert_eq!(post(&app, &boss, "user/add/0", &body)["code"], 300);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_employee WHERE username = 'c'"),
        0
    );
}

#[test]
fn deleting_a_user_takes_their_card_and_never_yourself() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let zhang = salesperson(&app, &boss, "zhang");
    assert_eq!(post(&app, &zhang, "tag_user/add", "name=靠谱")["code"], 200);

    let own = format!("user/delete/{}", boss.user_id);
    assert_eq!(get(&app, &boss, &own, "")["code"], 305);
    assert_eq!(get(&app, &boss, "user/delete/999", "")["code"], 302);
    assert_eq!(
        get(&app, &zhang, &format!("user/delete/{}", boss.user_id), "")["code"],
        403
    );

    let json = get(&app, &boss, &format!("user/delete/{}", zhang.user_id), "");
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_employee"), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_user_tag"), 0);
    assert_eq!(get(&app, &zhang, "tag_user", "")["code"], 400);

    let other = salesperson(&app, &boss, "li");
    let json = post(&app, &boss, &format!("user/delete/{}", other.user_id), "");
    assert_eq!(json["code"], 200, "POST deletes too");
}

#[test]
fn the_demo_has_work_wechat_userids_an_hr_role_and_a_client_company() {
    let dir = tempfile::tempdir().unwrap();
    let db = leida::db::Db::open(&dir.path().join("leida.db")).unwrap();
    leida::demo::fill(&db).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("leida.db")).unwrap();
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(
        count("SELECT COUNT(*) FROM zl_employee WHERE userid = ''"),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM zl_role_permission rp JOIN zl_role r ON r.id = rp.role_id WHERE r.name = '人事'"),
        3
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM zl_permission WHERE company_id IS NOT NULL"),
        1
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM zl_company WHERE parent_id IS NOT NULL"),
        1
    );
}
