//! Signed requests (SPEC §4): the query carries `user_id`, `timestamp` (ms) and
//! `rand_str = md5(timestamp + token)`; the guards below prove who signed
//! (the principals are in `principal.rs`).

use rocket::request::{FromRequest, Outcome, Request};
use rocket::State;
use subtle::ConstantTimeEq;

use super::data::{customer, employee};
use super::principal::{Customer, Employee, SignedEmployee, Signer};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::web::envelope::refuse;

/// The three signed query parameters.
struct Signature {
    user_id: i64,
    timestamp: i64,
    rand_str: String,
}

fn bad_token(why: &'static str) -> ApiError {
    ApiError::new(Code::BadToken, why)
}

fn signature(req: &Request<'_>, settings: &Settings) -> ApiResult<Signature> {
    let field = |name: &str| req.query_value::<&str>(name).and_then(Result::ok);
    let (Some(user_id), Some(timestamp), Some(rand_str)) =
        (field("user_id"), field("timestamp"), field("rand_str"))
    else {
        return Err(bad_token("缺少签名参数"));
    };
    let user_id = user_id.trim().parse().map_err(|_| bad_token("token异常"))?;
    let timestamp: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| bad_token("token异常"))?;
    let max_skew_ms = settings.auth_max_skew_secs.saturating_mul(1000);
    if max_skew_ms > 0 && crate::clock::now_ms().abs_diff(timestamp) > max_skew_ms {
        return Err(bad_token("请求已过期"));
    }
    Ok(Signature {
        user_id,
        timestamp,
        rand_str: rand_str.trim().to_ascii_lowercase(),
    })
}

/// Constant-time, so response timing says nothing about the token.
fn signature_matches(rand_str: &str, timestamp: i64, token: &str) -> bool {
    let expected = format!("{:x}", md5::compute(format!("{timestamp}{token}")));
    bool::from(expected.as_bytes().ct_eq(rand_str.as_bytes()))
}

async fn verify_customer(req: &Request<'_>) -> ApiResult<Customer> {
    let (settings, db) = state(req).await?;
    let sig = signature(req, settings)?;
    let id = sig.user_id;
    let token = db.point_read(|c| customer::token(c, id))?;
    match token {
        Some(token) if signature_matches(&sig.rand_str, sig.timestamp, &token) => {
            Ok(Customer { id })
        }
        _ => Err(bad_token("token异常")),
    }
}

async fn verify_employee(req: &Request<'_>) -> ApiResult<SignedEmployee> {
    let (settings, db) = state(req).await?;
    let sig = signature(req, settings)?;
    let id = sig.user_id;
    let key = db.point_read(|c| employee::signing_key(c, id))?;
    let Some(key) = key.filter(|k| signature_matches(&sig.rand_str, sig.timestamp, &k.token))
    else {
        return Err(bad_token("token异常"));
    };
    if key.status != 1 {
        return Err(ApiError::new(Code::Disabled, "账户未启用"));
    }
    if key.expired {
        return Err(ApiError::forbidden("账户过期"));
    }
    let me = Employee {
        id,
        company_id: key.company_id,
        role_id: key.role_id,
    };
    Ok(SignedEmployee {
        me,
        token: key.token,
    })
}

async fn state<'r>(req: &'r Request<'_>) -> ApiResult<(&'r Settings, &'r Db)> {
    let settings = req.guard::<&State<Settings>>().await.succeeded();
    let db = req.guard::<&State<Db>>().await.succeeded();
    match (settings, db) {
        (Some(s), Some(d)) => Ok((s.inner(), d.inner())),
        _ => Err(ApiError::internal("settings or db not managed")),
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Customer {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match verify_customer(req).await {
            Ok(me) => Outcome::Success(me),
            Err(err) => refuse(req, err),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Employee {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match verify_employee(req).await {
            Ok(signed) => Outcome::Success(signed.me),
            Err(err) => refuse(req, err),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for SignedEmployee {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        match verify_employee(req).await {
            Ok(signed) => Outcome::Success(signed),
            Err(err) => refuse(req, err),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Signer {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let signer = match verify_employee(req).await {
            Ok(signed) => Ok(Signer::Employee(signed.me)),
            Err(refused) if refused.code == Code::BadToken => verify_customer(req)
                .await
                .map(Signer::Customer)
                .map_err(|_| refused),
            Err(refused) => Err(refused),
        };
        match signer {
            Ok(signer) => Outcome::Success(signer),
            Err(err) => refuse(req, err),
        }
    }
}
