//! Seed 001 `mingpian/create_poster` and `mingpian/save_poster`: the card as a shareable
//! poster whose QR code opens the card (SPEC §7), drawn server-side (SPEC §9).

use rocket::{get, routes, Route, State};
use serde_json::json;

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::poster::{self, PosterCard};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::employee;
use crate::zhuge::data::notice::Pushes;
use crate::zhuge::data::poster::{self as fields, PosterFields};
use crate::zhuge::data::radar::{self, VIEW_CARD};
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![create_poster, save_poster]
}

/// The card and whether this customer is bound to it (`Some(pair's QR path)`).
type CardAndPair = (PosterFields, Option<String>);

fn card_and_pair(c: &rusqlite::Connection, uid: i64, customer_id: i64) -> ApiResult<CardAndPair> {
    let card = fields::fields(c, uid)?.ok_or_else(|| ApiError::not_found("名片"))?;
    Ok((card, fields::pair_qr_code(c, uid, customer_id)?))
}

/// What the poster's QR code opens: the card, with the sharing customer as referrer when
/// bound to it (the pair's code); an unbound customer shares the salesperson's own code.
pub fn card_url(settings: &Settings, uid: i64, referrer: Option<i64>) -> String {
    let base = settings.public_url.trim_end_matches('/');
    match referrer {
        Some(pid) => format!("{base}/mp/mingpian?uid={uid}&source=1&pid={pid}"),
        None => format!("{base}/mp/mingpian?uid={uid}&source=1"),
    }
}

/// The data the mini-program draws its own poster from, with a real QR code of the card.
#[get("/mingpian/create_poster")]
async fn create_poster(
    me: Customer,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let uid = p.id("uid")?;
    let default = Dialect::configured(settings);
    let ((card, pair), dialect) = db
        .run(move |c| {
            let mut found = card_and_pair(c, uid, me.id)?;
            let dialect = dialect::of_card(c, uid, default)?;
            // The original named the poster's card by username.
            if dialect.original() {
                found.0.name = employee::username(c, uid)?;
            }
            Ok((found, dialect))
        })
        .await?;
    let content = card_url(settings, uid, pair.as_ref().map(|_| me.id));
    let data_dir = settings.data_dir.clone();
    let qr = crate::task::blocking(move || crate::media::save_qr(&data_dir, &content)).await?;
    let qr_url = crate::media::static_path(&qr);
    if pair.is_some_and(|recorded| recorded != qr_url) {
        let stored = qr_url.clone();
        db.tx(move |tx| fields::set_pair_qr_code(tx, uid, me.id, &stored))
            .await?;
    }
    let poster = json!({
        "user_id": uid,
        "user_avatar": card.avatar,
        "username": card.name,
        "position": card.position,
        "mingpian_phone": card.phone,
        "company": card.company,
        "qr_code_url": qr_url,
    });
    ok("请求成功", dialect.single(poster))
}

/// The poster as a PNG (drawn once per card state), a radar event for the salesperson.
#[get("/mingpian/save_poster")]
async fn save_poster(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    let data_dir = settings.data_dir.clone();
    let public_url = settings.public_url.clone();
    let (card, pair) = db
        .run(move |c| {
            let (card, pair) = card_and_pair(c, uid, me.id)?;
            // Read here, already off the async workers: the avatar's bytes are an input.
            let avatar = poster::avatar_bytes(&data_dir, &public_url, &card.avatar);
            Ok(((card, avatar), pair))
        })
        .await?;
    let bound = pair.is_some();
    let poster_card = poster_card(card, card_url(settings, uid, bound.then_some(me.id)));
    let rel = poster::poster(settings.data_dir.clone(), poster_card).await?;
    let poster_url = crate::media::static_path(&rel);
    let stored = poster_url.clone();
    db.tx(move |tx| {
        radar::record(tx, pushes, uid, me.id, VIEW_CARD, "保存了您的名片海报")?;
        if bound {
            fields::set_pair_poster(tx, uid, me.id, &stored)?;
        }
        Ok(())
    })
    .await?;
    // The seed shows `user_id` (the salesperson) as text; the original called it `uid`.
    ok(
        "请求成功",
        json!({"user_id": uid.to_string(), "uid": uid.to_string(), "poster_url": poster_url}),
    )
}

pub fn poster_card((card, avatar): (PosterFields, Vec<u8>), qr_content: String) -> PosterCard {
    PosterCard {
        name: card.name,
        position: card.position,
        company: card.company,
        phone: card.phone,
        signature: card.signature,
        avatar,
        qr_content,
    }
}
