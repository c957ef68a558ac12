//! The `{"code", "msg", "data"}` envelope, refusals from guards, and the JSON catchers.

use rocket::http::{Method, Status};
use rocket::request::{Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;
use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{ApiError, Code};

/// `{"code": .., "msg": .., "data": ..}`: Zhuge Leida, the design forms and repair.
#[derive(Serialize)]
pub struct Envelope {
    pub code: u16,
    pub msg: String,
    pub data: Value,
}

/// What a Zhuge handler returns.
pub type Reply = Result<Json<Envelope>, ApiError>;

/// Success with the seed's message and data.
pub fn ok(msg: &str, data: Value) -> Reply {
    Ok(Json(Envelope {
        code: 200,
        msg: msg.to_string(),
        data,
    }))
}

impl<'r> Responder<'r, 'static> for ApiError {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        log_refusal(req, &self);
        let body = Envelope {
            code: self.code.number(),
            msg: self.msg.into_owned(),
            data: json!({}),
        };
        // Explicit 200: inside a catcher an unset status would become the error status.
        Response::build_from(Json(body).respond_to(req)?)
            .status(Status::Ok)
            .ok()
    }
}

/// Internal failures are logged with their detail; refusals are not worth a log line.
pub fn log_refusal(req: &Request<'_>, err: &ApiError) {
    if let Some(detail) = &err.detail {
        log::error!("{} {}: {detail}", req.method(), req.uri().path());
    }
}

/// Why a guard refused; Rocket 0.5 catchers cannot see a guard's error value.
struct Refusal(Option<ApiError>);

/// Fails a guard with `err`, which the app's catcher then answers.
pub fn refuse<T>(req: &Request<'_>, err: ApiError) -> Outcome<T, ApiError> {
    Outcome::Error(remember(req, err))
}

/// Keeps `err` for the catcher; the status only routes the request to it.
pub fn remember(req: &Request<'_>, err: ApiError) -> (Status, ApiError) {
    req.local_cache(|| Refusal(Some(err.clone())));
    (Status::UnprocessableEntity, err)
}

/// The refusal a catcher should answer with for this failed request.
pub fn refusal_for(status: Status, req: &Request<'_>) -> ApiError {
    if let Some(err) = &req.local_cache(|| Refusal(None)).0 {
        return err.clone();
    }
    match status.code {
        404 if other_method_matches(req) => ApiError::new(Code::BadMethod, "请求方式异常"),
        404 => ApiError::new(Code::NoEndpoint, "非法请求"),
        413 => ApiError::new(Code::Invalid, "请求体过大"),
        400 | 415 | 422 => ApiError::new(Code::Invalid, "请求参数错误"),
        _ => ApiError::internal(status),
    }
}

/// The catcher of the `{"code", "msg", "data"}` apps.
#[rocket::catch(default)]
pub fn catcher(status: Status, req: &Request<'_>) -> ApiError {
    refusal_for(status, req)
}

/// Paths no app owns answer in the shared envelope too, but with the real HTTP status:
/// a monitor or a browser asking for `/favicon.ico` should see a 404, not a refusal in 200.
#[rocket::catch(default)]
pub fn server_catcher(status: Status, req: &Request<'_>) -> Json<Envelope> {
    Json(Envelope {
        code: status.code,
        msg: refusal_for(status, req).msg.into_owned(),
        data: Value::Null,
    })
}

/// Whether a route with another method serves this path: then the method is what is wrong.
fn other_method_matches(req: &Request<'_>) -> bool {
    let path: Vec<&str> = segments(req.uri().path().as_str());
    req.rocket()
        .routes()
        .filter(|route| route.method != req.method() && route.method != Method::Head)
        .any(|route| path_matches(&segments(route.uri.path()), &path))
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn path_matches(route: &[&str], path: &[&str]) -> bool {
    let mut i = 0;
    for seg in route {
        if seg.starts_with('<') && seg.ends_with("..>") {
            return true;
        }
        match path.get(i) {
            Some(p) if seg.starts_with('<') || p == seg => i += 1,
            _ => return false,
        }
    }
    i == path.len()
}
