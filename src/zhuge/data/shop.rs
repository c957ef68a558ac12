//! The shop (seed 001 商城): goods classes (two levels), goods and the merchant settings.
//! Prices are stored in fen and shown in yuan; orders are in `order.rs`.

use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::clock;
use crate::error::{ApiError, ApiResult, Code};
use crate::web::params::Page;

/// `12.5` or `12.50` yuan → 1250 fen; at most two decimals, more than 0.
pub fn parse_yuan(field: &str, raw: &str) -> ApiResult<i64> {
    let raw = raw.trim();
    let (whole, cents) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || cents.len() > 2 || (!cents.is_empty() && !digits(cents)) {
        return Err(ApiError::wrong_type(field));
    }
    let whole: i64 = whole.parse().map_err(|_| ApiError::wrong_type(field))?;
    let cents: i64 = format!("{cents:0<2}")
        .parse()
        .map_err(|_| ApiError::wrong_type(field))?;
    let fen = whole
        .checked_mul(100)
        .and_then(|f| f.checked_add(cents))
        .filter(|f| *f > 0 && *f <= 100_000_000)
        .ok_or_else(|| ApiError::invalid(field, "须大于 0 且不超过 1000000 元"))?;
    Ok(fen)
}

pub fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

// ---- classes ----

/// `(company_id, parent)` of a class.
pub fn class_owner(c: &Connection, id: i64) -> ApiResult<Option<(i64, Option<i64>)>> {
    Ok(c.query_row(
        "SELECT company_id, parentClassification FROM zl_goods_class WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// 302 unknown, 403 another company's.
pub fn require_class(c: &Connection, company_id: i64, id: i64) -> ApiResult<Option<i64>> {
    match class_owner(c, id)? {
        None => Err(ApiError::not_found("分类")),
        Some((owner, _)) if owner != company_id => {
            Err(ApiError::forbidden("无权操作其他公司的分类"))
        }
        Some((_, parent)) => Ok(parent),
    }
}

/// A parent must be a top-level class of the same company: two levels at most.
pub fn check_parent(
    c: &Connection,
    company_id: i64,
    parent: Option<i64>,
    me: Option<i64>,
) -> ApiResult<()> {
    let Some(parent) = parent else { return Ok(()) };
    if Some(parent) == me {
        return Err(ApiError::invalid("parentClassification", "不能是自己"));
    }
    if require_class(c, company_id, parent)?.is_some() {
        return Err(ApiError::invalid(
            "parentClassification",
            "只能是一级分类 (最多两级)",
        ));
    }
    if let Some(me) = me {
        let has_children: bool = c.query_row(
            "SELECT EXISTS (SELECT 1 FROM zl_goods_class WHERE parentClassification = ?1)",
            [me],
            |r| r.get(0),
        )?;
        if has_children {
            return Err(ApiError::invalid(
                "parentClassification",
                "有子分类的分类不能再放到别的分类下",
            ));
        }
    }
    Ok(())
}

pub fn add_class(
    c: &Connection,
    company_id: i64,
    name: &str,
    goods_num: i64,
    parent: Option<i64>,
) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_goods_class (company_id, classificationName, parentClassification, goodsNum, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![company_id, name, parent, goods_num, clock::now()],
    )?;
    Ok(c.last_insert_rowid())
}

pub fn update_class(
    c: &Connection,
    id: i64,
    name: &str,
    goods_num: i64,
    parent: Option<i64>,
) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_goods_class SET classificationName = ?2, goodsNum = ?3, parentClassification = ?4 WHERE id = ?1",
        params![id, name, goods_num, parent],
    )?;
    Ok(())
}

/// 304 while the class has children or goods.
pub fn delete_class(c: &Connection, id: i64) -> ApiResult<()> {
    let (children, goods): (bool, bool) = c.query_row(
        "SELECT EXISTS (SELECT 1 FROM zl_goods_class WHERE parentClassification = ?1),
                EXISTS (SELECT 1 FROM zl_goods WHERE classificationId = ?1)",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if children || goods {
        return Err(ApiError::new(Code::HasChildren, "含有子级或商品, 请先移除"));
    }
    c.execute("DELETE FROM zl_goods_class WHERE id = ?1", [id])?;
    Ok(())
}

/// The classes as a tree `[{id, name, goodsNum, children: [...]}]`, from `root` (or the top).
pub fn class_tree(c: &Connection, company_id: i64, root: Option<i64>) -> ApiResult<Vec<Value>> {
    let mut stmt = c.prepare_cached(
        "SELECT g.id, g.classificationName, g.parentClassification,
                (SELECT COUNT(*) FROM zl_goods WHERE classificationId = g.id)
         FROM zl_goods_class g WHERE g.company_id = ?1 ORDER BY g.id",
    )?;
    let all: Vec<(i64, String, Option<i64>, i64)> = stmt
        .query_map([company_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    fn below(all: &[(i64, String, Option<i64>, i64)], parent: Option<i64>) -> Vec<Value> {
        all.iter()
            .filter(|(_, _, p, _)| *p == parent)
            .map(|(id, name, _, goods)| {
                json!({"id": id, "name": name, "goodsNum": goods, "children": below(all, Some(*id))})
            })
            .collect()
    }
    Ok(below(&all, root))
}

// ---- goods ----

#[derive(Debug, Clone)]
pub struct Goods {
    pub name: String,
    pub price_fen: i64,
    pub class_id: Option<i64>,
    pub status: i64,
    pub pictures: Value,
    pub description: String,
}

pub fn goods_owner(c: &Connection, id: i64) -> ApiResult<Option<i64>> {
    Ok(
        c.query_row("SELECT company_id FROM zl_goods WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub fn require_goods(c: &Connection, company_id: i64, id: i64) -> ApiResult<()> {
    match goods_owner(c, id)? {
        None => Err(ApiError::not_found("商品")),
        Some(owner) if owner != company_id => Err(ApiError::forbidden("无权操作其他公司的商品")),
        Some(_) => Ok(()),
    }
}

pub fn add_goods(c: &Connection, company_id: i64, g: &Goods) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_goods (company_id, classificationId, goodsName, goodsPrice, goodsStatus, pictures,
                               description, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![company_id, g.class_id, g.name, g.price_fen, g.status, g.pictures.to_string(), g.description, clock::now()],
    )?;
    Ok(c.last_insert_rowid())
}

pub fn update_goods(c: &Connection, id: i64, g: &Goods) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_goods SET classificationId = ?2, goodsName = ?3, goodsPrice = ?4, goodsStatus = ?5,
                pictures = ?6, description = ?7 WHERE id = ?1",
        params![id, g.class_id, g.name, g.price_fen, g.status, g.pictures.to_string(), g.description],
    )?;
    Ok(())
}

pub fn delete_goods(c: &Connection, id: i64) -> ApiResult<()> {
    c.execute("DELETE FROM zl_goods WHERE id = ?1", [id])?;
    Ok(())
}

pub fn goods(c: &Connection, id: i64) -> ApiResult<Option<(i64, Goods)>> {
    Ok(c
        .query_row(
            "SELECT company_id, goodsName, goodsPrice, classificationId, goodsStatus, pictures, description
             FROM zl_goods WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    Goods {
                        name: r.get(1)?,
                        price_fen: r.get(2)?,
                        class_id: r.get(3)?,
                        status: r.get(4)?,
                        pictures: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or(json!([])),
                        description: r.get(6)?,
                    },
                ))
            },
        )
        .optional()?)
}

/// A company's goods, newest first; `on_shelf_only` for customers; optionally one class
/// (with its sub-classes).
pub fn goods_list(
    c: &Connection,
    company_id: i64,
    on_shelf_only: bool,
    class_id: Option<i64>,
    page: &Page,
) -> ApiResult<(Vec<Value>, i64)> {
    let filter = "WHERE g.company_id = ?1 AND (?2 = 0 OR g.goodsStatus = 1)
        AND (?3 IS NULL OR g.classificationId = ?3
             OR g.classificationId IN (SELECT id FROM zl_goods_class WHERE parentClassification = ?3))";
    let total: i64 = c.query_row(
        &format!("SELECT COUNT(*) FROM zl_goods g {filter}"),
        params![company_id, on_shelf_only, class_id],
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT g.id, g.goodsName, g.goodsPrice, g.goodsStatus, g.classificationId, g.pictures, g.description
         FROM zl_goods g {filter} ORDER BY g.id DESC LIMIT ?4 OFFSET ?5"
    );
    let rows = c
        .prepare_cached(&sql)?
        .query_map(params![company_id, on_shelf_only, class_id, page.limit, page.offset], |r| {
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "goodsName": r.get::<_, String>(1)?,
                "goodsPrice": yuan(r.get(2)?),
                "goodsStatus": r.get::<_, i64>(3)?,
                "classificationId": r.get::<_, Option<i64>>(4)?,
                "pictures": serde_json::from_str::<Value>(&r.get::<_, String>(5)?).unwrap_or(json!([])),
                "description": r.get::<_, String>(6)?,
            }))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

// ---- settings ----

/// The shop name and WeChat Pay merchant of a company: `(name, mch_id, sealed key)`; the
/// key opens with `secrets::PAY_KEY` where a payment needs it.
pub fn settings(c: &Connection, company_id: i64) -> ApiResult<Option<(String, String, String)>> {
    Ok(c
        .query_row(
            "SELECT shangChengName, shangHuHao, shangHuMiYao FROM zl_shop_setting WHERE company_id = ?1",
            [company_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// Creates or changes the settings (`key` sealed); returns whether they were created.
pub fn save_settings(
    c: &Connection,
    company_id: i64,
    name: &str,
    mch_id: &str,
    key: &str,
) -> ApiResult<bool> {
    let created = settings(c, company_id)?.is_none();
    c.execute(
        "INSERT INTO zl_shop_setting (company_id, shangChengName, shangHuHao, shangHuMiYao, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (company_id) DO UPDATE SET shangChengName = ?2, shangHuHao = ?3, shangHuMiYao = ?4",
        params![company_id, name, mch_id, key, clock::now()],
    )?;
    Ok(created)
}
