//! `POST /zhugeleida/admin/login`: an employee signs in with username and password.

use rocket::{post, routes, Route, State};
use serde_json::json;

use crate::db::Db;
use crate::error::{ApiError, Code};
use crate::password;
use crate::web::blocking;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::employee;

pub fn routes() -> Vec<Route> {
    routes![login]
}

#[post("/login", data = "<p>")]
async fn login(p: Params, db: &State<Db>) -> Reply {
    let username = p.text("username")?;
    let password = p.text("password")?;
    let account = db
        .run(move |c| employee::account_by_username(c, &username))
        .await?;
    let (account, password_ok) = blocking(move || {
        let matches = match &account {
            Some(a) => password::verify(&password, &a.password_hash),
            None => {
                password::burn_time(&password);
                false
            }
        };
        Ok((account, matches))
    })
    .await?;
    let account = match account {
        Some(a) if password_ok => a,
        _ => return Err(ApiError::new(Code::BadLogin, "账号或密码错误")),
    };
    if account.status != 1 {
        return Err(ApiError::new(Code::Disabled, "账户未启用"));
    }
    if account.expired {
        return Err(ApiError::forbidden("账户过期"));
    }
    let id = account.id;
    db.tx(move |tx| employee::touch_login(tx, id)).await?;
    ok(
        "登录成功",
        json!({
            "token": account.token,
            "user_id": account.id,
            "company_id": account.company_id,
            "company_name": account.company_name,
            "role_id": account.role_id,
            "role_name": account.role_name,
            "avatar": account.avatar,
            "last_login_date": account.last_login_date.unwrap_or_default(),
        }),
    )
}
