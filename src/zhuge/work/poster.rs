//! The salesperson's own card poster, for the console's download: the same drawing as the
//! mini-program's `save_poster`, with the card's own QR code and no radar event.

use rocket::{get, routes, Route, State};
use serde_json::json;

use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiError;
use crate::poster;
use crate::web::envelope::{ok, Reply};
use crate::zhuge::data::poster as fields;
use crate::zhuge::mini::poster::{card_url, poster_card};
use crate::zhuge::principal::Employee;

pub fn routes() -> Vec<Route> {
    routes![own_poster]
}

#[get("/mingpian/poster")]
async fn own_poster(me: Employee, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let data_dir = settings.data_dir.clone();
    let public_url = settings.public_url.clone();
    let card = db
        .run(move |c| {
            let card = fields::fields(c, me.id)?.ok_or_else(|| ApiError::not_found("名片"))?;
            let avatar = poster::avatar_bytes(&data_dir, &public_url, &card.avatar);
            Ok((card, avatar))
        })
        .await?;
    let drawn = poster_card(card, card_url(settings, me.id, None));
    let rel = poster::poster(settings.data_dir.clone(), drawn).await?;
    ok(
        "请求成功",
        json!({"user_id": me.id, "poster_url": crate::media::static_path(&rel)}),
    )
}
