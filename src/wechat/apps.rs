//! Whose WeChat apps a company's calls go through: its own (set in `zl_company`, secrets
//! sealed) and else the configured defaults (SPEC §3). Secrets are opened here, where the
//! credential is chosen, and nowhere else.

use rusqlite::{Connection, OptionalExtension};

use super::mini::MiniApp;
use super::token::WorkCorp;
use crate::error::ApiResult;
use crate::secrets::{Secrets, MP_SECRET, WORK_SECRET};

/// Where a credential came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Company,
    Config,
}

/// The mini-program of `company_id`: its own when it set an appid, else `configured`.
/// `None` when there is no such company.
pub fn mini_app_of(
    c: &Connection,
    secrets: &Secrets,
    configured: MiniApp,
    company_id: i64,
) -> ApiResult<Option<(MiniApp, Source)>> {
    let row: Option<(String, String)> = c
        .prepare_cached("SELECT mp_appid, mp_secret FROM zl_company WHERE id = ?1")?
        .query_row([company_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((appid, sealed)) = row else {
        return Ok(None);
    };
    if appid.is_empty() {
        return Ok(Some((configured, Source::Config)));
    }
    let secret = secrets.open(MP_SECRET, &sealed)?;
    Ok(Some((MiniApp { appid, secret }, Source::Company)))
}

/// The Work WeChat corp of `company_id`: its own when it set a corp id, else `configured`.
/// `None` when there is no such company.
pub fn work_corp_of(
    c: &Connection,
    secrets: &Secrets,
    configured: WorkCorp,
    company_id: i64,
) -> ApiResult<Option<(WorkCorp, Source)>> {
    let row: Option<(String, String, String)> = c
        .prepare_cached(
            "SELECT work_corp_id, work_secret, work_agent_id FROM zl_company WHERE id = ?1",
        )?
        .query_row([company_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((corpid, sealed, agentid)) = row else {
        return Ok(None);
    };
    if corpid.is_empty() {
        return Ok(Some((configured, Source::Config)));
    }
    let secret = secrets.open(WORK_SECRET, &sealed)?;
    let corp = WorkCorp {
        corpid,
        secret,
        agentid,
    };
    Ok(Some((corp, Source::Company)))
}
