//! Seed 000 §1: sign-in (`getUserInfo`), phone binding (`register`), levels and staff.

use rocket::{post, routes, Route, State};
use serde_json::{json, Value};

use super::data::user::{self, level_name, Claim, User};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::task::blocking;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::mini::{MiniApp, PhoneProof};
use crate::wechat::{crypto, WeChat};

pub fn routes() -> Vec<Route> {
    routes![get_user_info, register, get_user_level, add_employe]
}

/// The caller named by the `openid` parameter (302 when unknown).
pub async fn caller(db: &Db, p: &Params) -> ApiResult<User> {
    let openid = p.text("openid")?;
    db.run(move |c| user::caller(c, &openid)).await
}

fn level_json(u: &User) -> Value {
    json!({"openid": u.openid, "level": u.level, "level_name": level_name(u.level),
           "phone": u.phone, "phone_verified": u.phone_verified})
}

#[post("/getUserInfo", data = "<p>")]
async fn get_user_info(
    p: Params,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let code = p.text("code")?;
    let iv = p.text("iv")?;
    let encrypted = p.opt_text("encryptedData");
    let app = mini_app(settings);
    let wechat = wechat.inner().clone();
    let offline = app.offline();
    let session = blocking(move || wechat.code_to_session(&app, &code)).await?;
    // Offline dev mode has no real session key, so there is nothing to decrypt with.
    let info = match encrypted {
        Some(data) if !offline => Some(crypto::decrypt(
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
    let saved = info.clone();
    let me = db
        .tx(move |tx| {
            let me = user::sign_in(tx, &session.openid, &session.session_key)?;
            if let Some(info) = &saved {
                user::save_profile(tx, me.id, info)?;
            }
            Ok(me)
        })
        .await?;
    let mut data = level_json(&me);
    data["userInfo"] = info.unwrap_or(Value::Null);
    ok("获取成功", data)
}

/// An 11-digit mainland mobile number.
pub fn phone(p: &Params, field: &str) -> ApiResult<String> {
    let phone = p.text(field)?;
    let valid =
        phone.len() == 11 && phone.starts_with('1') && phone.bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(ApiError::invalid(field, "不是有效的手机号"));
    }
    Ok(phone)
}

/// `openid` and either a proof of the phone from WeChat (`code` of `getPhoneNumber`, or
/// `encryptedData` + `iv`), which may bind a staff phone, or a typed `phone`, which binds
/// the caller as a customer whatever the roster says.
#[post("/register", data = "<p>")]
async fn register(
    p: Params,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let openid = p.text("openid")?;
    let proof = PhoneProof::from_fields(
        p.opt_text("code"),
        p.opt_text("encryptedData"),
        p.opt_text("iv"),
    )?;
    let claim = match proof {
        Some(proof) => Claim::Proven(proven_phone(db, wechat, settings, &openid, proof).await?),
        None => Claim::Typed(phone(&p, "phone")?),
    };
    let me = db.tx(move |tx| user::register(tx, &openid, &claim)).await?;
    ok("绑定成功", level_json(&me))
}

/// The phone WeChat vouches for, with the session key of the caller's last login.
async fn proven_phone(
    db: &Db,
    wechat: &WeChat,
    settings: &Settings,
    openid: &str,
    proof: PhoneProof,
) -> ApiResult<String> {
    let app = mini_app(settings);
    if app.offline() {
        return Err(ApiError::invalid(
            "code",
            "无法验证: 未配置小程序 appid (离线开发模式)",
        ));
    }
    let owned = openid.to_string();
    let session_key = db.run(move |c| user::session_key(c, &owned)).await?;
    let (wechat, db) = (wechat.clone(), db.clone());
    blocking(move || wechat.proven_phone(&db, &app, &session_key, proof)).await
}

fn mini_app(settings: &Settings) -> MiniApp {
    MiniApp {
        appid: settings.wechat_appid.clone(),
        secret: settings.wechat_secret.clone(),
    }
}

#[post("/getUserLevel", data = "<p>")]
async fn get_user_level(p: Params, db: &State<Db>) -> Reply {
    let me = caller(db, &p).await?;
    ok("获取成功", level_json(&me))
}

/// `phone` goes on the staff roster at `level` (2 designer, 3 customer service,
/// 4 manager), with an optional `name`; see `user::may_add` for who may add whom.
#[post("/addEmploye", data = "<p>")]
async fn add_employe(p: Params, db: &State<Db>) -> Reply {
    let openid = p.text("openid")?;
    let phone = phone(&p, "phone")?;
    let level: i64 = p.num("level")?;
    if !(user::DESIGNER..=user::MANAGER).contains(&level) {
        return Err(ApiError::invalid(
            "level",
            "只能是 2 (设计师), 3 (客服) 或 4 (管理员)",
        ));
    }
    let name = p.bounded("name", text::NAME)?.unwrap_or_default();
    let added = db
        .tx(move |tx| {
            let me = user::caller(tx, &openid)?;
            if !user::may_add(me.level, level) {
                return Err(ApiError::forbidden(format!(
                    "{}不能添加{}",
                    level_name(me.level),
                    level_name(level)
                )));
            }
            user::add_employee(tx, &me, &phone, level, &name)
        })
        .await?;
    ok("添加成功", added)
}
