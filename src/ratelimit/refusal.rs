//! The answer to a limited request, in the caller's terms, with `Retry-After`.

use rocket::http::{ContentType, Header, Status};
use rocket::response::{self, Responder, Response};
use rocket::serde::json::Json;
use rocket::{get, post, routes, Request, Route};
use serde_json::json;

use super::rules::Answer;
use crate::wechat::pay;

/// The app's envelope with code 429 in HTTP 200 like every answer of that app; WeChat Pay's
/// XML `FAIL` for a notify; HTTP 429 for a public page.
pub struct Limited {
    answer: Answer,
    wait: u64,
}

impl<'r> Responder<'r, 'static> for Limited {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'static> {
        let msg = format!("请求过于频繁, 请 {} 秒后再试", self.wait);
        // A v3 notify hears JSON and a non-2xx status, or WeChat Pay would take it as received.
        let v3_notify = self.answer == Answer::PayXml
            && req
                .headers()
                .contains(crate::wechat::pay_v3::verify::HEADER_SIGNATURE);
        let base = match self.answer {
            Answer::PayXml if v3_notify => {
                Json(json!({"code": "FREQUENCY_LIMITED", "message": msg})).respond_to(req)?
            }
            Answer::Zhuge | Answer::Design => {
                Json(json!({"code": 429, "msg": msg, "data": {}})).respond_to(req)?
            }
            Answer::Consult => {
                Json(json!({"code": 429, "msg": msg, "content": []})).respond_to(req)?
            }
            Answer::Repair => {
                Json(json!({"code": 429, "msg": msg, "data": null})).respond_to(req)?
            }
            Answer::PayXml => (ContentType::XML, pay::reply(false, &msg)).respond_to(req)?,
            Answer::Page => (ContentType::Plain, msg).respond_to(req)?,
        };
        let status = match self.answer {
            Answer::Page => Status::TooManyRequests,
            Answer::PayXml if v3_notify => Status::TooManyRequests,
            _ => Status::Ok,
        };
        Response::build_from(base)
            .status(status)
            .header(Header::new("Retry-After", self.wait.to_string()))
            .ok()
    }
}

impl Limited {
    /// The refusal of a limit a handler applies, `wait` seconds before a retry may pass.
    pub fn new(answer: Answer, wait: u64) -> Limited {
        Limited {
            answer,
            wait: wait.clamp(1, 3600),
        }
    }
}

fn limited(app: &str, wait: Option<u64>) -> Result<Limited, Status> {
    let answer = Answer::from_name(app).ok_or(Status::NotFound)?;
    Ok(Limited {
        answer,
        wait: wait.unwrap_or(60).clamp(1, 3600),
    })
}

#[get("/__leida/limited/<app>?<wait>")]
fn limited_get(app: &str, wait: Option<u64>) -> Result<Limited, Status> {
    limited(app, wait)
}

#[post("/__leida/limited/<app>?<wait>")]
fn limited_post(app: &str, wait: Option<u64>) -> Result<Limited, Status> {
    limited(app, wait)
}

pub fn routes() -> Vec<Route> {
    routes![limited_get, limited_post]
}
