//! `POST /zhugeleida/admin/login`: an employee signs in with username and password;
//! `modify_password` changes the signer's own.
//! `/zhugeleida/admin/setup`: on a server without employees, the holder of the printed
//! setup link creates the first administrator and company, and is signed in.

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::password;
use crate::task::blocking;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::{employee, setup};
use crate::zhuge::principal::Employee;

pub fn routes() -> Vec<Route> {
    routes![login, modify_password, setup_check, set_up]
}

#[post("/login", data = "<p>")]
async fn login(p: Params, db: &State<Db>) -> Reply {
    let account = authenticate(db, p.text("username")?, p.text("password")?).await?;
    account.check_active()?;
    let id = account.id;
    db.tx(move |tx| employee::touch_login(tx, id)).await?;
    ok("登录成功", account.sign_in_data())
}

/// The signer's own new password, typed twice (`password1`, `password2`); afterwards sign-in
/// answers `is_reset_password: true`. The signature (token) stays valid.
#[post("/modify_password", data = "<p>")]
async fn modify_password(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let password = p.text("password1")?.trim().to_string();
    if p.text("password2")?.trim() != password {
        return Err(ApiError::new(Code::Invalid, "输入密码不一致"));
    }
    if password.chars().count() < password::MIN_LEN {
        let why = format!("至少 {} 位", password::MIN_LEN);
        return Err(ApiError::invalid("password1", &why));
    }
    let hash = blocking(move || password::hash(&password)).await?;
    db.tx(move |tx| employee::choose_password(tx, me.id, &hash))
        .await?;
    ok("修改密码成功", json!({}))
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

/// Whether a setup link still works (the console shows the form or says to sign in).
#[get("/setup")]
async fn setup_check(p: Params, db: &State<Db>) -> Reply {
    let token = p.text("token")?;
    let secrets = db.secrets().clone();
    let valid = db
        .run(move |c| setup::is_valid(c, &secrets, &token))
        .await?;
    ok("查询成功", json!({"valid": valid}))
}

/// The first administrator and company, from the setup link; answers like `login`.
#[post("/setup", data = "<p>")]
async fn set_up(p: Params, db: &State<Db>) -> Reply {
    let token = p.text("token")?;
    let username = p.required("username", text::NAME)?.trim().to_string();
    let company = p.required("company", text::NAME)?.trim().to_string();
    let password = p.text("password")?;
    if password.chars().count() < password::MIN_LEN {
        let why = format!("至少 {} 位", password::MIN_LEN);
        return Err(ApiError::invalid("password", &why));
    }
    let hash = blocking(move || password::hash(&password)).await?;
    let secrets = db.secrets().clone();
    let name = username.clone();
    db.tx(move |tx| setup::claim(tx, &secrets, &token, &name, &hash, &company))
        .await?;
    let account = db
        .run(move |c| employee::account_by_username(c, &username))
        .await?
        .ok_or_else(|| ApiError::internal("the new administrator is missing"))?;
    ok("设置完成", account.sign_in_data())
}
