//! Seed 003 `user`: the company's employees, managed by a role holding `user`. A signer
//! assigns only roles that hold no more than theirs, changes only such accounts, and never
//! leaves the company without an enabled full administrator (`access`).

use rocket::{get, post, routes, Route, State};
use serde_json::json;

use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::password;
use crate::task::blocking;
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::access::{
    keeping_a_full_administrator, require, require_covers, require_covers_employee,
};
use crate::zhuge::data::permission::{self, Entry};
use crate::zhuge::data::user::{self, Changes, Search};
use crate::zhuge::data::{company, employee, role};
use crate::zhuge::principal::Employee;
use crate::zhuge::work::form::{path_id, status};
use crate::zhuge::work::mingpian::draw_qr_code;

pub fn routes() -> Vec<Route> {
    routes![list, add, update, delete_get, delete_post]
}

fn search(p: &Params) -> ApiResult<Search> {
    let create_date = match p.str("create_date") {
        None => None,
        Some(raw) => Some(
            clock::parse_date(raw)
                .ok_or_else(|| ApiError::wrong_type("create_date"))?
                .to_string(),
        ),
    };
    // A term longer than any name is refused (SQLite refuses LIKE patterns over 50 000 bytes).
    Ok(Search {
        username: p.bounded("username", text::NAME)?,
        role_name: p.bounded("role__name", text::NAME)?,
        company_name: p.bounded("company__name", text::NAME)?,
        create_date,
    })
}

#[get("/user")]
async fn list(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let (search, page) = (search(&p)?, p.page()?);
    let (rows, total) = db
        .run(move |c| {
            require(c, &me, "user")?;
            user::list(c, me.company_id, &search, page)
        })
        .await?;
    ok("查询成功", json!({"ret_data": rows, "data_count": total}))
}

/// Checked before hashing a password, so a caller without `user` cannot make the server
/// spend argon2 time; the write checks again in its transaction.
async fn may_manage_users(db: &Db, me: &Employee) -> ApiResult<()> {
    let me = *me;
    db.run(move |c| require(c, &me, "user")).await
}

/// A password as sent, hashed off the async workers; too short is 303.
async fn hashed(p: &Params) -> ApiResult<Option<String>> {
    let Some(pw) = p.opt_text("password") else {
        return Ok(None);
    };
    if pw.chars().count() < password::MIN_LEN {
        return Err(ApiError::invalid(
            "password",
            &format!("至少 {} 位", password::MIN_LEN),
        ));
    }
    Ok(Some(blocking(move || password::hash(&pw)).await?))
}

/// The seed's example spells the Work WeChat UserID `userid`, its table `usedid`.
fn work_userid(p: &Params) -> ApiResult<Option<String>> {
    match p.bounded("userid", text::NAME)? {
        Some(id) => Ok(Some(id)),
        None => p.bounded("usedid", text::NAME),
    }
}

#[post("/user/add/0", data = "<p>")]
async fn add(me: Employee, p: Params, db: &State<Db>, settings: &State<Settings>) -> Reply {
    let username = p.required("username", text::NAME)?;
    p.text("password")?;
    let role_id = p.id("role_id")?;
    let company_id = p.opt_id("company_id")?.unwrap_or(me.company_id);
    let userid = work_userid(&p)?;
    let state = status(&p)?.unwrap_or(1);
    may_manage_users(db, &me).await?;
    let hash = hashed(&p).await?.unwrap_or_default();
    let id = db
        .tx(move |tx| {
            require(tx, &me, "user")?;
            company::check_staffable(tx, me.company_id, company_id)?;
            role::check(tx, company_id, role_id)?;
            require_covers(tx, &me, role_id)?;
            user::check_quota(tx, company_id)?;
            let id = employee::insert(tx, company_id, role_id, &username, &hash, state)?;
            if let Some(userid) = userid {
                user::check_userid_free(tx, company_id, &userid, id)?;
                user::update(
                    tx,
                    id,
                    &Changes {
                        userid: Some(userid),
                        ..Changes::default()
                    },
                )?;
            }
            Ok(id)
        })
        .await?;
    // The card's QR code, as the original drew it for every new employee.
    if let Err(e) = draw_qr_code(db, settings, id).await {
        log::warn!("user {id}: QR code not drawn yet ({e}); qr_code_auth draws it");
    }
    ok("添加成功", json!({"user_id": id}))
}

#[post("/user/update/<id>", data = "<p>")]
async fn update(me: Employee, id: &str, p: Params, db: &State<Db>) -> Reply {
    let id = path_id(id, "id")?;
    let company_id = p.opt_id("company_id")?;
    let mut changes = Changes {
        username: p.bounded("username", text::NAME)?,
        password_hash: None,
        role_id: p.opt_id("role_id")?,
        userid: work_userid(&p)?,
        status: status(&p)?,
    };
    if id == me.id && changes.status == Some(2) {
        return Err(ApiError::invalid("status", "不能停用自己"));
    }
    may_manage_users(db, &me).await?;
    changes.password_hash = hashed(&p).await?;
    db.tx(move |tx| {
        require(tx, &me, "user")?;
        company::check_owner(employee::company_of(tx, id)?, me.company_id, "用户")?;
        if let Some(company_id) = company_id {
            company::check_owner(Some(company_id), me.company_id, "公司")?;
        }
        require_covers_employee(tx, &me, id)?;
        if let Some(role_id) = changes.role_id {
            role::check(tx, me.company_id, role_id)?;
            require_covers(tx, &me, role_id)?;
        }
        if let Some(userid) = &changes.userid {
            user::check_userid_free(tx, me.company_id, userid, id)?;
        }
        keeping_a_full_administrator(tx, me.company_id, || user::update(tx, id, &changes))
    })
    .await?;
    ok("修改成功", json!({}))
}

async fn delete(me: Employee, id: &str, db: &Db) -> Reply {
    let id = path_id(id, "id")?;
    if id == me.id {
        return Err(ApiError::new(Code::SelfDelete, "不允许删除自己"));
    }
    db.tx(move |tx| {
        require(tx, &me, "user")?;
        company::check_owner(employee::company_of(tx, id)?, me.company_id, "用户")?;
        require_covers_employee(tx, &me, id)?;
        keeping_a_full_administrator(tx, me.company_id, || user::delete(tx, id))
    })
    .await?;
    ok("删除成功", json!({}))
}

/// The seed deletes with GET; POST is accepted too (SPEC §7).
#[get("/user/delete/<id>")]
async fn delete_get(me: Employee, id: &str, db: &State<Db>) -> Reply {
    delete(me, id, db).await
}

#[post("/user/delete/<id>")]
async fn delete_post(me: Employee, id: &str, db: &State<Db>) -> Reply {
    delete(me, id, db).await
}

/// Demo data for people and access: Work WeChat userids on every employee, an HR role that
/// manages users and roles, a company menu entry, and a client company the demo firm set up.
pub fn demo(conn: &rusqlite::Connection) -> ApiResult<()> {
    conn.execute(
        "UPDATE zl_employee SET userid = username WHERE userid = ''",
        [],
    )?;
    let company_id: i64 = conn.query_row(
        "SELECT company_id FROM zl_employee ORDER BY id LIMIT 1",
        [],
        |r| r.get(0),
    )?;
    let hr = role::insert(conn, company_id, "人事")?;
    let entry = Entry {
        path: "report".into(),
        icon: "chart".into(),
        title: "销售报表".into(),
        pid: None,
        order_num: 10,
    };
    let report = permission::insert(conn, company_id, &entry)?;
    role::grant_exactly(conn, company_id, hr, &[1, 2, report])?;
    let client = company::Details {
        name: Some("东方银谷".into()),
        area: Some("上海".into()),
        address: Some("上海市浦东新区世纪大道 100 号".into()),
        ..Default::default()
    };
    company::insert_child(conn, company_id, &client)?;
    Ok(())
}
