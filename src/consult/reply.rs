//! The consulting envelope: `{"code": 0, "msg": "", "content": [...]}`; refusals carry a
//! non-zero code (the same numbers as the other apps), a message and `content: []`.

use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;
use serde_json::{json, Value};

use crate::error::ApiError;
use crate::web::envelope::log_refusal;

/// An `ApiError` answered in the consulting envelope; `?` converts.
#[derive(Debug, Clone)]
pub struct ConsultError(pub ApiError);

impl From<ApiError> for ConsultError {
    fn from(e: ApiError) -> Self {
        ConsultError(e)
    }
}

impl<'r> Responder<'r, 'static> for ConsultError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        log_refusal(req, &self.0);
        let body = json!({
            "code": self.0.code.number(),
            "msg": self.0.msg,
            "content": [],
        });
        // Explicit 200: inside a catcher an unset status would become the error status.
        Response::build_from(Json(body).respond_to(req)?)
            .status(Status::Ok)
            .ok()
    }
}

pub type Reply = Result<Json<Value>, ConsultError>;

pub fn ok(content: Vec<Value>) -> Reply {
    Ok(Json(json!({"code": 0, "msg": "", "content": content})))
}

/// A sign-in answer: the seed's `content` plus the session token, for clients (mini-programs)
/// that keep no cookies and send `Authorization: Bearer` instead.
pub fn signed_in(id: i64, token: &str) -> Reply {
    Ok(Json(
        json!({"code": 0, "msg": "", "content": [id], "token": token}),
    ))
}
