//! Seed 004 "user": `POST /api/user` (action register, update, form_id, and issue 17's
//! export_account and delete_account),
//! `GET /api/user?view=get_curr_user_info` (and `view=list` for admins), `POST /api/login`.

use rocket::{get, post, routes, Route, State};
use serde_json::{json, Map, Value};

use super::data::{self, Member, Profile};
use super::privacy;
use super::reply::{ok, Reply};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::task::blocking;
use crate::text;
use crate::web::params::Params;
use crate::wechat::mini::{MiniApp, Session};
use crate::wechat::{crypto, WeChat};

pub fn routes() -> Vec<Route> {
    routes![user_action, user_view, login]
}

/// A dict parameter (`userinfo`, `wx_userinfo`, `form`): a JSON object, or absent.
pub fn dict(p: &Params, field: &str) -> ApiResult<Map<String, Value>> {
    match p.str(field) {
        None => Ok(Map::new()),
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(ApiError::wrong_type(field)),
        },
    }
}

fn mini_app(settings: &Settings) -> MiniApp {
    MiniApp {
        appid: settings.wechat_appid.clone(),
        secret: settings.wechat_secret.clone(),
    }
}

async fn session(wechat: &WeChat, settings: &Settings, code: String) -> ApiResult<Session> {
    let app = mini_app(settings);
    let wechat = wechat.clone();
    blocking(move || wechat.code_to_session(&app, &code)).await
}

#[post("/user", data = "<p>")]
async fn user_action(
    p: Result<Params, ApiError>,
    me: Result<Member, ApiError>,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let p = p?;
    match p.text("action")?.as_str() {
        "register" => register(p, db, wechat, settings).await,
        "update" => update(p, me?, db).await,
        "form_id" => form_id(p, me?, db).await,
        "export_account" => privacy::export_account(me?, db).await,
        "delete_account" => privacy::delete_account(me?, db, settings).await,
        _ => Err(ApiError::invalid(
            "action",
            "只能是 register, update, form_id, export_account 或 delete_account",
        )
        .into()),
    }
}

/// `code` (wx.login), `wx_userinfo` and `userinfo` dicts; answers the user and a token.
async fn register(p: Params, db: &Db, wechat: &WeChat, settings: &Settings) -> Reply {
    let code = p.text("code")?;
    let profile = Profile::parse(&dict(&p, "userinfo")?)?;
    let wx = Value::Object(dict(&p, "wx_userinfo")?);
    let session = session(wechat, settings, code).await?;
    let (user, token) = db
        .tx(move |tx| {
            let (id, token) =
                data::register(tx, &session.openid, &session.session_key, &profile, &wx)?;
            Ok((data::one(tx, id)?, token))
        })
        .await?;
    ok(json!({"token": token, "user": user}))
}

/// The caller updates their own `userinfo` (and `wx_userinfo`); an admin may name another
/// user with `user_id` and give roles. Nobody else may change a role.
async fn update(p: Params, me: Member, db: &Db) -> Reply {
    let profile = Profile::parse(&dict(&p, "userinfo")?)?;
    let wx = p
        .str("wx_userinfo")
        .map(|_| dict(&p, "wx_userinfo"))
        .transpose()?;
    let target = p.opt_id("user_id")?.unwrap_or(me.id);
    let user = db
        .tx(move |tx| {
            if target != me.id && !me.is_admin() {
                return Err(ApiError::forbidden("只有管理员可以修改其他用户"));
            }
            let current = data::role_of(tx, target)?.ok_or_else(|| ApiError::not_found("用户"))?;
            if let Some(role) = profile.role.filter(|r| *r != current) {
                if !me.is_admin() {
                    return Err(ApiError::forbidden("只有管理员可以设置角色"));
                }
                if target == me.id {
                    return Err(ApiError::new(Code::SelfDelete, "不能修改自己的角色"));
                }
                data::set_role(tx, target, role)?;
            }
            data::save_profile(tx, target, &profile)?;
            if let Some(wx) = wx {
                data::set_wx_userinfo(tx, target, &Value::Object(wx))?;
            }
            data::one(tx, target)
        })
        .await?;
    ok(json!({"user": user}))
}

/// Stores a formId of the caller (`form_id`), so the caller can be notified when a request
/// is assigned to them. Single use, valid 7 days.
async fn form_id(p: Params, me: Member, db: &Db) -> Reply {
    let form_id = p.required("form_id", text::NAME)?;
    // WeChat's developer tools hand out a placeholder that no real message can use.
    if form_id.contains("formId") || form_id.contains("mock") {
        return ok(json!({"stored": false}));
    }
    db.tx(move |tx| data::add_form_id(tx, me.id, &form_id))
        .await?;
    ok(json!({"stored": true}))
}

/// `view=get_curr_user_info`: the caller; `view=list` (admins; optional `role`): users.
#[get("/user")]
async fn user_view(p: Params, me: Result<Member, ApiError>, db: &State<Db>) -> Reply {
    let me = me?;
    let view = p
        .opt_text("view")
        .unwrap_or_else(|| "get_curr_user_info".into());
    match view.as_str() {
        "get_curr_user_info" => {
            let user = db.run(move |c| data::one(c, me.id)).await?;
            ok(user.unwrap_or(Value::Null))
        }
        "list" => {
            if !me.is_admin() {
                return Err(ApiError::forbidden("只有管理员可以查看用户列表").into());
            }
            let role = p
                .opt_text("role")
                .map(|r| data::parse_role(&r))
                .transpose()?;
            let users = db.run(move |c| data::list(c, role)).await?;
            ok(json!({"list": users}))
        }
        _ => Err(ApiError::invalid("view", "只能是 get_curr_user_info 或 list").into()),
    }
}

/// `code`, with `encryptedData` and `iv` when the mini-program sends them (then decrypted
/// with the new session key and kept as the user's WeChat profile).
#[post("/login", data = "<p>")]
async fn login(
    p: Result<Params, ApiError>,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let p = p?;
    let code = p.text("code")?;
    let encrypted = match (p.opt_text("encryptedData"), p.opt_text("iv")) {
        (Some(data), Some(iv)) => Some((data, iv)),
        (Some(_), None) => return Err(ApiError::missing("iv").into()),
        _ => None,
    };
    let session = session(wechat, settings, code).await?;
    let info = match encrypted {
        Some((data, iv)) if !settings.offline() => Some(crypto::decrypt(
            &session.session_key,
            &iv,
            &data,
            Some(&settings.wechat_appid),
        )?),
        Some(_) => {
            log::warn!("offline dev mode: encryptedData is not decrypted");
            None
        }
        None => None,
    };
    let (token, user) = db
        .tx(move |tx| {
            let (id, token) = data::sign_in(tx, &session.openid, &session.session_key)?;
            if let Some(mut info) = info {
                if let Some(map) = info.as_object_mut() {
                    map.remove("watermark");
                }
                data::set_wx_userinfo(tx, id, &info)?;
            }
            Ok((token, data::one(tx, id)?))
        })
        .await?;
    ok(json!({"token": token, "user": user}))
}
