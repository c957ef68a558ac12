//! Request parameters from the query string and the body (urlencoded or JSON), read by
//! name with typed getters whose refusals name the field: missing → 303, wrong type → 301.

use std::str::FromStr;

use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::RawStr;
use rocket::request::{self, FromRequest, Request};
use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::text::Limit;
use crate::web::envelope::remember;

/// Body fields first, then the query string; the first non-empty value of a name wins.
#[derive(Debug, Default, Clone)]
pub struct Params {
    fields: Vec<(String, String)>,
}

/// `current_page` (from 1) and `length` (default 20), as SQL `LIMIT`/`OFFSET`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub limit: i64,
    pub offset: i64,
}

impl Params {
    fn from_encoded(encoded: &str) -> Vec<(String, String)> {
        encoded
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k), decode(v))
            })
            .collect()
    }

    /// A JSON object becomes fields; nested arrays and objects stay JSON text, so a list
    /// such as `tag_list` reads the same in both encodings.
    fn from_json(body: &str) -> Option<Vec<(String, String)>> {
        let Value::Object(map) = serde_json::from_str::<Value>(body).ok()? else {
            return None;
        };
        Some(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| match v {
                    Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
        )
    }

    /// The raw value, if present and not blank.
    pub fn str(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// The value as given, even blank (to tell "clear it" from "leave it").
    pub fn given(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    }

    /// A required text value.
    pub fn text(&self, name: &str) -> ApiResult<String> {
        self.str(name)
            .map(str::to_string)
            .ok_or_else(|| ApiError::missing(name))
    }

    /// An optional text value, `None` when absent or blank.
    pub fn opt_text(&self, name: &str) -> Option<String> {
        self.str(name).map(str::to_string)
    }

    /// Optional text a person typed: at most `limit` characters, longer is refused (303
    /// naming the field).
    pub fn bounded(&self, name: &str, limit: Limit) -> ApiResult<Option<String>> {
        match self.str(name) {
            Some(text) => {
                limit.check(name, text)?;
                Ok(Some(text.to_string()))
            }
            None => Ok(None),
        }
    }

    /// Required text a person typed, at most `limit` characters.
    pub fn required(&self, name: &str, limit: Limit) -> ApiResult<String> {
        self.bounded(name, limit)?
            .ok_or_else(|| ApiError::missing(name))
    }

    /// Optional text from WeChat's profile (nickname, avatar URL, city): cut to `limit`, as
    /// the person never chose its length.
    pub fn cut(&self, name: &str, limit: Limit) -> Option<String> {
        self.str(name).map(|text| limit.cut(text))
    }

    /// A required number (`uid`, `current_page`...).
    pub fn num<T: FromStr>(&self, name: &str) -> ApiResult<T> {
        self.opt_num(name)?.ok_or_else(|| ApiError::missing(name))
    }

    /// An optional number: absent is `None`, malformed is a refusal.
    pub fn opt_num<T: FromStr>(&self, name: &str) -> ApiResult<Option<T>> {
        match self.str(name) {
            None => Ok(None),
            Some(raw) => raw
                .parse()
                .map(Some)
                .map_err(|_| ApiError::wrong_type(name)),
        }
    }

    /// A required id: a positive integer.
    pub fn id(&self, name: &str) -> ApiResult<i64> {
        self.opt_id(name)?.ok_or_else(|| ApiError::missing(name))
    }

    pub fn opt_id(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.opt_num::<i64>(name)? {
            Some(id) if id <= 0 => Err(ApiError::wrong_type(name)),
            other => Ok(other),
        }
    }

    /// An optional flag: `1`/`0`, `true`/`false` or Python's `True`/`False` (the original's
    /// clients send those); anything else is a refusal.
    pub fn opt_flag(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.str(name) {
            None => Ok(None),
            Some("1" | "true" | "True") => Ok(Some(true)),
            Some("0" | "false" | "False") => Ok(Some(false)),
            Some(_) => Err(ApiError::wrong_type(name)),
        }
    }

    /// The same fields, where `old` is also readable as `new` (for routes kept under the
    /// original's parameter names); a `new` the caller sent wins.
    pub fn renamed(mut self, old: &str, new: &str) -> Self {
        if self.str(new).is_none() {
            if let Some(value) = self.opt_text(old) {
                self.fields.insert(0, (new.to_string(), value));
            }
        }
        self
    }

    /// `current_page` from 1 (default 1), `length` 1..=1000 (default 20).
    pub fn page(&self) -> ApiResult<Page> {
        self.page_or(20)
    }

    /// `current_page` and `length`, the length `default_length` unless given.
    pub fn page_or(&self, default_length: i64) -> ApiResult<Page> {
        let current: i64 = self.opt_num("current_page")?.unwrap_or(1);
        let length: i64 = self.opt_num("length")?.unwrap_or(default_length);
        if current < 1 {
            return Err(ApiError::invalid("current_page", "必须从 1 开始"));
        }
        if !(1..=1000).contains(&length) {
            return Err(ApiError::invalid("length", "必须在 1 到 1000 之间"));
        }
        Ok(Page {
            limit: length,
            offset: (current - 1) * length,
        })
    }
}

fn decode(raw: &str) -> String {
    RawStr::new(raw).url_decode_lossy().into_owned()
}

fn query_fields(req: &Request<'_>) -> Vec<(String, String)> {
    req.uri()
        .query()
        .map(|q| Params::from_encoded(q.as_str()))
        .unwrap_or_default()
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Params {
    type Error = ApiError;

    async fn from_request(req: &'r Request<'_>) -> request::Outcome<Self, ApiError> {
        request::Outcome::Success(Params {
            fields: query_fields(req),
        })
    }
}

#[rocket::async_trait]
impl<'r> FromData<'r> for Params {
    type Error = ApiError;

    async fn from_data(req: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let is_json = req.content_type().is_some_and(|ct| ct.is_json());
        let limit = req.limits().get(if is_json { "json" } else { "form" });
        let limit = limit.unwrap_or_else(|| 64.kibibytes());
        let body = match data.open(limit).into_string().await {
            Ok(body) if body.is_complete() => body.into_inner(),
            Ok(_) => return body_refused(req, ApiError::invalid("body", "过大")),
            Err(_) => return body_refused(req, ApiError::invalid("body", "无法读取")),
        };
        let trimmed = body.trim_start();
        let mut fields = if trimmed.starts_with('{') {
            match Params::from_json(trimmed) {
                Some(fields) => fields,
                None => {
                    return body_refused(req, ApiError::invalid("body", "不是合法的 JSON 对象"))
                }
            }
        } else {
            Params::from_encoded(body.trim())
        };
        fields.extend(query_fields(req));
        data::Outcome::Success(Params { fields })
    }
}

fn body_refused<'r>(req: &'r Request<'_>, err: ApiError) -> data::Outcome<'r, Params> {
    data::Outcome::Error(remember(req, err))
}
