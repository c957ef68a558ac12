//! Seed 000: a form's room (`gethistory`, and `sendMessage` to post in it) and `imgupload`.

use std::net::IpAddr;

use rocket::form::Form;
use rocket::fs::TempFile;
use rocket::{post, routes, Either, FromForm, Route, State};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::data::form;
use super::data::user::{self, User};
use super::user::caller;
use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;
use crate::ratelimit::{Answer, Limited, RateLimit};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![get_history, send_message, img_upload]
}

/// A room is a form: its customer and the firm's staff take part.
fn room(c: &Connection, me: &User, room_id: i64) -> ApiResult<form::Form> {
    form::visible(c, me, room_id)
}

/// The room's messages, newest first, paged (`current_page`, `length`).
#[post("/gethistory", data = "<p>")]
async fn get_history(p: Params, db: &State<Db>) -> Reply {
    let me = caller(db, &p).await?;
    me.require_bound()?;
    let room_id = p.id("room_id")?;
    let page = p.page()?;
    let data = db
        .run(move |c| {
            room(c, &me, room_id)?;
            let total: i64 = c.query_row(
                "SELECT COUNT(*) FROM sm_message WHERE room_id = ?1",
                [room_id],
                |r| r.get(0),
            )?;
            let mut stmt = c.prepare_cached(
                "SELECT m.id, m.sender_id, u.level, u.nickname, m.content, m.create_date
                 FROM sm_message m JOIN sm_user u ON u.id = m.sender_id
                 WHERE m.room_id = ?1 ORDER BY m.id DESC LIMIT ?2 OFFSET ?3",
            )?;
            let rows = stmt.query_map(params![room_id, page.limit, page.offset], |r| {
                let level: i64 = r.get(2)?;
                Ok(json!({"id": r.get::<_, i64>(0)?, "sender_id": r.get::<_, i64>(1)?,
                          "sender_level": level, "sender_level_name": user::level_name(level),
                          "sender_name": r.get::<_, String>(3)?, "content": r.get::<_, String>(4)?,
                          "create_date": r.get::<_, String>(5)?, "mine": r.get::<_, i64>(1)? == me.id}))
            })?;
            let rows: Vec<Value> = rows.collect::<Result<_, _>>()?;
            Ok(json!({"room_id": room_id, "ret_data": rows, "data_count": total}))
        })
        .await?;
    ok("查询成功", data)
}

/// Posts `content` in room `room_id` (the sending half that `gethistory` implies).
#[post("/sendMessage", data = "<p>")]
async fn send_message(p: Params, db: &State<Db>) -> Reply {
    let me = caller(db, &p).await?;
    me.require_bound()?;
    let room_id = p.id("room_id")?;
    let content = p.required("content", text::NOTE)?;
    let data = db
        .tx(move |tx| {
            room(tx, &me, room_id)?;
            let now = clock::now();
            tx.execute(
                "INSERT INTO sm_message (room_id, sender_id, content, create_date) VALUES (?1, ?2, ?3, ?4)",
                params![room_id, me.id, content, now],
            )?;
            Ok(json!({"id": tx.last_insert_rowid(), "room_id": room_id, "create_date": now}))
        })
        .await?;
    ok("发送成功", data)
}

/// `wx.uploadFile` with `name: 'file'`. Seed 000 lists only `file`: without `openid` the
/// upload is limited per client address (`anonymous_upload_limit`); with it, the caller
/// must be a known, bound user, as every other chat call.
#[derive(FromForm)]
struct ImgUpload<'r> {
    file: TempFile<'r>,
    openid: Option<String>,
}

/// The route's path, as the rate limiter names it.
const IMG_UPLOAD: &str = "/small/imgupload";

#[post("/imgupload", data = "<form>")]
async fn img_upload(
    form: Form<ImgUpload<'_>>,
    query: Params,
    address: Option<IpAddr>,
    db: &State<Db>,
    settings: &State<Settings>,
    limits: &State<RateLimit>,
) -> Either<Limited, Reply> {
    let openid = form
        .openid
        .clone()
        .filter(|o| !o.trim().is_empty())
        .or_else(|| query.opt_text("openid"));
    match openid {
        Some(openid) => {
            let me = db.run(move |c| user::caller(c, &openid)).await;
            if let Err(refused) = me.and_then(|me| me.require_bound()) {
                return Either::Right(Err(refused));
            }
        }
        None => {
            let address = address.map_or_else(|| "unknown".into(), |ip| ip.to_string());
            if let Err(wait) = limits.admit(IMG_UPLOAD, &address, None) {
                return Either::Left(Limited::new(Answer::Design, wait));
            }
        }
    }
    Either::Right(store_image(&form.file, settings).await)
}

async fn store_image(file: &TempFile<'_>, settings: &Settings) -> Reply {
    let rel = crate::media::store_upload(file, settings).await?;
    ok(
        "上传成功",
        json!({"url": settings.static_url(&rel), "path": rel}),
    )
}
