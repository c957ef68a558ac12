//! Seed 001 `mingpian`: viewing a card and the actions on it, each a radar event.

use rocket::{get, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::notice::Pushes;
use crate::zhuge::data::radar::{self, CALL, COPY_WECHAT, FORWARD, PRAISE, SAVE_PHONE, VIEW_CARD};
use crate::zhuge::data::{card, employee, relation};
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![
        view,
        all,
        calling,
        save_wechat,
        save_phone,
        praise,
        forward,
        up_sign
    ]
}

/// The card must exist and be enabled; unknown `uid` is 302.
fn require_card(c: &Connection, uid: i64) -> ApiResult<()> {
    employee::company_and_name(c, uid)?
        .map(|_| ())
        .ok_or_else(|| ApiError::not_found("名片"))
}

#[get("/mingpian")]
async fn view(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    let default = Dialect::configured(settings);
    let (card, dialect) = db
        .tx(move |tx| {
            let dialect = dialect::of_card(tx, uid, default)?;
            let nth = radar::count_view(tx, uid, me.id)?;
            radar::record(tx, pushes, uid, me.id, VIEW_CARD, &radar::view_remark(nth))?;
            card::add_view(tx, uid)?;
            Ok((card_for(tx, uid, me.id)?, dialect))
        })
        .await?;
    // The original had not built its photo wall yet (`''`) and showed the newest tag first.
    let card = if dialect.original() {
        as_original(card)
    } else {
        card
    };
    ok(
        "查询成功",
        json!({"ret_data": dialect.single(card), "data_count": 1}),
    )
}

/// The card as seed 001 shows it to this customer.
fn card_for(c: &Connection, uid: i64, customer_id: i64) -> ApiResult<Value> {
    let mut card = employee::card(c, uid)?.ok_or_else(|| ApiError::not_found("名片"))?;
    card["is_praise"] = json!(card::is_praised(c, uid, customer_id)?);
    card["is_sign"] = json!(card::has_liked_sign(c, uid, customer_id)?);
    card["photo"] = json!(employee::photos(c, uid)?);
    card["tag"] = json!(employee::card_tags(c, uid)?);
    Ok(card)
}

fn as_original(mut card: Value) -> Value {
    card["photo"] = json!("");
    if let Some(tags) = card["tag"].as_array_mut() {
        tags.reverse();
    }
    card
}

#[get("/mingpian/all")]
async fn all(me: Customer, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let default = Dialect::configured(settings);
    let cards = db
        .run(move |c| relation::cards_of_customer(c, me.id, default))
        .await?;
    let count = cards.len();
    ok("查询成功", json!({"ret_data": cards, "data_count": count}))
}

/// A radar event for an action that changes nothing else.
async fn log_action(
    me: Customer,
    p: Params,
    db: &Db,
    settings: &Settings,
    action: i64,
    remark: &'static str,
) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    db.tx(move |tx| {
        require_card(tx, uid)?;
        radar::record(tx, pushes, uid, me.id, action, remark)
    })
    .await?;
    ok("记录日志成功", json!({}))
}

#[get("/mingpian/calling")]
async fn calling(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    log_action(me, p, db, settings, CALL, "拨打您的手机").await
}

#[get("/mingpian/save_wechat")]
async fn save_wechat(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    log_action(
        me,
        p,
        db,
        settings,
        COPY_WECHAT,
        "复制了您的微信,留意微信新朋友消息",
    )
    .await
}

#[get("/mingpian/save_phone")]
async fn save_phone(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    log_action(
        me,
        p,
        db,
        settings,
        SAVE_PHONE,
        "保存了您的电话,可以考虑拜访",
    )
    .await
}

#[get("/mingpian/praise")]
async fn praise(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    let (praise_num, is_praise) = db
        .tx(move |tx| {
            require_card(tx, uid)?;
            let (count, up) = card::toggle_praise(tx, uid, me.id)?;
            let remark = if up {
                "觉得您非常靠谱"
            } else {
                "取消了给你的靠谱评价"
            };
            radar::record(tx, pushes, uid, me.id, PRAISE, remark)?;
            Ok((count, up))
        })
        .await?;
    ok(
        "记录日志成功",
        json!({"ret_data": {"praise_num": praise_num, "is_praise": is_praise}}),
    )
}

#[get("/mingpian/forward")]
async fn forward(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    let forward_num: i64 = db
        .tx(move |tx| {
            require_card(tx, uid)?;
            card::add_forward(tx, uid)?;
            radar::record(
                tx,
                pushes,
                uid,
                me.id,
                FORWARD,
                "转发了你的名片,你的人脉圈正在裂变",
            )?;
            Ok(tx.query_row(
                "SELECT forward FROM zl_employee WHERE id = ?1",
                [uid],
                |r| r.get(0),
            )?)
        })
        .await?;
    ok(
        "记录日志成功",
        json!({"ret_data": {"forward_num": forward_num}}),
    )
}

#[get("/mingpian/up_sign")]
async fn up_sign(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    let (sign_num, newly) = db
        .tx(move |tx| {
            require_card(tx, uid)?;
            let (count, newly) = card::like_sign(tx, uid, me.id)?;
            if newly {
                radar::record(tx, pushes, uid, me.id, PRAISE, "赞了你的个性签名")?;
            }
            Ok((count, newly))
        })
        .await?;
    let msg = if newly {
        "记录日志成功"
    } else {
        "已经点过赞"
    };
    ok(
        msg,
        json!({"ret_data": {"sign_num": sign_num, "is_sign": true}}),
    )
}
