//! Seed 001 §1: sign-in through WeChat, binding to a card, profile and formIds.

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::task::blocking;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::apps::mini_app_of;
use crate::wechat::mini::MiniApp;
use crate::wechat::WeChat;
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::{customer, employee, navigation, relation};
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![login, binding, send_user_info, send_form_id]
}

#[get("/login")]
async fn login(
    p: Params,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let code = p.text("code")?;
    let user_type: i64 = p.opt_num("user_type")?.unwrap_or(2);
    if !(1..=2).contains(&user_type) {
        return Err(ApiError::invalid("user_type", "只能是 1 或 2"));
    }
    let company_id = p.opt_id("company_id")?;
    let asked = navigation::Asked {
        company_id,
        uid: p.opt_id("uid")?,
        user_version: p.opt_text("user_version").unwrap_or_default(),
    };
    let app = mini_app(db, settings, company_id).await?;
    let wechat = wechat.inner().clone();
    let session = blocking(move || wechat.code_to_session(&app, &code)).await?;
    let data = db
        .tx(move |tx| {
            let (cid, token) = customer::sign_in(
                tx,
                &session.openid,
                user_type,
                &session.session_key,
                company_id,
            )?;
            let mut data = json!({"cid": cid, "token": token, "user_type": user_type});
            navigation::add_to_login(tx, &asked, cid, &mut data)?;
            Ok(data)
        })
        .await?;
    ok("返回成功", data)
}

/// The credentials a login code belongs to: the company's own app, else the config's.
async fn mini_app(db: &Db, settings: &Settings, company_id: Option<i64>) -> ApiResult<MiniApp> {
    let configured = MiniApp::configured(settings);
    let Some(company_id) = company_id else {
        return Ok(configured);
    };
    let secrets = db.secrets().clone();
    let (app, _) = db
        .run(move |c| mini_app_of(c, &secrets, configured, company_id))
        .await?
        .ok_or_else(|| ApiError::not_found("公司"))?;
    Ok(app)
}

#[get("/login/binding")]
async fn binding(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let uid = p.id("uid")?;
    let source: i64 = p.opt_num("source")?.unwrap_or(1);
    if !(1..=4).contains(&source) {
        return Err(ApiError::invalid("source", "只能是 1 到 4"));
    }
    let parent = p.opt_id("pid")?.filter(|&pid| pid != me.id);
    let default = Dialect::configured(settings);
    let created = db
        .tx(move |tx| {
            let (company_id, mut name) =
                employee::company_and_name(tx, uid)?.ok_or_else(|| ApiError::not_found("名片"))?;
            // The original's greeting names the salesperson by username, not the card name.
            if dialect::of_card(tx, uid, default)?.original() {
                name = employee::username(tx, uid)?;
            }
            // Who shared the card must be that card's own customer; anyone else is ignored,
            // so a binding never links to (or reveals) another salesperson's customers.
            let parent = match parent {
                Some(pid) if relation::exists(tx, uid, pid)? => Some(pid),
                _ => None,
            };
            relation::bind(tx, uid, me.id, source, parent, (company_id, &name))
        })
        .await?;
    ok(
        if created {
            "绑定关系成功"
        } else {
            "关系存在"
        },
        json!({}),
    )
}

#[post("/login/send_user_info", data = "<p>")]
async fn send_user_info(me: Customer, p: Params, db: &State<Db>) -> Reply {
    // What WeChat's profile holds, in the seed's or WeChat's spelling; cut, never refused.
    let either = |a: &str, b: &str, limit| p.cut(a, limit).or_else(|| p.cut(b, limit));
    let sex = match either("sex", "gender", text::NAME) {
        Some(raw) => Some(
            raw.parse::<i64>()
                .map_err(|_| ApiError::wrong_type("sex"))?,
        ),
        None => None,
    };
    let profile = customer::Profile {
        username: either("username", "nickName", text::NAME),
        headimgurl: either("headimgurl", "avatarUrl", text::URL),
        sex,
        city: p.cut("city", text::NAME),
        country: p.cut("country", text::NAME),
        province: p.cut("province", text::NAME),
        language: p.cut("language", text::NAME),
    };
    let name = db
        .tx(move |tx| {
            customer::update_profile(tx, me.id, &profile)?;
            customer::own_name(tx, me.id)
        })
        .await?;
    ok(
        "保存成功",
        json!({"ret_data": format!("{name} 已向您授权登录页面")}),
    )
}

#[post("/login/send_form_id", data = "<p>")]
async fn send_form_id(me: Customer, p: Params, db: &State<Db>) -> Reply {
    let form_id = p.required("formId", text::NAME)?;
    // WeChat's developer tools hand out a placeholder that no real message can use.
    if form_id.contains("formId") || form_id.contains("mock") {
        return ok("保存成功", json!({}));
    }
    db.tx(move |tx| customer::add_form_id(tx, me.id, &form_id))
        .await?;
    ok("保存成功", json!({}))
}
