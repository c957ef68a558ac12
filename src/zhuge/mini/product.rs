//! Seed 001 products and the company website, as a customer sees them on a card (`uid`);
//! looking, forwarding and asking are radar events.

use rocket::{get, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::chat::{self, FROM_CUSTOMER};
use crate::zhuge::data::dialect::{self, Dialect};
use crate::zhuge::data::notice::Pushes;
use crate::zhuge::data::radar::{self, CONSULT, FORWARD, VIEW_PRODUCT, VIEW_WEBSITE};
use crate::zhuge::data::{employee, product};
use crate::zhuge::mini::chat::require_bound;
use crate::zhuge::principal::Customer;

pub fn routes() -> Vec<Route> {
    routes![
        product_list,
        product_single,
        forward_product,
        consult_product,
        website
    ]
}

/// The company of the card `uid` (302 for an unknown or disabled card).
fn card_company(c: &Connection, uid: i64) -> ApiResult<i64> {
    employee::company_and_name(c, uid)?
        .map(|(company_id, _)| company_id)
        .ok_or_else(|| ApiError::not_found("名片"))
}

#[get("/product/product_list")]
async fn product_list(
    me: Customer,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    let page = p.page()?;
    let (rows, total) = db
        .tx(move |tx| {
            let company_id = card_company(tx, uid)?;
            radar::record(
                tx,
                pushes,
                uid,
                me.id,
                VIEW_PRODUCT,
                "正在查看您发布的产品,尽快把握商机",
            )?;
            product::on_card(tx, company_id, uid, &page)
        })
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

#[get("/product/product_single")]
async fn product_single(
    me: Customer,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let pushes = Pushes::of(settings);
    let (uid, product_id) = (p.id("uid")?, p.id("product_id")?);
    let item = db
        .tx(move |tx| {
            let item = visible(tx, uid, product_id)?;
            let remark = format!(
                "正在查看{},尽快把握商机",
                item["name"].as_str().unwrap_or("")
            );
            radar::record(tx, pushes, uid, me.id, VIEW_PRODUCT, &remark)?;
            Ok(item)
        })
        .await?;
    ok("查询成功", json!({"ret_data": [item], "data_count": 1}))
}

fn visible(c: &Connection, uid: i64, product_id: i64) -> ApiResult<Value> {
    let company_id = card_company(c, uid)?;
    product::on_card_single(c, company_id, uid, product_id)
}

#[get("/product/forward_product")]
async fn forward_product(
    me: Customer,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let pushes = Pushes::of(settings);
    let (uid, product_id) = (p.id("uid")?, p.id("product_id")?);
    let default = Dialect::configured(settings);
    db.tx(move |tx| {
        let item = visible(tx, uid, product_id)?;
        let remark = format!("转发了{}", item["name"].as_str().unwrap_or(""));
        // SPEC counts a forward as action 6; the original logged it as viewing a product.
        let action = match dialect::of_card(tx, uid, default)? {
            Dialect::Seed => FORWARD,
            Dialect::Original => VIEW_PRODUCT,
        };
        radar::record(tx, pushes, uid, me.id, action, &remark)
    })
    .await?;
    ok("记录转发产品成功", json!({}))
}

/// Asking about a product opens the chat with a product card from the customer.
#[get("/product/consult_product")]
async fn consult_product(
    me: Customer,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let pushes = Pushes::of(settings);
    let (uid, product_id) = (p.id("uid")?, p.id("product_id")?);
    db.tx(move |tx| {
        let item = visible(tx, uid, product_id)?;
        require_bound(tx, uid, me.id)?;
        let card = json!({
            "info_type": 2,
            "product_id": product_id,
            "product_cover_url": first_cover(&item),
            "product_name": item["name"],
            "product_price": item["price"],
        });
        chat::insert(tx, uid, me.id, FROM_CUSTOMER, &card)?;
        chat::count_on_relation(tx, uid, me.id, FROM_CUSTOMER)?;
        radar::record(tx, pushes, uid, me.id, CONSULT, "向您咨询产品")
    })
    .await?;
    ok("咨询产品成功", json!({}))
}

fn first_cover(item: &Value) -> String {
    item["content"]["cover_data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|block| block["type"] == "picture_url")
        .find_map(|block| block["data"][0].as_str())
        .unwrap_or("")
        .to_string()
}

/// The company's site pictures (`website_content`, set by its administrators).
#[get("/website")]
async fn website(me: Customer, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let pushes = Pushes::of(settings);
    let uid = p.id("uid")?;
    let site = db
        .tx(move |tx| {
            let company_id = card_company(tx, uid)?;
            radar::record(
                tx,
                pushes,
                uid,
                me.id,
                VIEW_WEBSITE,
                "查看了您公司的官网,看来TA对您公司感兴趣",
            )?;
            let raw: String = tx.query_row(
                "SELECT website_content FROM zl_company WHERE id = ?1",
                [company_id],
                |r| r.get(0),
            )?;
            Ok(serde_json::from_str::<Value>(&raw).unwrap_or_else(|_| json!({})))
        })
        .await?;
    let site = json!({
        "cover_picture": site.get("cover_picture").cloned().unwrap_or(json!([])),
        "content_picture": site.get("content_picture").cloned().unwrap_or(json!([])),
    });
    let count = site["cover_picture"].as_array().map_or(0, Vec::len)
        + site["content_picture"].as_array().map_or(0, Vec::len);
    ok("", json!({"ret_data": site, "data_count": count}))
}
