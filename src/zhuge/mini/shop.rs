//! Seed 001 shop management under the mini-program prefix: goods classes, goods and the
//! merchant settings. Changes need an employee of the company holding `shop` (SPEC §7);
//! a customer's signature is 403. Reading is open to the company's customers and employees.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::json;

use super::pay_settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::secrets::PAY_KEY;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::shop::{self, Goods};
use crate::zhuge::data::{access, employee};
use crate::zhuge::principal::{Employee, Signer};

pub fn routes() -> Vec<Route> {
    routes![
        class_add,
        class_update,
        class_delete,
        class_delete_get,
        class_show,
        goods_add,
        goods_update,
        goods_delete,
        goods_delete_get,
        goods_show,
        settings_save
    ]
}

/// Only employees change the shop; the permission is checked inside the write.
fn manager(who: Signer) -> ApiResult<Employee> {
    match who {
        Signer::Employee(me) => Ok(me),
        Signer::Customer(_) => Err(ApiError::forbidden("客户无权管理商城")),
    }
}

/// The company whose shop a reader sees: the employee's; for a customer, the company of the
/// card `uid` when given, else of the last card they bound.
fn shop_company(c: &Connection, who: &Signer, p_uid: Option<i64>) -> ApiResult<i64> {
    match who {
        Signer::Employee(me) => Ok(me.company_id),
        Signer::Customer(me) => {
            if let Some(uid) = p_uid {
                return employee::company_and_name(c, uid)?
                    .map(|(company, _)| company)
                    .ok_or_else(|| ApiError::not_found("名片"));
            }
            let company: Option<i64> = c.query_row(
                "SELECT company_id FROM zl_customer WHERE id = ?1",
                [me.id],
                |r| r.get(0),
            )?;
            company.ok_or_else(|| ApiError::new(Code::NotFound, "请先打开一张名片 (缺少 uid)"))
        }
    }
}

struct ClassForm {
    name: String,
    goods_num: i64,
    parent: Option<i64>,
}

fn class_form(p: &Params) -> ApiResult<ClassForm> {
    let goods_num: i64 = p.opt_num("goodsNum")?.unwrap_or(0);
    if goods_num < 0 {
        return Err(ApiError::invalid("goodsNum", "不能为负数"));
    }
    Ok(ClassForm {
        name: p.required("classificationName", text::NAME)?,
        goods_num,
        parent: p.opt_id("parentClassification")?,
    })
}

#[post("/goodsClassOper/add/0", data = "<p>")]
pub(crate) async fn class_add(who: Signer, p: Params, db: &State<Db>) -> Reply {
    let me = manager(who)?;
    let form = class_form(&p)?;
    let id = db
        .tx(move |tx| {
            access::require(tx, &me, "shop")?;
            shop::check_parent(tx, me.company_id, form.parent, None)?;
            shop::add_class(tx, me.company_id, &form.name, form.goods_num, form.parent)
        })
        .await?;
    ok("添加成功", json!({"id": id}))
}

/// The path names the class; the seed's body `o_id`, when sent, must agree.
fn same_id(p: &Params, id: i64) -> ApiResult<()> {
    match p.opt_id("o_id")? {
        Some(o_id) if o_id != id => Err(ApiError::invalid("o_id", "与地址中的 ID 不一致")),
        _ => Ok(()),
    }
}

#[post("/goodsClassOper/update/<id>", data = "<p>")]
pub(crate) async fn class_update(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    let me = manager(who)?;
    same_id(&p, id)?;
    let form = class_form(&p)?;
    db.tx(move |tx| {
        access::require(tx, &me, "shop")?;
        shop::require_class(tx, me.company_id, id)?;
        shop::check_parent(tx, me.company_id, form.parent, Some(id))?;
        shop::update_class(tx, id, &form.name, form.goods_num, form.parent)
    })
    .await?;
    ok("修改成功", json!({}))
}

async fn remove_class(who: Signer, id: i64, db: &Db) -> Reply {
    let me = manager(who)?;
    db.tx(move |tx| {
        access::require(tx, &me, "shop")?;
        shop::require_class(tx, me.company_id, id)?;
        shop::delete_class(tx, id)
    })
    .await?;
    ok("删除成功", json!({}))
}

#[post("/goodsClassOper/delete/<id>", data = "<p>")]
pub(crate) async fn class_delete(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    same_id(&p, id)?;
    remove_class(who, id, db).await
}

#[get("/goodsClassOper/delete/<id>")]
async fn class_delete_get(who: Signer, id: i64, db: &State<Db>) -> Reply {
    remove_class(who, id, db).await
}

#[get("/goodsClassShow")]
pub(crate) async fn class_show(who: Signer, p: Params, db: &State<Db>) -> Reply {
    let root = p.opt_id("singleUser")?;
    let uid = p.opt_id("uid")?;
    let tree = db
        .run(move |c| {
            let company_id = shop_company(c, &who, uid)?;
            if let Some(root) = root {
                shop::require_class(c, company_id, root)?;
            }
            shop::class_tree(c, company_id, root)
        })
        .await?;
    ok("查询成功", json!(tree))
}

fn goods_form(p: &Params, base: Option<Goods>) -> ApiResult<Goods> {
    let pictures = match p.str("pictures") {
        Some(raw) => Some(json!(text::url_list("pictures", raw)?)),
        None => None,
    };
    let status = match p.opt_num::<i64>("goodsStatus")? {
        Some(s @ (1 | 2)) => Some(s),
        Some(_) => return Err(ApiError::invalid("goodsStatus", "只能是 1 上架 或 2 下架")),
        None => None,
    };
    let price = match p.opt_text("goodsPrice") {
        Some(raw) => Some(shop::parse_yuan("goodsPrice", &raw)?),
        None => None,
    };
    let class_id = p.opt_id("classificationId")?;
    match base {
        None => Ok(Goods {
            name: p.required("goodsName", text::NAME)?,
            price_fen: price.ok_or_else(|| ApiError::missing("goodsPrice"))?,
            class_id,
            status: status.unwrap_or(1),
            pictures: pictures.unwrap_or(json!([])),
            description: p.bounded("description", text::NOTE)?.unwrap_or_default(),
        }),
        Some(base) => Ok(Goods {
            name: p.bounded("goodsName", text::NAME)?.unwrap_or(base.name),
            price_fen: price.unwrap_or(base.price_fen),
            class_id: class_id.or(base.class_id),
            status: status.unwrap_or(base.status),
            pictures: pictures.unwrap_or(base.pictures),
            description: p
                .bounded("description", text::NOTE)?
                .unwrap_or(base.description),
        }),
    }
}

#[post("/mallManagementOper/add/0", data = "<p>")]
pub(crate) async fn goods_add(who: Signer, p: Params, db: &State<Db>) -> Reply {
    let me = manager(who)?;
    let goods = goods_form(&p, None)?;
    let id = db
        .tx(move |tx| {
            access::require(tx, &me, "shop")?;
            if let Some(class_id) = goods.class_id {
                shop::require_class(tx, me.company_id, class_id)?;
            }
            shop::add_goods(tx, me.company_id, &goods)
        })
        .await?;
    ok("添加成功", json!({"id": id}))
}

#[post("/mallManagementOper/update/<id>", data = "<p>")]
pub(crate) async fn goods_update(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    let me = manager(who)?;
    same_id(&p, id)?;
    db.tx(move |tx| {
        access::require(tx, &me, "shop")?;
        shop::require_goods(tx, me.company_id, id)?;
        let (_, current) = shop::goods(tx, id)?.ok_or_else(|| ApiError::not_found("商品"))?;
        let goods = goods_form(&p, Some(current))?;
        if let Some(class_id) = goods.class_id {
            shop::require_class(tx, me.company_id, class_id)?;
        }
        shop::update_goods(tx, id, &goods)
    })
    .await?;
    ok("修改成功", json!({}))
}

async fn remove_goods(who: Signer, id: i64, db: &Db) -> Reply {
    let me = manager(who)?;
    db.tx(move |tx| {
        access::require(tx, &me, "shop")?;
        shop::require_goods(tx, me.company_id, id)?;
        shop::delete_goods(tx, id)
    })
    .await?;
    ok("删除成功", json!({}))
}

#[post("/mallManagementOper/delete/<id>", data = "<p>")]
pub(crate) async fn goods_delete(who: Signer, id: i64, p: Params, db: &State<Db>) -> Reply {
    same_id(&p, id)?;
    remove_goods(who, id, db).await
}

#[get("/mallManagementOper/delete/<id>")]
async fn goods_delete_get(who: Signer, id: i64, db: &State<Db>) -> Reply {
    remove_goods(who, id, db).await
}

/// Customers browse goods on shelf; employees see every one of the company's.
#[get("/mallManageShow")]
pub(crate) async fn goods_show(who: Signer, p: Params, db: &State<Db>) -> Reply {
    let page = p.page()?;
    let class_id = p.opt_id("classificationId")?;
    let uid = p.opt_id("uid")?;
    let (rows, total) = db
        .run(move |c| {
            let company_id = shop_company(c, &who, uid)?;
            if let Some(class_id) = class_id {
                shop::require_class(c, company_id, class_id)?;
            }
            let customer = matches!(who, Signer::Customer(_));
            shop::goods_list(c, company_id, customer, class_id, &page)
        })
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

/// The shop's name and WeChat Pay merchant (id ≤ 30 characters, key exactly 32; v3 keys and
/// the v2 client certificate in `pay_settings`); secrets are stored sealed, never shown.
/// Omitted fields keep their value.
#[post("/jiChuSheZhiOper/addOrUpdate", data = "<p>")]
pub(crate) async fn settings_save(who: Signer, p: Params, db: &State<Db>) -> Reply {
    let me = manager(who)?;
    let name = p.bounded("shangChengName", text::NAME)?;
    let mch_id = p.opt_text("shangHuHao");
    let key = p.opt_text("shangHuMiYao");
    if let Some(mch_id) = &mch_id {
        let n = mch_id.chars().count();
        if n > 30 || !mch_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiError::invalid(
                "shangHuHao",
                &format!("当前商户号长度{n}, 须为不超过 30 位的字母或数字"),
            ));
        }
    }
    if let Some(key) = &key {
        let n = key.chars().count();
        if n != 32 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiError::invalid(
                "shangHuMiYao",
                &format!("当前商户秘钥长度{n}, 请输入32位正确秘钥"),
            ));
        }
    }
    let key = key.map(|k| db.secrets().seal(PAY_KEY, &k)).transpose()?;
    let merchant = pay_settings::changes(&p, db.secrets())?;
    let secrets = db.secrets().clone();
    let created = db
        .tx(move |tx| {
            access::require(tx, &me, "shop")?;
            let current = shop::settings(tx, me.company_id)?;
            let (old_name, old_mch, old_key) = current.unwrap_or_default();
            let name = name.unwrap_or(old_name);
            if name.is_empty() {
                return Err(ApiError::missing("shangChengName"));
            }
            let mch_id = mch_id.unwrap_or(old_mch);
            let key = key.unwrap_or(old_key);
            let created = shop::save_settings(tx, me.company_id, &name, &mch_id, &key)?;
            pay_settings::apply(tx, &secrets, me.company_id, &merchant)?;
            Ok(created)
        })
        .await?;
    ok(
        if created {
            "创建成功"
        } else {
            "修改成功"
        },
        json!(""),
    )
}
