//! The refusal type every handler returns, and the codes the seeds document.

use std::borrow::Cow;
use std::fmt::Display;

/// The documented refusal codes (seed 001/003 "code 说明", SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    NameExists = 300,
    WrongType = 301,
    NotFound = 302,
    Invalid = 303,
    HasChildren = 304,
    SelfDelete = 305,
    Disabled = 306,
    BadToken = 400,
    BadLogin = 401,
    BadMethod = 402,
    Forbidden = 403,
    NoEndpoint = 404,
    Internal = 500,
}

impl Code {
    pub fn number(self) -> u16 {
        self as u16
    }
}

/// A refusal the caller may read; `detail` is for the log only and never sent.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: Code,
    pub msg: Cow<'static, str>,
    pub detail: Option<String>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(code: Code, msg: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            code,
            msg: msg.into(),
            detail: None,
        }
    }

    /// A required parameter is absent or empty.
    pub fn missing(field: &str) -> Self {
        Self::new(Code::Invalid, format!("缺少参数 {field}"))
    }

    /// A parameter is present but of the wrong type (`uid=abc`).
    pub fn wrong_type(field: &str) -> Self {
        Self::new(Code::WrongType, format!("参数 {field} 格式错误"))
    }

    /// A parameter has the right type but an unacceptable value.
    pub fn invalid(field: &str, why: &str) -> Self {
        Self::new(Code::Invalid, format!("参数 {field} {why}"))
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(Code::NotFound, format!("{what}不存在"))
    }

    pub fn forbidden(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::Forbidden, msg)
    }

    /// An outside service (WeChat...) failed; `msg` says which and why, for the caller.
    pub fn upstream(msg: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Code::Internal, msg)
    }

    pub fn internal(cause: impl Display) -> Self {
        ApiError {
            code: Code::Internal,
            msg: "服务器内部错误".into(),
            detail: Some(cause.to_string()),
        }
    }
}

impl Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code.number(), self.msg)?;
        if let Some(detail) = &self.detail {
            write!(f, " ({detail})")?;
        }
        Ok(())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<r2d2::Error> for ApiError {
    fn from(e: r2d2::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<std::io::Error> for ApiError {
    fn from(e: std::io::Error) -> Self {
        ApiError::internal(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::internal(e)
    }
}
