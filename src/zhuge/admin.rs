//! `POST /zhugeleida/admin/login`: an employee signs in with username and password.

use rocket::{post, routes, Route, State};

use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::password;
use crate::task::blocking;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::employee;

pub fn routes() -> Vec<Route> {
    routes![login]
}

#[post("/login", data = "<p>")]
async fn login(p: Params, db: &State<Db>) -> Reply {
    let account = authenticate(db, p.text("username")?, p.text("password")?).await?;
    account.check_active()?;
    let id = account.id;
    db.tx(move |tx| employee::touch_login(tx, id)).await?;
    ok("登录成功", account.sign_in_data())
}

/// The account whose password this is; an unknown name costs as long as a wrong password.
async fn authenticate(db: &Db, username: String, password: String) -> ApiResult<employee::Account> {
    let account = db
        .run(move |c| employee::account_by_username(c, &username))
        .await?;
    blocking(move || match account {
        Some(a) if password::verify(&password, &a.password_hash) => Ok(a),
        Some(_) => Err(ApiError::new(Code::BadLogin, "账号或密码错误")),
        None => {
            password::burn_time(&password);
            Err(ApiError::new(Code::BadLogin, "账号或密码错误"))
        }
    })
    .await
}
