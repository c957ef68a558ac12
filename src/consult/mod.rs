//! The consulting marketplace (seed 002): buyers post paid demands, consultants take them,
//! WeChat Pay settles. Buyers live under `/api/user/`, consultants under `/api/consultant/`,
//! payment under `/api/pay/`; every answer is `{"code": 0, "msg": "", "content": [...]}`.

pub mod account;
pub mod demo;
pub mod order;
pub mod pay;
pub mod post;
pub mod price;
pub mod privacy;
pub mod refund;
pub mod reply;
pub mod session;
pub mod sms;
pub mod status;
pub mod tag;
pub mod work;

use rocket::request::FromParam;
use rocket::{Build, Rocket};

pub use demo::demo;

pub fn mount(rocket: Rocket<Build>) -> Rocket<Build> {
    rocket
        .mount("/api", account::routes())
        .mount("/api", tag::routes())
        .mount("/api", privacy::routes())
        .mount("/api/user", post::routes())
        .mount("/api/user", order::routes())
        .mount("/api/consultant", work::routes())
        .mount("/api/pay", pay::routes())
}

/// The two sides of the marketplace; each signs in on its own prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A buyer (`/api/user/`), who posts demands and pays.
    User,
    /// A consultant (`/api/consultant/`), who takes paid demands.
    Consultant,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Consultant => "consultant",
        }
    }

    pub fn parse(raw: &str) -> Option<Kind> {
        match raw {
            "user" => Some(Kind::User),
            "consultant" => Some(Kind::Consultant),
            _ => None,
        }
    }

    /// What the seed calls this side, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Kind::User => "买家",
            Kind::Consultant => "顾问",
        }
    }
}

impl<'a> FromParam<'a> for Kind {
    type Error = &'a str;

    fn from_param(param: &'a str) -> Result<Self, Self::Error> {
        Kind::parse(param).ok_or(param)
    }
}
