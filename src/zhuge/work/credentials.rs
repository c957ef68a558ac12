//! The company's own WeChat credentials (mini-program, templates, Work WeChat), for a role
//! holding `company`. They win over the config defaults (SPEC §3). Secrets are write-only
//! and stored sealed: the answer says whether one is set, never what it is.
//!
//! Appids and corp ids are public. One that another company or the configuration already
//! uses is taken only together with a secret WeChat accepts for it (a real `cgi-bin/token`
//! or `gettoken` call), so nobody claims another's app with a made-up secret.

use rocket::{get, post, routes, Route, State};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::secrets::{Secrets, MP_SECRET, WORK_SECRET};
use crate::task::blocking;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::mini::MiniApp;
use crate::wechat::token::WorkCorp;
use crate::wechat::WeChat;
use crate::zhuge::data::access::require;
use crate::zhuge::principal::Employee;

pub fn routes() -> Vec<Route> {
    routes![show, save]
}

/// The settable columns of `zl_company`, in the order they are shown.
const FIELDS: [&str; 7] = [
    "mp_appid",
    "mp_secret",
    "mp_template_id",
    "mp_subscribe_template_id",
    "work_corp_id",
    "work_secret",
    "work_agent_id",
];

fn is_secret(field: &str) -> bool {
    field.ends_with("_secret")
}

fn current(c: &Connection, company_id: i64) -> ApiResult<Value> {
    let values: Vec<String> = c.query_row(
        &format!("SELECT {} FROM zl_company WHERE id = ?1", FIELDS.join(", ")),
        [company_id],
        |r| (0..FIELDS.len()).map(|i| r.get(i)).collect(),
    )?;
    let mut shown = serde_json::Map::new();
    for (field, value) in FIELDS.iter().zip(values) {
        if is_secret(field) {
            shown.insert(format!("{field}_set"), json!(!value.is_empty()));
        } else {
            shown.insert(field.to_string(), json!(value));
        }
    }
    Ok(Value::Object(shown))
}

#[get("/company/credentials")]
async fn show(me: Employee, db: &State<Db>) -> Reply {
    let shown = db
        .run(move |c| {
            require(c, &me, "company")?;
            current(c, me.company_id)
        })
        .await?;
    ok("查询成功", shown)
}

/// The fields sent, checked; fields not sent keep their value.
type Changes = Vec<(&'static str, String)>;

fn changes(p: &Params) -> ApiResult<Changes> {
    let mut changes = Vec::new();
    for field in FIELDS {
        if let Some(value) = p.str(field) {
            let value = value.trim();
            let plain = value.bytes().all(|b| b.is_ascii_graphic());
            if value.chars().count() > 64 || !plain {
                return Err(ApiError::invalid(
                    field,
                    "须为不超过 64 位的字母、数字或符号",
                ));
            }
            changes.push((field, value.to_string()));
        }
    }
    if changes.is_empty() {
        return Err(ApiError::missing(FIELDS[0]));
    }
    Ok(changes)
}

/// Saves in one write whose check for contested ids sees the same data it writes: when an
/// id is contested, nothing is written, WeChat is asked outside the write, and the write
/// runs again with what WeChat confirmed.
#[post("/company/credentials", data = "<p>")]
async fn save(
    me: Employee,
    p: Params,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let changes = changes(&p)?;
    let defaults = (
        MiniApp::configured(settings),
        WorkCorp::configured(settings),
    );
    let mut proven: Vec<Claim> = Vec::new();
    for _ in 0..3 {
        let (changes, defaults, known) = (changes.clone(), defaults.clone(), proven.clone());
        let secrets = db.secrets().clone();
        let saved = db
            .tx(move |tx| {
                require(tx, &me, "company")?;
                let claims = claims(tx, &secrets, &defaults, me.company_id, &changes)?;
                let unproven: Vec<Claim> =
                    claims.into_iter().filter(|c| !known.contains(c)).collect();
                if !unproven.is_empty() {
                    return Ok(Err(unproven));
                }
                write(tx, &secrets, me.company_id, &changes)?;
                Ok(Ok(current(tx, me.company_id)?))
            })
            .await?;
        match saved {
            Ok(shown) => return ok("保存成功", shown),
            Err(unproven) => {
                for claim in unproven {
                    prove(wechat, db, &claim).await?;
                    proven.push(claim);
                }
            }
        }
    }
    Err(ApiError::new(Code::Invalid, "凭据正被同时修改, 请重试"))
}

fn write(tx: &Connection, secrets: &Secrets, company_id: i64, changes: &Changes) -> ApiResult<()> {
    for (field, value) in changes {
        let value = match *field {
            "mp_secret" => secrets.seal(MP_SECRET, value)?,
            "work_secret" => secrets.seal(WORK_SECRET, value)?,
            _ => value.clone(),
        };
        // `field` comes from FIELDS, never from the request.
        let sql = format!("UPDATE zl_company SET {field} = ?2 WHERE id = ?1");
        tx.execute(&sql, params![company_id, value])?;
    }
    Ok(())
}

/// An app the company would speak through after the save, whose id is contested.
#[derive(Debug, Clone, PartialEq)]
enum Claim {
    Mini(String, String),
    Work(String, String, String),
}

/// The contested apps a save would leave the company with: those whose appid or corp id
/// (or secret) it changes, and which the configuration or another company already use.
fn claims(
    c: &Connection,
    secrets: &Secrets,
    (mini, corp): &(MiniApp, WorkCorp),
    company_id: i64,
    changes: &Changes,
) -> ApiResult<Vec<Claim>> {
    let sent = |field: &str| changes.iter().find(|(f, _)| *f == field).map(|(_, v)| v);
    let touched = |fields: &[&str]| fields.iter().any(|f| sent(f).is_some());
    let stored: [String; 5] = c.query_row(
        "SELECT mp_appid, mp_secret, work_corp_id, work_secret, work_agent_id
         FROM zl_company WHERE id = ?1",
        [company_id],
        |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]),
    )?;
    let after = |field: &str, i: usize| sent(field).unwrap_or(&stored[i]).clone();
    let mut claims = Vec::new();
    let appid = after("mp_appid", 0);
    if touched(&["mp_appid", "mp_secret"])
        && contested(c, "mp_appid", &appid, &mini.appid, company_id)?
    {
        let secret = match sent("mp_secret") {
            Some(secret) => secret.clone(),
            None => secrets.open(MP_SECRET, &stored[1])?,
        };
        claims.push(Claim::Mini(appid, secret));
    }
    let corpid = after("work_corp_id", 2);
    if touched(&["work_corp_id", "work_secret", "work_agent_id"])
        && contested(c, "work_corp_id", &corpid, &corp.corpid, company_id)?
    {
        let secret = match sent("work_secret") {
            Some(secret) => secret.clone(),
            None => secrets.open(WORK_SECRET, &stored[3])?,
        };
        claims.push(Claim::Work(corpid, after("work_agent_id", 4), secret));
    }
    Ok(claims)
}

/// Whether `id` is the configured one or another company's `column`.
fn contested(
    c: &Connection,
    column: &str,
    id: &str,
    configured: &str,
    company_id: i64,
) -> ApiResult<bool> {
    if id.is_empty() {
        return Ok(false);
    }
    if id == configured {
        return Ok(true);
    }
    // `column` is one of two constants above.
    let sql = format!("SELECT EXISTS (SELECT 1 FROM zl_company WHERE {column} = ?1 AND id != ?2)");
    Ok(c.query_row(&sql, params![id, company_id], |r| r.get(0))?)
}

/// Asks WeChat for an access token with the claimed secret (kept in the token cache on
/// success, so the check costs no later call).
async fn prove(wechat: &WeChat, db: &Db, claim: &Claim) -> ApiResult<()> {
    let (field, id) = match claim {
        Claim::Mini(appid, _) => ("mp_appid", appid.clone()),
        Claim::Work(corpid, ..) => ("work_corp_id", corpid.clone()),
    };
    let refuse = |why: &str| {
        ApiError::invalid(
            field,
            &format!("{id} 已被其他公司或配置使用, 须同时提供微信认可的 secret: {why}"),
        )
    };
    let (wechat, db, claim) = (wechat.clone(), db.clone(), claim.clone());
    let answer = blocking(move || match claim {
        Claim::Mini(appid, secret) if !secret.is_empty() => {
            wechat.mini_token(&db, &MiniApp { appid, secret })
        }
        Claim::Work(corpid, agentid, secret) if !secret.is_empty() => wechat.work_token(
            &db,
            &WorkCorp {
                corpid,
                secret,
                agentid,
            },
        ),
        _ => Err(ApiError::missing("secret")),
    })
    .await;
    answer.map(|_| ()).map_err(|e| refuse(&e.msg))
}
