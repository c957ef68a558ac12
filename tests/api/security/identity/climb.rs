//! Nobody climbs inside a company: a signer grants only permissions they hold, manages only
//! roles and accounts that can do no more than they can, and the company keeps an enabled
//! full administrator.

use crate::common::{Signer, TestApp};
use crate::zhuge_people::{add_role, add_user, get, post, snapshot};

struct Firm {
    app: TestApp,
    boss: Signer,
    admin_role: i64,
    /// Holds only `role` (permission 2).
    role_manager: Signer,
    role_manager_role: i64,
    /// Holds only `user` (permission 1).
    user_manager: Signer,
    sales_role: i64,
}

fn firm() -> Firm {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let admin_role = app.count(&format!(
        "SELECT role_id FROM zl_employee WHERE id = {}",
        boss.user_id
    ));
    let role_manager_role = add_role(&app, &boss, "角色管理员", "[2]");
    let role_manager = add_user(&app, &boss, "rm", role_manager_role);
    let user_manager_role = add_role(&app, &boss, "人事", "[1]");
    let user_manager = add_user(&app, &boss, "um", user_manager_role);
    let sales_role = add_role(&app, &boss, "销售", "[]");
    Firm {
        app,
        boss,
        admin_role,
        role_manager,
        role_manager_role,
        user_manager,
        sales_role,
    }
}

fn refused(json: serde_json::Value) {
    assert_eq!(json["code"], 403, "{json}");
    assert!(!json["msg"].as_str().unwrap_or_default().is_empty());
}

#[test]
fn a_role_manager_grants_no_permission_they_lack_not_even_to_their_own_role() {
    let f = firm();
    let before = snapshot(&f.app);
    let own = format!("role/update/{}", f.role_manager_role);
    refused(post(
        &f.app,
        &f.role_manager,
        &own,
        "permissionsList=[1,2,3,4,5,6,7,8,9]",
    ));
    refused(post(
        &f.app,
        &f.role_manager,
        "role/add/0",
        "name=后门&permissionsList=[1]",
    ));
    let sales = format!("role/update/{}", f.sales_role);
    refused(post(&f.app, &f.role_manager, &sales, "permissionsList=[4]"));
    assert_eq!(snapshot(&f.app), before, "nothing was granted");
    assert_eq!(get(&f.app, &f.role_manager, "user", "")["code"], 403);
    // What they hold, they may grant.
    let json = post(&f.app, &f.role_manager, &sales, "permissionsList=[2]");
    assert_eq!(json["code"], 200, "{json}");
}

#[test]
fn a_role_manager_cannot_empty_rename_or_delete_the_administrators_role() {
    let f = firm();
    let before = snapshot(&f.app);
    let admin = format!("role/update/{}", f.admin_role);
    refused(post(&f.app, &f.role_manager, &admin, "permissionsList=[]"));
    refused(post(&f.app, &f.role_manager, &admin, "permissionsList=[2]"));
    refused(post(&f.app, &f.role_manager, &admin, "name=无权者"));
    let spare = add_role(&f.app, &f.boss, "全权备用", "[1,2,3,4,5,6,7,8,9]");
    let before_spare = snapshot(&f.app);
    refused(post(
        &f.app,
        &f.role_manager,
        &format!("role/delete/{spare}"),
        "",
    ));
    assert_eq!(snapshot(&f.app), before_spare);
    assert_ne!(before, before_spare);
    assert_eq!(
        get(&f.app, &f.boss, "user", "")["code"],
        200,
        "the boss still manages"
    );
}

#[test]
fn a_user_manager_cannot_reset_disable_rename_or_delete_the_boss() {
    let f = firm();
    let before = snapshot(&f.app);
    let boss = format!("user/update/{}", f.boss.user_id);
    refused(post(&f.app, &f.user_manager, &boss, "password=taken-over"));
    refused(post(&f.app, &f.user_manager, &boss, "status=2"));
    refused(post(&f.app, &f.user_manager, &boss, "userid=MyWorkWeChat"));
    refused(post(&f.app, &f.user_manager, &boss, "username=boss-old"));
    refused(get(
        &f.app,
        &f.user_manager,
        &format!("user/delete/{}", f.boss.user_id),
        "",
    ));
    assert_eq!(snapshot(&f.app), before, "the boss's account is untouched");
    f.app.login("boss", "S3cret-pw");
    assert_eq!(get(&f.app, &f.boss, "user", "")["code"], 200);
}

#[test]
fn a_user_manager_cannot_move_anyone_into_a_stronger_role() {
    let f = firm();
    let before = snapshot(&f.app);
    let own = format!("user/update/{}", f.user_manager.user_id);
    refused(post(
        &f.app,
        &f.user_manager,
        &own,
        &format!("role_id={}", f.admin_role),
    ));
    let rm = format!("user/update/{}", f.role_manager.user_id);
    refused(post(&f.app, &f.user_manager, &rm, "password=taken-over"));
    let body = format!("username=puppet&password=123456&role_id={}", f.admin_role);
    refused(post(&f.app, &f.user_manager, "user/add/0", &body));
    assert_eq!(snapshot(&f.app), before);
    assert_eq!(get(&f.app, &f.user_manager, "role", "")["code"], 403);
    // Accounts and roles within their own reach stay theirs to manage.
    let body = format!("username=seller&password=123456&role_id={}", f.sales_role);
    let json = post(&f.app, &f.user_manager, "user/add/0", &body);
    assert_eq!(json["code"], 200, "{json}");
    let seller = json["data"]["user_id"].as_i64().unwrap();
    let json = post(
        &f.app,
        &f.user_manager,
        &format!("user/update/{seller}"),
        "status=2",
    );
    assert_eq!(json["code"], 200, "{json}");
}

#[test]
fn the_company_keeps_an_enabled_full_administrator() {
    let f = firm();
    let last = "公司至少要保留一个启用的全权管理员";
    let own = format!("user/update/{}", f.boss.user_id);
    let json = post(&f.app, &f.boss, &own, &format!("role_id={}", f.sales_role));
    refused(json.clone());
    assert!(json["msg"].as_str().unwrap().contains(last), "{json}");
    let admin = format!("role/update/{}", f.admin_role);
    let json = post(&f.app, &f.boss, &admin, "permissionsList=[1,2,3,4,5,6,7,8]");
    assert!(json["msg"].as_str().unwrap().contains(last), "{json}");

    // A second full administrator, disabled, does not count.
    let body = format!("username=deputy&password=123456&role_id={}", f.admin_role);
    let deputy = post(&f.app, &f.boss, "user/add/0", &body)["data"]["user_id"]
        .as_i64()
        .unwrap();
    let deputy_path = format!("user/update/{deputy}");
    assert_eq!(post(&f.app, &f.boss, &deputy_path, "status=2")["code"], 200);
    refused(post(
        &f.app,
        &f.boss,
        &own,
        &format!("role_id={}", f.sales_role),
    ));

    // Enabled, the deputy may take over: the boss steps down, and the deputy is now last.
    assert_eq!(post(&f.app, &f.boss, &deputy_path, "status=1")["code"], 200);
    let json = post(&f.app, &f.boss, &own, &format!("role_id={}", f.sales_role));
    assert_eq!(json["code"], 200, "{json}");
    let deputy = f.app.login("deputy", "123456");
    let json = post(&f.app, &deputy, &admin, "permissionsList=[1]");
    assert!(json["msg"].as_str().unwrap().contains(last), "{json}");
    assert_eq!(
        f.app.count(&format!(
            "SELECT COUNT(*) FROM zl_role_permission WHERE role_id = {}",
            f.admin_role
        )),
        9
    );
}
