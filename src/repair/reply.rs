//! The repair app's envelope `{"code": 0, "msg": "", "data": ...}`, its refusals, and the
//! `Authorization: Bearer` guard.

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;
use rocket::State;
use serde_json::{json, Value};

use super::data::{self, Member};
use crate::db::Db;
use crate::error::{ApiError, Code};
use crate::web::envelope::{log_refusal, refusal_for, remember};

/// A refusal: `code` is never 0. Besides the shared codes (302 not found, 303 bad field,
/// 400 not signed in, 403 not allowed), 409 means the request is in the wrong state for
/// the action.
#[derive(Debug, Clone)]
pub struct RepairError {
    pub code: u16,
    pub err: ApiError,
}

pub const WRONG_STATE: u16 = 409;

impl RepairError {
    pub fn wrong_state(msg: String) -> RepairError {
        RepairError {
            code: WRONG_STATE,
            err: ApiError::new(Code::Invalid, msg),
        }
    }
}

impl From<ApiError> for RepairError {
    fn from(err: ApiError) -> Self {
        RepairError {
            code: err.code.number(),
            err,
        }
    }
}

impl From<rusqlite::Error> for RepairError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::from(e).into()
    }
}

impl<'r> Responder<'r, 'static> for RepairError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        log_refusal(req, &self.err);
        let body = json!({"code": self.code, "msg": self.err.msg, "data": null});
        Response::build_from(Json(body).respond_to(req)?)
            .status(Status::Ok)
            .ok()
    }
}

pub type Reply = Result<Json<Value>, RepairError>;

pub fn ok(data: Value) -> Reply {
    Ok(Json(json!({"code": 0, "msg": "", "data": data})))
}

/// Unknown paths and unreadable bodies under the repair prefixes, in the repair envelope.
#[rocket::catch(default)]
pub fn catcher(status: Status, req: &Request<'_>) -> RepairError {
    refusal_for(status, req).into()
}

/// A signed-in repair user (`Authorization: Bearer <token>` from `/api/login`).
#[rocket::async_trait]
impl<'r> FromRequest<'r> for Member {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ApiError> {
        let token = req
            .headers()
            .get_one("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let Some(token) = token else {
            return Outcome::Error(remember(req, not_signed_in("请先登录")));
        };
        let Some(db) = req.guard::<&State<Db>>().await.succeeded() else {
            return Outcome::Error(remember(req, ApiError::internal("db not managed")));
        };
        match db.point_read(|c| data::by_token(c, token)) {
            Ok(Some(member)) => Outcome::Success(member),
            Ok(None) => Outcome::Error(remember(req, not_signed_in("登录已失效, 请重新登录"))),
            Err(err) => Outcome::Error(remember(req, err)),
        }
    }
}

fn not_signed_in(msg: &'static str) -> ApiError {
    ApiError::new(Code::BadToken, msg)
}
