//! Seed 003 conversations: a salesperson's contacts, the history with one customer,
//! sending and fetching new messages. Customers may call the same URLs (seed 001 writes
//! its chat examples under `/qiyeweixin/`): their calls go to the mini-program handlers.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::chat::{self, Reader, ASK_PHONE, FROM_USER};
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::{notice, relation};
use crate::zhuge::mini::chat as mini;
use crate::zhuge::principal::{Employee, Signer};

pub fn routes() -> Vec<Route> {
    routes![contact, history, send_msg, getmsg]
}

/// A salesperson talks with their own customers only; any other id is 302, whether or not
/// the customer exists elsewhere.
fn require_own_customer(c: &Connection, me: &Employee, customer_id: i64) -> ApiResult<()> {
    if relation::exists(c, me.id, customer_id)? {
        Ok(())
    } else {
        Err(ApiError::not_found("客户"))
    }
}

#[get("/contact")]
async fn contact(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let page = p.page()?;
    let (rows, total) = db.run(move |c| chat::contacts(c, me.id, &page)).await?;
    ok("", json!({"ret_data": rows, "data_count": total}))
}

#[get("/chat")]
async fn history(who: Signer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let me = match who {
        Signer::Customer(me) => return mini::customer_history(me, p, db, settings).await,
        Signer::Employee(me) => me,
    };
    let customer_id = p.id("customer_id")?;
    let page = p.page()?;
    let default = Dialect::configured(settings);
    let data = db
        .tx(move |tx| {
            require_own_customer(tx, &me, customer_id)?;
            let items = chat::history(tx, me.id, customer_id, &page, Reader::User)?;
            if !dialect::of_company(tx, me.company_id, default)?.original() {
                return Ok(json!(items));
            }
            chat::mark_pair_read(tx, me.id, customer_id, Reader::User)?;
            let count = chat::pair_count(tx, me.id, customer_id)?;
            let items = mini::oldest_first(items.into_iter().map(as_original).collect());
            Ok(json!({"ret_data": items, "data_count": count}))
        })
        .await?;
    ok("分页获取聊天消息成功", data)
}

/// The original named and pictured every message of the enterprise side by the customer.
fn as_original(mut item: Value) -> Value {
    item["name"] = item["customer"].clone();
    item["src"] = item["customer_headimgurl"].clone();
    item
}

#[post("/chat/send_msg/0", data = "<p>")]
async fn send_msg(who: Signer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let me = match who {
        Signer::Customer(me) => return mini::customer_send(me, p, db, settings).await,
        Signer::Employee(me) => me,
    };
    let customer_id = p.id("customer_id")?;
    // Seed 003 sends plain `msg`; seed 001's `content` object is accepted too.
    let mut content = match p.bounded("content", text::NOTE)? {
        Some(raw) => chat::parse_content(&raw)?,
        None => json!({"info_type": 1, "msg": p.required("msg", text::NOTE)?}),
    };
    if content["info_type"].as_i64() == Some(3) {
        content["msg"] = json!(ASK_PHONE);
    }
    let settings = settings.inner().clone();
    let default = Dialect::configured(&settings);
    db.tx(move |tx| {
        require_own_customer(tx, &me, customer_id)?;
        let id = chat::insert(tx, me.id, customer_id, FROM_USER, &content)?;
        if dialect::of_company(tx, me.company_id, default)?.original() {
            chat::echo_to_sender(tx, id, FROM_USER)?;
        }
        chat::count_on_relation(tx, me.id, customer_id, FROM_USER)?;
        notice::chat_notice(tx, &settings, me.id, customer_id)
    })
    .await?;
    ok("send msg successful", json!({}))
}

#[get("/chat/getmsg/0")]
async fn getmsg(who: Signer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let me = match who {
        Signer::Customer(me) => return mini::customer_getmsg(me, p, db, settings).await,
        Signer::Employee(me) => me,
    };
    let customer_id = p.id("customer_id")?;
    let default = Dialect::configured(settings);
    let (items, dialect) = db
        .tx(move |tx| {
            require_own_customer(tx, &me, customer_id)?;
            let items = chat::take_unread(tx, me.id, customer_id, Reader::User)?;
            Ok((items, dialect::of_company(tx, me.company_id, default)?))
        })
        .await?;
    let items = match dialect {
        Dialect::Seed => items,
        Dialect::Original => items.into_iter().map(as_original).collect(),
    };
    ok(
        "实时获取-最新聊天记录成功",
        mini::unread_answer(items, dialect),
    )
}
