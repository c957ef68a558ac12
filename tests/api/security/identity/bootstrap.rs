//! No role goes to whoever arrives first: the operator grants the design manager and the
//! repair admin with `leida promote`, and the CLI's password hint is the enforced minimum.

use std::process::{Command, Output};

use serde_json::{json, Value};

use crate::common::TestApp;

/// Runs the `leida` binary on the test server's database (the CLI works while it serves).
fn leida(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leida"))
        .args(args)
        .env("ROCKET_DB_PATH", app.dir.path().join("db").join("leida.db"))
        .env("ROCKET_DATA_DIR", app.dir.path().join("files"))
        .output()
        .expect("run leida")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn design_user(app: &TestApp, code: &str, phone: &str) -> String {
    let json = app.post_form("/small/getUserInfo", &format!("code={code}&iv=aXY="));
    let openid = json["data"]["openid"].as_str().unwrap().to_string();
    let json = app.post_form("/small/register", &format!("openid={openid}&phone={phone}"));
    assert_eq!(json["code"], 200, "{json}");
    openid
}

fn design_level(app: &TestApp, openid: &str) -> Value {
    app.post_form("/small/getUserLevel", &format!("openid={openid}"))["data"]["level"].clone()
}

fn repair_register(app: &TestApp, code: &str) -> (i64, String) {
    let body = json!({"action": "register", "code": code, "userinfo": {"name": code}});
    let json = app.post_json("/api/user", &body);
    assert_eq!(json["code"], 0, "{json}");
    (
        json["data"]["user"]["id"].as_i64().unwrap(),
        json["data"]["token"].as_str().unwrap().to_string(),
    )
}

fn repair_role(app: &TestApp, id: i64) -> String {
    app.db()
        .query_row("SELECT role FROM rp_user WHERE id = ?1", [id], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_first_design_user_is_a_customer_not_the_manager() {
    let app = TestApp::new();
    let first = design_user(&app, "first", "13900000000");
    assert_eq!(design_level(&app, &first), 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM sm_user WHERE level > 1"), 0);
    // So the first to arrive cannot staff the firm either.
    let json = app.post_form(
        "/small/addEmploye",
        &format!("openid={first}&phone=13900000001&level=4"),
    );
    assert_eq!(json["code"], 403, "{json}");
}

#[test]
fn the_first_repair_user_is_normal_not_the_admin() {
    let app = TestApp::new();
    let (id, _) = repair_register(&app, "first");
    assert_eq!(repair_role(&app, id), "normal");
}

#[test]
fn leida_promote_grants_design_levels_and_says_what_it_did() {
    let app = TestApp::new();
    let owner = design_user(&app, "owner", "13900000000");
    let done = leida(&app, &["promote", "design", &owner, "manager"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    let said = text(&done.stdout);
    assert!(
        said.contains(&owner) && said.contains("客户 → 管理员"),
        "{said}"
    );
    assert_eq!(design_level(&app, &owner), 4);
    // The other valid levels, and back.
    for (level, want) in [
        ("service", 3),
        ("designer", 2),
        ("customer", 1),
        ("manager", 4),
    ] {
        assert!(leida(&app, &["promote", "design", &owner, level])
            .status
            .success());
        assert_eq!(design_level(&app, &owner), want, "{level}");
    }
}

#[test]
fn leida_promote_grants_repair_roles_and_says_what_it_did() {
    let app = TestApp::new();
    let (id, token) = repair_register(&app, "owner");
    let done = leida(&app, &["promote", "repair", &id.to_string(), "admin"]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(text(&done.stdout).contains("normal → admin"));
    assert_eq!(repair_role(&app, id), "admin");
    // The admin now lists users, which a normal user may not.
    let list = app
        .client
        .get("/api/user?view=list")
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .dispatch()
        .into_json::<Value>()
        .unwrap();
    assert_eq!(list["code"], 0, "{list}");
    assert!(
        leida(&app, &["promote", "repair", &id.to_string(), "repair"])
            .status
            .success()
    );
    assert_eq!(repair_role(&app, id), "repair");
}

#[test]
fn leida_promote_refuses_unknown_people_roles_and_apps_clearly() {
    let app = TestApp::new();
    let owner = design_user(&app, "owner", "13900000000");
    let (id, _) = repair_register(&app, "owner");
    let id = id.to_string();
    for (args, says) in [
        (vec!["promote", "design", "o-nobody", "manager"], "o-nobody"),
        (
            vec!["promote", "design", &owner, "boss"],
            "customer, designer, service 或 manager",
        ),
        (vec!["promote", "repair", "999", "admin"], "999"),
        (vec!["promote", "repair", "abc", "admin"], "id (数字)"),
        (
            vec!["promote", "repair", &id, "root"],
            "normal, repair 或 admin",
        ),
        (vec!["promote", "shop", &id, "admin"], "design 或 repair"),
        (vec!["promote", "design", &owner], "用法"),
    ] {
        let done = leida(&app, &args);
        assert!(!done.status.success(), "{args:?}");
        let err = text(&done.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(design_level(&app, &owner), 1, "nothing changed");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM rp_user WHERE role != 'normal'"),
        0
    );
}

#[test]
fn the_password_hint_is_the_minimum_leida_admin_enforces() {
    let app = TestApp::new();
    let min = leida::password::MIN_LEN;
    assert!(
        leida::cli::first_steps("http://x/console/#/setup?token=t")
            .contains(&format!("至少{min}位")),
        "{}",
        leida::cli::first_steps("http://x/console/#/setup?token=t")
    );
    let short = "x".repeat(min - 1);
    let done = leida(&app, &["admin", "--username", "boss", "--password", &short]);
    assert!(!done.status.success());
    assert!(text(&done.stderr).contains(&format!("至少 {min} 位")));
    let exact = "y".repeat(min);
    let done = leida(&app, &["admin", "--username", "boss", "--password", &exact]);
    assert!(done.status.success(), "{}", text(&done.stderr));
    app.login("boss", &exact);
}
