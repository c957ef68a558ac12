//! Isolation: two companies, several roles; every endpoint tried with the other company's
//! ids (403, or 302 for ids that do not exist) and by roles without the permission (403),
//! and nothing changes.

use serde_json::Value;

use super::{add_role, add_user, company_of, get, post, salesperson, snapshot};
use crate::common::{Signer, TestApp};

/// Company A with a salesperson, a role, a menu entry, a client company and a card tag;
/// company B with its own admin, role and employee.
struct Firms {
    app: TestApp,
    boss_a: Signer,
    sales_a: Signer,
    boss_b: Signer,
    a: Ids,
    b: Ids,
}

#[derive(Clone, Copy)]
struct Ids {
    company: i64,
    user: i64,
    role: i64,
    permission: i64,
    child: i64,
    tag: i64,
}

fn company_ids(app: &TestApp, boss: &Signer, who: &Signer, name: &str) -> Ids {
    let role = add_role(app, boss, &format!("角色{name}"), "[5]");
    let permission = post(
        app,
        boss,
        "quanxian/add/0",
        &format!("path=p{name}&title=t{name}"),
    );
    let child = post(app, boss, "company/add/0", &format!("name=客户公司{name}"));
    let tag = post(app, boss, "tag_user/add", &format!("name=标签{name}"));
    Ids {
        company: company_of(app, boss.user_id),
        user: who.user_id,
        role,
        permission: permission["data"]["id"].as_i64().unwrap(),
        child: child["data"]["company_id"].as_i64().unwrap(),
        tag: tag["data"][0]["id"].as_i64().unwrap(),
    }
}

fn firms() -> Firms {
    let app = TestApp::new();
    let boss_a = app.admin("boss_a", "甲公司");
    let sales_a = salesperson(&app, &boss_a, "sales_a");
    let boss_b = app.admin("boss_b", "乙公司");
    let sales_b = salesperson(&app, &boss_b, "sales_b");
    let a = company_ids(&app, &boss_a, &sales_a, "A");
    let b = company_ids(&app, &boss_b, &sales_b, "B");
    Firms {
        app,
        boss_a,
        sales_a,
        boss_b,
        a,
        b,
    }
}

/// `(GET or POST, path, body)` of every write of this area that takes an id, aimed at `t`
/// (the target company's ids) while `own` are the caller's.
fn writes(t: Ids, own: Ids) -> Vec<(bool, String, String)> {
    let get = |p: String| (true, p, String::new());
    let post = |p: String, b: String| (false, p, b);
    vec![
        post(format!("user/update/{}", t.user), "username=hijack".into()),
        post(
            format!("user/update/{}", own.user),
            format!("role_id={}", t.role),
        ),
        get(format!("user/delete/{}", t.user)),
        post(format!("user/delete/{}", t.user), String::new()),
        post(
            "user/add/0".into(),
            format!("username=x1&password=123456&role_id={}", t.role),
        ),
        post(
            "user/add/0".into(),
            format!(
                "username=x2&password=123456&role_id={}&company_id={}",
                own.role, t.company
            ),
        ),
        post(format!("role/update/{}", t.role), "name=hijack".into()),
        post(
            format!("role/update/{}", own.role),
            format!("permissionsList=[{}]", t.permission),
        ),
        post(format!("role/delete/{}", t.role), String::new()),
        post(
            "role/add/0".into(),
            format!("name=x3&permissionsList=[{}]", t.permission),
        ),
        post(
            "role".into(),
            format!("name=x4&permissionsList=[{}]", t.permission),
        ),
        post(
            format!("quanxian/update/{}", t.permission),
            "title=hijack".into(),
        ),
        post(format!("quanxian/delete/{}", t.permission), String::new()),
        post(
            "quanxian/add/0".into(),
            format!("path=x5&title=x5&pid_id={}", t.permission),
        ),
        post(
            format!("company/update/{}", t.company),
            "name=hijack".into(),
        ),
        post(format!("company/delete/{}", t.company), String::new()),
        post(format!("company/update/{}", t.child), "name=hijack2".into()),
        post(format!("company/delete/{}", t.child), String::new()),
        post("tag_user/delete".into(), format!("id={}", t.tag)),
        post(
            "tag_user/save".into(),
            format!("tag_list=[{},{}]", own.tag, t.tag),
        ),
    ]
}

fn call(app: &TestApp, who: &Signer, (is_get, path, body): &(bool, String, String)) -> Value {
    if *is_get {
        get(app, who, path, "")
    } else {
        post(app, who, path, body)
    }
}

#[test]
fn another_companys_ids_are_403_and_change_nothing() {
    let f = firms();
    let before = snapshot(&f.app);
    for request in writes(f.a, f.b) {
        let json = call(&f.app, &f.boss_b, &request);
        assert_eq!(json["code"], 403, "{request:?}: {json}");
    }
    for request in writes(f.b, f.a) {
        let json = call(&f.app, &f.boss_a, &request);
        assert_eq!(json["code"], 403, "{request:?}: {json}");
    }
    assert_eq!(
        snapshot(&f.app),
        before,
        "no refused request wrote anything"
    );
}

#[test]
fn ids_that_do_not_exist_are_302_and_change_nothing() {
    let f = firms();
    let missing = Ids {
        company: 9001,
        user: 9002,
        role: 9003,
        permission: 9004,
        child: 9005,
        tag: 9006,
    };
    let before = snapshot(&f.app);
    for request in writes(missing, f.b) {
        let json = call(&f.app, &f.boss_b, &request);
        assert_eq!(json["code"], 302, "{request:?}: {json}");
    }
    assert_eq!(snapshot(&f.app), before);
}

/// The lists of B's admin show nothing of company A.
#[test]
fn lists_show_only_the_signers_company() {
    let f = firms();
    let ids = |path: &str, key: &str| -> Vec<i64> {
        let json = get(&f.app, &f.boss_b, path, "length=1000");
        assert_eq!(json["code"], 200, "{path}: {json}");
        json["data"]["ret_data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[key].as_i64().unwrap())
            .collect()
    };
    let users = ids("user", "id");
    assert!(!users.contains(&f.a.user) && !users.contains(&f.boss_a.user_id));
    assert!(users.contains(&f.b.user));
    assert!(!ids("role", "id").contains(&f.a.role));
    let perms = ids("quanxian", "id");
    assert!(!perms.contains(&f.a.permission) && perms.contains(&f.b.permission));
    let companies = ids("company", "id");
    assert_eq!(companies, [f.b.company, f.b.child]);
    let tags = ids("tag_user", "id");
    assert_eq!(tags, [f.b.tag]);
    let card = get(&f.app, &f.boss_b, "mingpian", "");
    assert_eq!(card["data"]["ret_data"][0]["id"], f.boss_b.user_id);

    let site = r#"cover_picture=["statics/b.png"]"#;
    assert_eq!(post(&f.app, &f.boss_b, "website", site)["code"], 200);
    let a_site = get(&f.app, &f.boss_a, "website", "");
    assert_eq!(
        a_site["data"]["ret_data"]["cover_picture"],
        serde_json::json!([])
    );
}

/// Every management endpoint, called on the caller's own company's ids.
fn management(own: Ids, boss_id: i64) -> Vec<(bool, String, String)> {
    let get = |p: &str| (true, p.to_string(), String::new());
    let post = |p: String, b: &str| (false, p, b.to_string());
    vec![
        get("user"),
        get("role"),
        get("quanxian"),
        get("company"),
        post(
            "user/add/0".into(),
            &format!("username=x&password=123456&role_id={}", own.role),
        ),
        post(format!("user/update/{boss_id}"), "username=x"),
        (true, format!("user/delete/{boss_id}"), String::new()),
        post("role".into(), "name=x"),
        post("role/add/0".into(), "name=x"),
        post(format!("role/update/{}", own.role), "name=x"),
        post(format!("role/delete/{}", own.role), ""),
        post("quanxian/add/0".into(), "path=x&title=x"),
        post(format!("quanxian/update/{}", own.permission), "title=x"),
        post(format!("quanxian/delete/{}", own.permission), ""),
        post("company/add/0".into(), "name=x"),
        post(format!("company/update/{}", own.company), "name=x"),
        post(format!("company/delete/{}", own.child), ""),
        post("website".into(), r#"cover_picture=["x.png"]"#),
    ]
}

#[test]
fn a_role_without_the_permission_is_403_everywhere_and_changes_nothing() {
    let f = firms();
    let before = snapshot(&f.app);
    for request in management(f.a, f.boss_a.user_id) {
        let json = call(&f.app, &f.sales_a, &request);
        assert_eq!(json["code"], 403, "{request:?}: {json}");
    }
    assert_eq!(snapshot(&f.app), before);
    for (path, code) in [("mingpian", 200), ("tag_user", 200), ("website", 200)] {
        assert_eq!(get(&f.app, &f.sales_a, path, "")["code"], code, "{path}");
    }
}

#[test]
fn each_permission_opens_only_its_own_endpoints() {
    let f = firms();
    let user_admin = add_role(&f.app, &f.boss_a, "人事", "[1]");
    let hr = add_user(&f.app, &f.boss_a, "hr", user_admin);
    assert_eq!(get(&f.app, &hr, "user", "")["code"], 200);
    for path in ["role", "quanxian", "company"] {
        assert_eq!(get(&f.app, &hr, path, "")["code"], 403, "{path}");
    }
    let plain = add_role(&f.app, &f.boss_a, "普通", "[]");
    let body = format!("username=new&password=123456&role_id={plain}");
    assert_eq!(post(&f.app, &hr, "user/add/0", &body)["code"], 200);
    // f.a.role holds `customer`, which hr does not: hr may not hand it out.
    let body = format!("username=new2&password=123456&role_id={}", f.a.role);
    assert_eq!(post(&f.app, &hr, "user/add/0", &body)["code"], 403);
    assert_eq!(post(&f.app, &hr, "role/add/0", "name=x")["code"], 403);
}

#[test]
fn every_signed_endpoint_refuses_an_unsigned_request() {
    let f = firms();
    let before = snapshot(&f.app);
    let mut requests = management(f.a, f.boss_a.user_id);
    requests.extend(writes(f.a, f.a));
    for path in ["mingpian", "tag_user", "qr_code_auth", "website"] {
        requests.push((true, path.to_string(), String::new()));
    }
    for path in ["mingpian", "tag_user/add", "tag_user/save_phone", "upload"] {
        requests.push((false, path.to_string(), "name=x".to_string()));
    }
    for (is_get, path, body) in requests {
        let uri = format!("{}/{path}", super::W);
        let json = if is_get {
            f.app.get(&uri)
        } else {
            f.app.post_form(&uri, &body)
        };
        assert_eq!(json["code"], 400, "{path}: {json}");
    }
    assert_eq!(snapshot(&f.app), before);
}
