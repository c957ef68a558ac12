//! Which shape a company's clients get where seeds 001/003 and the original 2018 server
//! disagree (docs/zhuge.md, "Clients of the original server"): the `zhuge_dialect` config
//! key, overridden per company by `zl_company.dialect`.

use rusqlite::{Connection, OptionalExtension};
use serde_json::Value;

use crate::config::Settings;
use crate::error::{ApiError, ApiResult, Code};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// As the seed documents say.
    Seed,
    /// As the original server's final code (Oct 2018) answered.
    Original,
}

impl Dialect {
    pub fn parse(name: &str) -> Option<Dialect> {
        match name {
            "seed" => Some(Dialect::Seed),
            "original" => Some(Dialect::Original),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Seed => "seed",
            Dialect::Original => "original",
        }
    }

    /// The configured default (checked at start-up, so anything else is `seed`).
    pub fn configured(settings: &Settings) -> Dialect {
        Dialect::parse(&settings.zhuge_dialect).unwrap_or(Dialect::Seed)
    }

    pub fn original(self) -> bool {
        self == Dialect::Original
    }

    /// A single object as answered: the seeds wrap it in a one-element list, the original
    /// answered the object itself.
    pub fn single(self, object: Value) -> Value {
        match self {
            Dialect::Seed => Value::Array(vec![object]),
            Dialect::Original => object,
        }
    }

    /// A company's override, or the default.
    fn or(stored: Option<String>, default: Dialect) -> Dialect {
        stored
            .as_deref()
            .and_then(Dialect::parse)
            .unwrap_or(default)
    }
}

/// The dialect of a company's clients.
pub fn of_company(c: &Connection, company_id: i64, default: Dialect) -> ApiResult<Dialect> {
    let stored: Option<Option<String>> = c
        .prepare_cached("SELECT dialect FROM zl_company WHERE id = ?1")?
        .query_row([company_id], |r| r.get(0))
        .optional()?;
    Ok(Dialect::or(stored.flatten(), default))
}

/// The dialect of the company whose enabled card `uid` is; an unknown card is 302.
pub fn of_card(c: &Connection, uid: i64, default: Dialect) -> ApiResult<Dialect> {
    let stored: Option<Option<String>> = c
        .prepare_cached(
            "SELECT co.dialect FROM zl_employee e LEFT JOIN zl_company co ON co.id = e.company_id
             WHERE e.id = ?1 AND e.status = 1",
        )?
        .query_row([uid], |r| r.get(0))
        .optional()?;
    let stored = stored.ok_or_else(|| ApiError::not_found("名片"))?;
    Ok(Dialect::or(stored, default))
}

/// Sets (`Some`) or clears (`None`: follow the config) a company's override.
pub fn set_company(c: &Connection, company_id: i64, dialect: Option<Dialect>) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_company SET dialect = ?2 WHERE id = ?1",
        rusqlite::params![company_id, dialect.map(Dialect::name)],
    )?;
    Ok(())
}

/// A `zhuge_dialect` parameter: `seed`, `original`, or empty to follow the config.
pub fn parse_param(raw: &str) -> ApiResult<Option<Dialect>> {
    match raw.trim() {
        "" => Ok(None),
        name => Dialect::parse(name)
            .map(Some)
            .ok_or_else(|| ApiError::new(Code::Invalid, "zhuge_dialect 须为 seed 或 original")),
    }
}
