//! Seed 002 §1.1 / §2.1: sign-up and sign-in for both sides, at `/api/<user|consultant>/`:
//! `verification_code` + `signin` (phone and SMS code), `register`, `login`.

use rocket::http::CookieJar;
use rocket::{post, routes, Route, State};
use rusqlite::{params, Connection};

use super::reply::{ok, signed_in, Reply};
use super::session::{self, MaybeSignedIn};
use super::{sms, Kind};
use crate::clock;
use crate::config::Settings;
use crate::db::{Db, OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::task::blocking;
use crate::text;
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![verification_code, signin, register, login]
}

#[post("/<kind>/verification_code", data = "<p>")]
async fn verification_code(
    kind: Kind,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let phone = sms::phone(&p.text("phone_number")?)?;
    let target = phone.clone();
    let daily_cap = settings.sms_daily_per_phone;
    let (id, code) = db
        .tx(move |tx| sms::issue(tx, kind, &target, clock::now_ms(), daily_cap))
        .await?;
    let config = settings.sms_config();
    if let Err(e) = blocking(move || sms::deliver(&config, &phone, &code)).await {
        db.tx(move |tx| sms::withdraw(tx, id)).await?;
        return Err(e.into());
    }
    ok(vec![])
}

/// Phone sign-up and sign-in: the account of that phone on this side, created if new.
#[post("/<kind>/signin", data = "<p>")]
async fn signin(
    kind: Kind,
    p: Params,
    db: &State<Db>,
    jar: &CookieJar<'_>,
    settings: &State<Settings>,
) -> Reply {
    let phone = sms::phone(&p.text("phone_number")?)?;
    let code = p.text("verification_code")?;
    let outcome = db
        .tx(move |tx| {
            if let Err(refusal) = sms::check(tx, kind, &phone, &code, clock::now_ms())? {
                return Ok(Err(refusal));
            }
            let id = account_of_phone(tx, kind, &phone)?;
            Ok(Ok((id, session::create(tx, id)?)))
        })
        .await?;
    let (id, token) = outcome?;
    session::set_cookie(jar, kind, &token, settings.https());
    signed_in(id, &token)
}

fn account_of_phone(conn: &Connection, kind: Kind, phone: &str) -> ApiResult<i64> {
    let existing = conn
        .query_row(
            "SELECT id FROM cs_account WHERE kind = ?1 AND phone = ?2",
            params![kind.as_str(), phone],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    conn.execute(
        "INSERT INTO cs_account (kind, phone, create_date) VALUES (?1, ?2, ?3)",
        params![kind.as_str(), phone, clock::now()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// What `register` accepts, checked.
struct Registration {
    username: String,
    password: String,
    realname: String,
    gender: Option<i64>,
    email: String,
}

fn registration(p: &Params) -> ApiResult<Registration> {
    let username = p.text("username")?;
    let password = p.text("password")?;
    let again = p.text("password_again")?;
    let chars = username.chars().count();
    if !(3..=32).contains(&chars) || username.chars().any(char::is_whitespace) {
        return Err(ApiError::invalid(
            "username",
            "须为 3 到 32 个字符且不含空格",
        ));
    }
    if !(8..=128).contains(&password.chars().count()) {
        return Err(ApiError::invalid("password", "须为 8 到 128 个字符"));
    }
    if password != again {
        return Err(ApiError::invalid("password_again", "与 password 不一致"));
    }
    let email = p.bounded("email", text::LINE)?.unwrap_or_default();
    if !email.is_empty() && !is_email(&email) {
        return Err(ApiError::invalid("email", "不是有效的邮箱地址"));
    }
    let realname = p.bounded("realname", text::NAME)?.unwrap_or_default();
    let gender = match p.str("gender") {
        None => None,
        Some("1" | "true") => Some(1),
        Some("0" | "false") => Some(0),
        Some(_) => return Err(ApiError::invalid("gender", "只能是 1 (男) 或 0 (女)")),
    };
    Ok(Registration {
        username,
        password,
        realname,
        gender,
        email,
    })
}

/// One `@`, a non-empty local part, a dotted domain, no spaces.
fn is_email(raw: &str) -> bool {
    let Some((local, domain)) = raw.split_once('@') else {
        return false;
    };
    raw.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && !raw.chars().any(char::is_whitespace)
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
}

/// A new account, or, for a caller signed in by phone whose account has no username yet,
/// that account completed (the seed's phone sign-up followed by "注册信息提交").
#[post("/<kind>/register", data = "<p>")]
async fn register(
    kind: Kind,
    p: Params,
    me: MaybeSignedIn,
    db: &State<Db>,
    jar: &CookieJar<'_>,
    settings: &State<Settings>,
) -> Reply {
    let form = registration(&p)?;
    let password = form.password.clone();
    let hash = blocking(move || crate::password::hash(&password)).await?;
    let current = me.0.map(|a| a.id);
    let (id, token) = db
        .tx(move |tx| {
            let id = save_registration(tx, kind, current, &form, &hash)?;
            Ok((id, session::create(tx, id)?))
        })
        .await?;
    session::set_cookie(jar, kind, &token, settings.https());
    signed_in(id, &token)
}

fn save_registration(
    conn: &Connection,
    kind: Kind,
    current: Option<i64>,
    form: &Registration,
    hash: &str,
) -> ApiResult<i64> {
    let taken = "用户名已存在";
    if let Some(id) = current {
        let completed = conn
            .execute(
                "UPDATE cs_account SET username = ?2, password_hash = ?3, realname = ?4,
                     gender = ?5, email = ?6
                 WHERE id = ?1 AND username IS NULL",
                params![
                    id,
                    form.username,
                    hash,
                    form.realname,
                    form.gender,
                    form.email
                ],
            )
            .on_unique(Code::NameExists, taken)?;
        if completed == 1 {
            return Ok(id);
        }
    }
    conn.execute(
        "INSERT INTO cs_account (kind, username, password_hash, realname, gender, email, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![kind.as_str(), form.username, hash, form.realname, form.gender, form.email, clock::now()],
    )
    .on_unique(Code::NameExists, taken)?;
    Ok(conn.last_insert_rowid())
}

#[post("/<kind>/login", data = "<p>")]
async fn login(
    kind: Kind,
    p: Params,
    db: &State<Db>,
    jar: &CookieJar<'_>,
    settings: &State<Settings>,
) -> Reply {
    let username = p.text("username")?;
    let password = p.text("password")?;
    let stored = db
        .run(move |c| {
            Ok(c.query_row(
                "SELECT id, password_hash FROM cs_account WHERE kind = ?1 AND username = ?2",
                params![kind.as_str(), username],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?)
        })
        .await?;
    let matched = blocking(move || {
        Ok(match stored {
            Some((id, hash)) if crate::password::verify(&password, &hash) => Some(id),
            Some(_) => None,
            None => {
                crate::password::burn_time(&password);
                None
            }
        })
    })
    .await?;
    let id = matched.ok_or_else(|| ApiError::new(Code::BadLogin, "用户名或密码错误"))?;
    let token = db.tx(move |tx| session::create(tx, id)).await?;
    session::set_cookie(jar, kind, &token, settings.https());
    signed_in(id, &token)
}
