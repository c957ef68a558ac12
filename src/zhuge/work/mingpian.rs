//! The signer's own business card: view it, edit it, and draw its QR code (`qr_code_auth`).

use rocket::{get, post, routes, Route, State};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::media;
use crate::task::blocking;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::employee;
use crate::zhuge::data::profile::{self, CardFields};
use crate::zhuge::principal::Employee;

pub fn routes() -> Vec<Route> {
    routes![view, update, qr_code_auth_get, qr_code_auth_post]
}

/// The card as customers see it, plus the settings behind it (the phone even when hidden).
#[get("/mingpian")]
async fn view(me: Employee, db: &State<Db>) -> Reply {
    let card = db
        .run(move |c| {
            let mut card = employee::card(c, me.id)?.ok_or_else(|| ApiError::not_found("名片"))?;
            if let (Value::Object(card), Value::Object(settings)) =
                (&mut card, profile::card_settings(c, me.id)?)
            {
                card.extend(settings);
            }
            card["photo"] = json!(employee::photos(c, me.id)?);
            card["tag"] = json!(employee::card_tags(c, me.id)?);
            Ok(card)
        })
        .await?;
    ok("查询成功", json!({"ret_data": [card], "data_count": 1}))
}

/// A mobile number as the card shows it (the original's pattern, with today's prefixes).
pub fn mobile(p: &Params, name: &str) -> ApiResult<Option<String>> {
    let Some(phone) = p.opt_text(name) else {
        return Ok(None);
    };
    let b = phone.as_bytes();
    if b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
    {
        Ok(Some(phone))
    } else {
        Err(ApiError::invalid(name, "不是有效的手机号"))
    }
}

/// `is_show_phone`: any flag spelling `Params::opt_flag` accepts.
pub fn show_phone(p: &Params) -> ApiResult<Option<bool>> {
    p.opt_flag("is_show_phone")
}

fn card_fields(p: &Params) -> ApiResult<CardFields> {
    let email = p.bounded("email", text::LINE)?;
    if email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(ApiError::invalid("email", "不是有效的邮箱"));
    }
    let gender = match p.opt_num::<i64>("gender")? {
        Some(g) if !(0..=2).contains(&g) => {
            return Err(ApiError::invalid("gender", "只能是 0、1 或 2"))
        }
        other => other,
    };
    Ok(CardFields {
        memo_name: p.bounded("username", text::NAME)?,
        avatar: p.bounded("avatar", text::URL)?,
        position: p.bounded("position", text::NAME)?,
        email,
        wechat: p.bounded("wechat", text::NAME)?,
        wechat_phone: mobile(p, "wechat_phone")?,
        telephone: p.bounded("telephone", text::NAME)?,
        mingpian_phone: mobile(p, "mingpian_phone")?,
        is_show_phone: show_phone(p)?,
        sign: p.bounded("sign", text::LINE)?,
        gender,
        country: p.bounded("country", text::NAME)?,
    })
}

/// Edits the signer's own card; `username` is the name on the card, not the sign-in name.
#[post("/mingpian", data = "<p>")]
pub(crate) async fn update(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let fields = card_fields(&p)?;
    db.tx(move |tx| profile::update_card(tx, me.id, &fields))
        .await?;
    ok("保存成功", json!({}))
}

/// Draws the QR code of a card (SPEC §7) and stores its URL on the employee.
pub async fn draw_qr_code(db: &Db, settings: &Settings, uid: i64) -> ApiResult<String> {
    let content = crate::zhuge::mini::poster::card_url(settings, uid, None);
    let data_dir = settings.data_dir.clone();
    let rel = blocking(move || media::save_qr(&data_dir, &content)).await?;
    let url = media::static_path(&rel);
    let stored = url.clone();
    db.tx(move |tx| profile::set_qr_code(tx, uid, &stored))
        .await?;
    Ok(url)
}

pub(crate) async fn qr_code_auth(me: Employee, db: &Db, settings: &Settings) -> Reply {
    let url = draw_qr_code(db, settings, me.id).await?;
    ok("生成小程序二维码成功", json!({"qr_code": url}))
}

#[get("/qr_code_auth")]
async fn qr_code_auth_get(me: Employee, db: &State<Db>, settings: &State<Settings>) -> Reply {
    qr_code_auth(me, db, settings).await
}

#[post("/qr_code_auth")]
async fn qr_code_auth_post(me: Employee, db: &State<Db>, settings: &State<Settings>) -> Reply {
    qr_code_auth(me, db, settings).await
}
