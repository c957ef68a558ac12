//! Seed 000: reviews — one per form, by its customer, once the form is done.

use rocket::{post, routes, Route, State};
use rusqlite::{params, Connection};
use serde_json::{json, Value};

use super::data::form;
use super::data::user;
use crate::clock;
use crate::db::{Db, OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![get_assess, assess]
}

fn review(c: &Connection, form_id: i64) -> ApiResult<Option<Value>> {
    Ok(c.query_row(
        "SELECT id, form_id, customer_id, employe_id, designer_stars, service_stars, content, create_date
         FROM sm_assess WHERE form_id = ?1",
        [form_id],
        |r| {
            Ok(json!({"id": r.get::<_, i64>(0)?, "small_form_id": r.get::<_, i64>(1)?,
                      "customer_id": r.get::<_, i64>(2)?, "employe_id": r.get::<_, Option<i64>>(3)?,
                      "designerstarts": r.get::<_, Option<i64>>(4)?,
                      "servicestarts": r.get::<_, Option<i64>>(5)?,
                      "content": r.get::<_, String>(6)?, "create_date": r.get::<_, String>(7)?}))
        },
    )
    .optional()?)
}

/// The review of form `orderid` (`null` until there is one). With `openid`, a customer
/// sees only their own forms' reviews; without it the review is public, as the firm's
/// showcase of ratings.
#[post("/getassess", data = "<p>")]
async fn get_assess(p: Params, db: &State<Db>) -> Reply {
    let form_id = p.id("orderid")?;
    let openid = p.opt_text("openid");
    let data = db
        .run(move |c| {
            match openid {
                Some(openid) => {
                    let me = user::caller(c, &openid)?;
                    form::visible(c, &me, form_id)?;
                }
                None => {
                    let exists: bool = c.query_row(
                        "SELECT EXISTS (SELECT 1 FROM sm_form WHERE id = ?1)",
                        [form_id],
                        |r| r.get(0),
                    )?;
                    if !exists {
                        return Err(ApiError::not_found("需求表单"));
                    }
                }
            }
            review(c, form_id)
        })
        .await?;
    ok("查询成功", data.unwrap_or(Value::Null))
}

fn stars(p: &Params, field: &str) -> ApiResult<Option<i64>> {
    match p.opt_num::<i64>(field)? {
        Some(n) if !(1..=5).contains(&n) => Err(ApiError::invalid(field, "只能是 1 到 5")),
        other => Ok(other),
    }
}

/// Reviews form `small_form_id` (the caller is `openid`, its customer): `designerstarts`
/// and `servicestarts` 1–5, `content`; `employe_id` names the designer or customer service
/// rated (default: the form's designer).
#[post("/assess", data = "<p>")]
async fn assess(p: Params, db: &State<Db>) -> Reply {
    let openid = p.text("openid")?;
    let form_id = p.id("small_form_id")?;
    let employe_id = p.opt_id("employe_id")?;
    let designer = stars(&p, "designerstarts")?;
    let service = stars(&p, "servicestarts")?;
    let content = p.bounded("content", text::NOTE)?.unwrap_or_default();
    if designer.is_none() && service.is_none() && content.is_empty() {
        return Err(ApiError::missing("designerstarts"));
    }
    let data = db
        .tx(move |tx| {
            let me = user::caller(tx, &openid)?;
            let found = form::visible(tx, &me, form_id)?;
            if found.customer_id != me.id {
                return Err(ApiError::forbidden("只有提交需求的客户可以评价"));
            }
            if found.status != form::DONE {
                return Err(ApiError::forbidden("需求完成后才能评价"));
            }
            let (designer_id, service_id): (Option<i64>, Option<i64>) = tx.query_row(
                "SELECT designer_id, service_id FROM sm_form WHERE id = ?1",
                [form_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let rated = employe_id.or(designer_id);
            if rated.is_some() && rated != designer_id && rated != service_id {
                return Err(ApiError::invalid("employe_id", "不是该需求的设计师或客服"));
            }
            tx.execute(
                "INSERT INTO sm_assess (form_id, customer_id, employe_id, designer_stars, service_stars,
                     content, create_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![form_id, me.id, rated, designer, service, content, clock::now()],
            )
            .on_unique(Code::NameExists, "该需求已评价过")?;
            review(tx, form_id)
        })
        .await?;
    ok("评价成功", data.unwrap_or(Value::Null))
}
