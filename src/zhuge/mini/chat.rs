//! Seed 001 chat: a customer talks with the salespeople they are bound to (`u_id`), and
//! hands over their phone number.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::task::blocking;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::wechat::apps::mini_app_of;
use crate::wechat::mini::{MiniApp, PhoneProof};
use crate::wechat::WeChat;
use crate::zhuge::data::chat::{self, Reader, FROM_CUSTOMER};
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::{customer, employee, notice, relation};
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![history, send_msg, getmsg, query_num, encrypted_phone_number]
}

/// A customer may talk only with a salesperson they are bound to.
pub fn require_bound(c: &Connection, uid: i64, customer_id: i64) -> ApiResult<()> {
    if relation::exists(c, uid, customer_id)? {
        return Ok(());
    }
    match employee::company_and_name(c, uid)? {
        None => Err(ApiError::not_found("用户")),
        Some(_) => Err(ApiError::forbidden("只能与已绑定名片的销售聊天")),
    }
}

#[get("/chat")]
pub async fn history(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    customer_history(me, p, db, settings).await
}

/// Seed: the page as a list, newest first. Original: `{ret_data, data_count}` oldest first,
/// with the card's phone, WeChat, position, name and avatar beside it.
pub async fn customer_history(me: Customer, p: Params, db: &Db, settings: &Settings) -> Reply {
    let uid = p.id("u_id")?;
    let page = p.page()?;
    let default = Dialect::configured(settings);
    let data = db
        .tx(move |tx| {
            require_bound(tx, uid, me.id)?;
            let items = chat::history(tx, uid, me.id, &page, Reader::Customer)?;
            if !dialect::of_card(tx, uid, default)?.original() {
                return Ok(json!(items));
            }
            chat::mark_pair_read(tx, uid, me.id, Reader::Customer)?;
            let mut data = employee::chat_header(tx, uid)?;
            data["ret_data"] = json!(oldest_first(items));
            data["data_count"] = json!(chat::pair_count(tx, uid, me.id)?);
            Ok(data)
        })
        .await?;
    ok("分页获取-全部聊天消息成功", data)
}

/// A page of messages as the original listed them: oldest first.
pub fn oldest_first(mut items: Vec<Value>) -> Vec<Value> {
    items.reverse();
    items
}

#[post("/chat/send_msg/0", data = "<p>")]
pub async fn send_msg(
    me: Customer,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    customer_send(me, p, db, settings).await
}

pub async fn customer_send(me: Customer, p: Params, db: &Db, settings: &Settings) -> Reply {
    let pushes = notice::Pushes::of(settings);
    let uid = p.id("u_id")?;
    let content = chat::parse_content(&p.required("content", text::NOTE)?)?;
    let default = Dialect::configured(settings);
    db.tx(move |tx| {
        require_bound(tx, uid, me.id)?;
        let id = chat::insert(tx, uid, me.id, FROM_CUSTOMER, &content)?;
        if dialect::of_card(tx, uid, default)?.original() {
            chat::echo_to_sender(tx, id, FROM_CUSTOMER)?;
        }
        chat::count_on_relation(tx, uid, me.id, FROM_CUSTOMER)?;
        let said = format!(":{}", chat::summary(&content));
        notice::push_to_salesperson(tx, pushes, uid, || {
            notice::customer_line(tx, me.id, uid, &said)
        })
    })
    .await?;
    ok("send msg successful", json!({}))
}

#[get("/chat/getmsg/0")]
pub async fn getmsg(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    customer_getmsg(me, p, db, settings).await
}

pub async fn customer_getmsg(me: Customer, p: Params, db: &Db, settings: &Settings) -> Reply {
    let uid = p.id("u_id")?;
    let default = Dialect::configured(settings);
    let (items, dialect) = db
        .tx(move |tx| {
            require_bound(tx, uid, me.id)?;
            let items = chat::take_unread(tx, uid, me.id, Reader::Customer)?;
            Ok((items, dialect::of_card(tx, uid, default)?))
        })
        .await?;
    let msg = if items.is_empty() {
        "没有得到实时聊天信息"
    } else {
        "实时获取-最新聊天信息成功"
    };
    ok(msg, unread_answer(items, dialect))
}

/// Seed: the unread messages as a list. Original: `{ret_data, data_count}`. Oldest first.
pub fn unread_answer(items: Vec<Value>, dialect: Dialect) -> Value {
    match dialect {
        Dialect::Seed => json!(items),
        Dialect::Original => json!({"data_count": items.len(), "ret_data": items}),
    }
}

#[get("/chat/query_num/0")]
async fn query_num(me: Customer, p: Params, db: &State<Db>) -> Reply {
    let uid = p.id("u_id")?;
    let count = db
        .run(move |c| {
            require_bound(c, uid, me.id)?;
            chat::unread_by_customer(c, uid, me.id)
        })
        .await?;
    ok("查询成功", json!({"chatinfo_count": count}))
}

/// The phone number WeChat hands over: `encryptedData` + `iv` decrypted with the stored
/// session key, or WeChat's newer one-time `code`.
#[post("/chat/encrypted_phone_number/0", data = "<p>")]
async fn encrypted_phone_number(
    me: Customer,
    p: Params,
    db: &State<Db>,
    wechat: &State<WeChat>,
    settings: &State<Settings>,
) -> Reply {
    let uid = p.id("u_id")?;
    let proof = PhoneProof::from_fields(
        p.opt_text("code"),
        p.opt_text("encryptedData"),
        p.opt_text("iv"),
    )?
    .ok_or_else(|| ApiError::missing("encryptedData"))?;
    let configured = MiniApp::configured(settings);
    let secrets = db.secrets().clone();
    let (company_id, app, session_key) = db
        .run(move |c| {
            require_bound(c, uid, me.id)?;
            let (company_id, _) =
                employee::company_and_name(c, uid)?.ok_or_else(|| ApiError::not_found("用户"))?;
            let (app, _) = mini_app_of(c, &secrets, configured, company_id)?
                .ok_or_else(|| ApiError::not_found("公司"))?;
            Ok((company_id, app, session_key(c, me.id)?))
        })
        .await?;
    let wechat = wechat.inner().clone();
    let db_for_token = db.inner().clone();
    let phone =
        blocking(move || wechat.proven_phone(&db_for_token, &app, &session_key, proof)).await?;
    let saved = phone.clone();
    db.tx(move |tx| {
        customer::set_given_phone(tx, company_id, me.id, &saved)?;
        let said = json!({"info_type": 1, "msg": format!("我的手机号是: {saved}")});
        chat::insert(tx, uid, me.id, FROM_CUSTOMER, &said)?;
        chat::count_on_relation(tx, uid, me.id, FROM_CUSTOMER)
    })
    .await?;
    ok("获取成功", json!({"phoneNumber": phone}))
}

fn session_key(c: &Connection, customer_id: i64) -> ApiResult<String> {
    Ok(c.query_row(
        "SELECT session_key FROM zl_customer WHERE id = ?1",
        [customer_id],
        |r| r.get(0),
    )?)
}
