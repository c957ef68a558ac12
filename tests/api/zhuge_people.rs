//! The enterprise side's people and access: users, roles, permissions, companies, Work
//! WeChat sign-in, the employee's own card, uploads, the website, and the isolation matrix.

mod card;
mod companies;
mod matrix;
mod media;
mod roles;
mod users;
mod work_auth;

use serde_json::Value;

use crate::common::{Signer, TestApp};

pub const W: &str = "/zhugeleida/qiyeweixin";

/// GET `{W}/{path}` signed by `who`, with `extra` query parameters.
pub fn get(app: &TestApp, who: &Signer, path: &str, extra: &str) -> Value {
    app.get(&who.uri(&format!("{W}/{path}"), extra))
}

/// POST a form body to `{W}/{path}` signed by `who`.
pub fn post(app: &TestApp, who: &Signer, path: &str, body: &str) -> Value {
    app.post_form(&who.uri(&format!("{W}/{path}"), ""), body)
}

pub fn company_of(app: &TestApp, user_id: i64) -> i64 {
    app.count(&format!(
        "SELECT company_id FROM zl_employee WHERE id = {user_id}"
    ))
}

/// A role of the boss's company holding the permissions listed (JSON text, `[1,5]`).
pub fn add_role(app: &TestApp, boss: &Signer, name: &str, permissions: &str) -> i64 {
    let json = post(
        app,
        boss,
        "role/add/0",
        &format!("name={name}&permissionsList={permissions}"),
    );
    assert_eq!(json["code"], 200, "{json}");
    json["data"]["role_id"].as_i64().unwrap()
}

/// An employee added by the boss with password `pw-123456`, signed in.
pub fn add_user(app: &TestApp, boss: &Signer, username: &str, role_id: i64) -> Signer {
    let json = post(
        app,
        boss,
        "user/add/0",
        &format!("username={username}&password=pw-123456&role_id={role_id}"),
    );
    assert_eq!(json["code"], 200, "{json}");
    app.login(username, "pw-123456")
}

/// A salesperson whose role holds no permission.
pub fn salesperson(app: &TestApp, boss: &Signer, username: &str) -> Signer {
    let role = add_role(app, boss, &format!("销售-{username}"), "[]");
    add_user(app, boss, username, role)
}

/// Every row of the tables this area writes, to prove a refused request changed nothing.
pub fn snapshot(app: &TestApp) -> String {
    let conn = app.db();
    let mut out = String::new();
    for table in [
        "zl_company",
        "zl_employee",
        "zl_role",
        "zl_role_permission",
        "zl_permission",
        "zl_user_tag",
    ] {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            let values: Vec<rusqlite::types::Value> =
                (0..columns).map(|i| row.get(i).unwrap()).collect();
            out += &format!("{table}: {values:?}\n");
        }
    }
    out
}
