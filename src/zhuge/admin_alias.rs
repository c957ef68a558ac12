//! The original 2018 server's admin-console routes (`/zhugeleida/admin/...`) that Leida serves
//! under the enterprise or mini-program prefix: the shop moved to `/admin/` in the original's
//! final code, products and roles were managed there too. Each alias calls the canonical
//! handler; the original accepted any number after `add/`.

use rocket::{get, post, routes, Route, State};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::web::envelope::Reply;
use crate::web::params::Params;
use crate::zhuge::mini::{refund, shop};
use crate::zhuge::principal::{Employee, Signer};
use crate::zhuge::work::{product, role};

pub fn routes() -> Vec<Route> {
    routes![
        class_show,
        class_add,
        class_update,
        class_delete,
        goods_show,
        goods_add,
        goods_update,
        goods_delete,
        shop_settings,
        pay_settings,
        refund_show,
        refund_status,
        role_list,
        role_add,
        role_update,
        role_delete,
        product_list,
        product_single,
        product_add,
        product_update,
        product_status,
        product_delete
    ]
}

/// The number after `add/`, which the original matched as `\d+` and then ignored.
fn any_number(raw: &str) -> ApiResult<()> {
    match raw.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(()),
        _ => Err(ApiError::wrong_type("o_id")),
    }
}

#[get("/goodsClassShow")]
async fn class_show(who: Signer, p: Params, db: &State<Db>) -> Reply {
    shop::class_show(who, p, db).await
}

#[post("/goodsClassOper/add/<id>", data = "<p>")]
async fn class_add(who: Signer, id: &str, p: Params, db: &State<Db>) -> Reply {
    any_number(id)?;
    shop::class_add(who, p, db).await
}

#[post("/goodsClassOper/update/<id>", data = "<p>")]
async fn class_update(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    shop::class_update(who, id, p, db).await
}

#[post("/goodsClassOper/delete/<id>", data = "<p>")]
async fn class_delete(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    shop::class_delete(who, id, p, db).await
}

/// The original filtered by `goodsGroup` (the class).
#[get("/mallManagementShow")]
async fn goods_show(who: Signer, p: Params, db: &State<Db>) -> Reply {
    shop::goods_show(who, p.renamed("goodsGroup", "classificationId"), db).await
}

/// The original named the goods' class `parentName`.
#[post("/mallManagementOper/add/<id>", data = "<p>")]
async fn goods_add(who: Signer, id: &str, p: Params, db: &State<Db>) -> Reply {
    any_number(id)?;
    shop::goods_add(who, p.renamed("parentName", "classificationId"), db).await
}

#[post("/mallManagementOper/update/<id>", data = "<p>")]
async fn goods_update(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    let p = p.renamed("parentName", "classificationId");
    shop::goods_update(who, id, p, db).await
}

#[post("/mallManagementOper/delete/<id>", data = "<p>")]
async fn goods_delete(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    shop::goods_delete(who, id, p, db).await
}

/// The shop's name (the original's `jichushezhi`) → `jiChuSheZhiOper/addOrUpdate`.
#[post("/jiChuSheZhiOper/jichushezhi", data = "<p>")]
async fn shop_settings(who: Signer, p: Params, db: &State<Db>) -> Reply {
    shop::settings_save(who, p, db).await
}

/// The merchant id and key (the original's `zhifupeizhi`) → `jiChuSheZhiOper/addOrUpdate`.
#[post("/jiChuSheZhiOper/zhifupeizhi", data = "<p>")]
async fn pay_settings(who: Signer, p: Params, db: &State<Db>) -> Reply {
    shop::settings_save(who, p, db).await
}

#[get("/tuiKuanDingDanShow")]
async fn refund_show(who: Signer, p: Params, db: &State<Db>) -> Reply {
    refund::show(who, p, db).await
}

#[post("/tuiKuanDingDanOper/updateStatus/<id>", data = "<p>")]
async fn refund_status(
    who: Signer,
    id: i64,
    p: Params,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    refund::update_status(who, id, p, db, settings).await
}

#[get("/role")]
async fn role_list(me: Employee, p: Params, db: &State<Db>) -> Reply {
    role::list(me, p, db).await
}

#[post("/role/add/<id>", data = "<p>")]
async fn role_add(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    any_number(id)?;
    role::add(me, p, db).await
}

#[post("/role/update/<id>", data = "<p>")]
async fn role_update(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    role::update(me, id, p, db).await
}

#[post("/role/delete/<id>")]
async fn role_delete(me: Employee, id: &str, db: &State<Db>) -> Reply {
    role::delete(me, id, db).await
}

#[get("/product/product_list")]
async fn product_list(me: Employee, p: Params, db: &State<Db>) -> Reply {
    product::product_list(me, p, db).await
}

#[get("/product/product_single")]
async fn product_single(me: Employee, p: Params, db: &State<Db>) -> Reply {
    product::product_single(me, p, db).await
}

#[post("/product/add/<id>", data = "<p>")]
async fn product_add(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    any_number(id)?;
    product::add(me, p, db).await
}

#[post("/product/update/<id>", data = "<p>")]
async fn product_update(me: Employee, id: i64, p: Params, db: &State<Db>) -> Reply {
    product::update(me, id, p, db).await
}

#[post("/product/change_status/<id>", data = "<p>")]
async fn product_status(me: Employee, id: i64, p: Params, db: &State<Db>) -> Reply {
    product::change_status_post(me, id, p, db).await
}

#[post("/product/delete/<id>")]
async fn product_delete(me: Employee, id: i64, db: &State<Db>) -> Reply {
    product::delete_post(me, id, db).await
}
