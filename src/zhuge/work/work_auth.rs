//! Seed 003 `work_weixin_auth/{company_id}?code=` (unsigned): an employee signs in through
//! Work WeChat. The code becomes a `UserId` (`user/getuserinfo`), which must be the stored
//! `userid` of an employee of that company. The answer is the one of `/zhugeleida/admin/login`.

use rocket::{get, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::task::blocking;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::apps::work_corp_of;
use crate::wechat::errcode::token_expired;
use crate::wechat::token::WorkCorp;
use crate::wechat::{check_errcode, WeChat};
use crate::zhuge::data::employee;
use crate::zhuge::work::form::path_id;

pub fn routes() -> Vec<Route> {
    routes![sign_in]
}

#[get("/work_weixin_auth/<company_id>")]
async fn sign_in(
    company_id: &str,
    p: Params,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let company_id = path_id(company_id, "company_id")?;
    let code = p.text("code")?;
    let (configured, secrets) = (WorkCorp::configured(settings), db.secrets().clone());
    let (corp, _) = db
        .run(move |c| work_corp_of(c, &secrets, configured, company_id))
        .await?
        .ok_or_else(|| ApiError::not_found("公司"))?;
    if corp.corpid.is_empty() || corp.secret.is_empty() {
        return Err(ApiError::forbidden(
            "该公司未配置企业微信, 请使用账号密码登录",
        ));
    }
    let (wechat, pool) = (wechat.inner().clone(), db.inner().clone());
    let userid = blocking(move || member_of(&wechat, &pool, &corp, &code)).await?;
    let account = db
        .run(move |c| employee::account_by_userid(c, company_id, &userid))
        .await?
        .ok_or_else(|| ApiError::new(Code::BadLogin, "该企业微信成员未开通名片, 请联系管理员"))?;
    account.check_active()?;
    let id = account.id;
    db.tx(move |tx| employee::touch_login(tx, id)).await?;
    ok("登录成功", account.sign_in_data())
}

/// The Work WeChat `UserId` behind `code`; a refused access token is renewed once.
fn member_of(wechat: &WeChat, db: &Db, corp: &WorkCorp, code: &str) -> ApiResult<String> {
    let url = format!("{}/cgi-bin/user/getuserinfo", wechat.work_base);
    for retry in [false, true] {
        let token = wechat.work_token(db, corp)?;
        let answer = wechat.get_json(&url, &[("access_token", &token), ("code", code)])?;
        match check_errcode(&answer) {
            Ok(()) => return user_id(&answer),
            Err((errcode, _)) if token_expired(errcode) && !retry => {
                wechat.forget_work_token(db, corp)?;
            }
            Err((errcode, msg)) => {
                return Err(ApiError::new(
                    Code::BadLogin,
                    format!("企业微信登录失败: errcode {errcode} {msg}"),
                ))
            }
        }
    }
    Err(ApiError::upstream("企业微信 access_token 刷新后仍被拒绝"))
}

/// Members come back as `UserId` (older API) or `userid`; outsiders only have an OpenId.
fn user_id(answer: &serde_json::Value) -> ApiResult<String> {
    ["UserId", "userid"]
        .iter()
        .find_map(|k| answer[*k].as_str().filter(|s| !s.is_empty()))
        .map(str::to_string)
        .ok_or_else(|| ApiError::new(Code::BadLogin, "不是该企业的成员, 无法登录"))
}
