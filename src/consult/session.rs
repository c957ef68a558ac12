//! Sessions (SPEC §4): after sign-in the caller holds a random token, sent back either as the
//! HttpOnly cookie of its side or as `Authorization: Bearer`. Only its md5 is stored.

use rocket::http::{Cookie, CookieJar, SameSite};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::time::Duration;
use rocket::State;
use rusqlite::{params, Connection};

use super::Kind;
use crate::clock;
use crate::db::{Db, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::web::envelope::refuse;

/// How long a session lasts.
const LIFETIME_DAYS: i64 = 30;

/// A signed-in buyer or consultant.
#[derive(Debug, Clone, Copy)]
pub struct Account {
    pub id: i64,
    pub kind: Kind,
}

/// A signed-in buyer (`/api/user/` endpoints that need login).
#[derive(Debug, Clone, Copy)]
pub struct Buyer(pub i64);

/// A signed-in consultant.
#[derive(Debug, Clone, Copy)]
pub struct Consultant(pub i64);

/// The caller's session of a side, if any; never refuses (for `register`).
pub struct MaybeSignedIn(pub Option<Account>);

pub fn cookie_name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "consult_user",
        Kind::Consultant => "consult_consultant",
    }
}

fn token_hash(token: &str) -> String {
    format!("{:x}", md5::compute(token.as_bytes()))
}

/// Opens a session for `account_id`; returns the token.
pub fn create(conn: &Connection, account_id: i64) -> ApiResult<String> {
    let token = clock::token();
    let expires = clock::now_ms() + LIFETIME_DAYS * 24 * 3600 * 1000;
    conn.execute(
        "INSERT INTO cs_session (token_hash, account_id, expires_ms, create_date)
         VALUES (?1, ?2, ?3, ?4)",
        params![token_hash(&token), account_id, expires, clock::now()],
    )?;
    Ok(token)
}

/// Sets the HttpOnly cookie of `kind` to `token`; `Secure` when the server is reached over
/// https (`public_url`), so the browser never sends it in clear.
pub fn set_cookie(jar: &CookieJar<'_>, kind: Kind, token: &str, secure: bool) {
    let cookie = Cookie::build((cookie_name(kind), token.to_string()))
        .path("/api")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(LIFETIME_DAYS));
    jar.add(cookie);
}

/// The live session behind `token`: its account, or `None`.
fn lookup(conn: &Connection, token: &str) -> ApiResult<Option<(Account, bool)>> {
    let row = conn
        .query_row(
            "SELECT a.id, a.kind, s.expires_ms FROM cs_session s
             JOIN cs_account a ON a.id = s.account_id WHERE s.token_hash = ?1",
            [token_hash(token)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            },
        )
        .optional()?;
    Ok(row.and_then(|(id, kind, expires)| {
        let kind = Kind::parse(&kind)?;
        Some((Account { id, kind }, expires < clock::now_ms()))
    }))
}

/// The token this request carries for `wanted` (any side when `None`). A Bearer header,
/// when present, is the only one considered.
fn token_of(req: &Request<'_>, wanted: Option<Kind>) -> Option<String> {
    if let Some(header) = req.headers().get_one("Authorization") {
        let token = header.strip_prefix("Bearer ").unwrap_or(header).trim();
        return Some(token.to_string());
    }
    let sides = match wanted {
        Some(kind) => vec![kind],
        None => vec![Kind::User, Kind::Consultant],
    };
    sides
        .into_iter()
        .find_map(|kind| req.cookies().get(cookie_name(kind)))
        .map(|c| c.value().to_string())
}

async fn signed_in(req: &Request<'_>, wanted: Option<Kind>) -> ApiResult<Account> {
    let token = token_of(req, wanted).ok_or_else(|| ApiError::new(Code::BadToken, "请先登录"))?;
    let db = req
        .guard::<&State<Db>>()
        .await
        .succeeded()
        .ok_or_else(|| ApiError::internal("db not managed"))?;
    match db.point_read(|c| lookup(c, &token))? {
        None => Err(ApiError::new(Code::BadToken, "登录已失效, 请重新登录")),
        Some((_, true)) => Err(ApiError::new(Code::BadToken, "登录已过期, 请重新登录")),
        Some((account, false)) => match wanted {
            Some(kind) if kind != account.kind => {
                Err(ApiError::forbidden(format!("需要{}账号登录", kind.title())))
            }
            _ => Ok(account),
        },
    }
}

fn outcome<T>(req: &Request<'_>, found: ApiResult<T>) -> Outcome<T, ApiError> {
    match found {
        Ok(value) => Outcome::Success(value),
        Err(err) => refuse(req, err),
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Account {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        outcome(req, signed_in(req, None).await)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Buyer {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let found = signed_in(req, Some(Kind::User)).await.map(|a| Buyer(a.id));
        outcome(req, found)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Consultant {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let found = signed_in(req, Some(Kind::Consultant))
            .await
            .map(|a| Consultant(a.id));
        outcome(req, found)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MaybeSignedIn {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        // `/api/<kind>/register`: the side whose session may be completed.
        let kind = req.uri().path().segments().get(1).and_then(Kind::parse);
        let found = match kind {
            Some(kind) => signed_in(req, Some(kind)).await.ok(),
            None => None,
        };
        Outcome::Success(MaybeSignedIn(found))
    }
}

/// Deletes sessions that have expired (a batch of at most `retention::BATCH`).
pub fn prune_expired(conn: &Connection, rules: &crate::retention::Rules) -> ApiResult<usize> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM cs_session WHERE token_hash IN (
                 SELECT token_hash FROM cs_session WHERE expires_ms < ?1 LIMIT ?2)",
        )?
        .execute(params![rules.now_ms, crate::retention::BATCH as i64])?)
}
