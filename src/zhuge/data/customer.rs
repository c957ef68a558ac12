//! Mini-program customers: sign-in by openid, profile, and the name the radar shows.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::clock;
use crate::db::OptionalExtension;
use crate::error::ApiResult;

/// How a customer came to a card, by name (seed 001 `mingpian/all`).
pub fn source_name(source: i64) -> &'static str {
    match source {
        1 => "扫码",
        2 => "转发",
        3 => "搜索",
        4 => "公众号文章",
        _ => "其他",
    }
}

/// Where a customer signed in from (`user_type`), as the original named it.
pub fn user_type_name(user_type: i64) -> &'static str {
    match user_type {
        1 => "公众号",
        _ => "小程序",
    }
}

/// The name shown for a customer who has not shared a nickname (SPEC §7).
pub const ANONYMOUS: &str = "微信用户";

/// The customer's name as a company sees it, in SQL, for a `zl_customer` aliased `cu`
/// joined with that company's notes aliased `cn` ([`notes_of`]): the memo name the company
/// gave them, else their WeChat nickname.
pub const NAME: &str = "CASE WHEN cn.memo_name != '' THEN cn.memo_name
     WHEN cu.username != '' THEN cu.username ELSE '微信用户' END";

/// The customer's own name (what they shared), in SQL: never a company's memo name.
pub const OWN_NAME: &str = "CASE WHEN cu.username != '' THEN cu.username ELSE '微信用户' END";

/// Joins the notes (`cn`) that the company `company` (an SQL expression: a parameter or a
/// column) keeps on the customer `cu`.
pub fn notes_of_company(company: &str) -> String {
    format!("LEFT JOIN zl_customer_note cn ON cn.customer_id = cu.id AND cn.company_id = {company}")
}

/// [`notes_of_company`] for the company of the employee `employee` (an SQL expression).
pub fn notes_of(employee: &str) -> String {
    notes_of_company(&format!(
        "(SELECT company_id FROM zl_employee WHERE id = {employee})"
    ))
}

pub fn token(c: &Connection, id: i64) -> ApiResult<Option<String>> {
    let mut stmt = c.prepare_cached("SELECT token FROM zl_customer WHERE id = ?1")?;
    Ok(stmt.query_row([id], |r| r.get(0)).optional()?)
}

/// Signs a customer in: a known (openid, user_type) keeps its token and gets the new
/// session key; an unknown one becomes a new customer. Returns `(id, token)`.
pub fn sign_in(
    c: &Connection,
    openid: &str,
    user_type: i64,
    session_key: &str,
    company_id: Option<i64>,
) -> ApiResult<(i64, String)> {
    c.execute(
        "INSERT INTO zl_customer (openid, user_type, session_key, token, company_id, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (openid, user_type) DO UPDATE SET session_key = excluded.session_key",
        params![
            openid,
            user_type,
            session_key,
            clock::token(),
            company_id,
            clock::now()
        ],
    )?;
    Ok(c.query_row(
        "SELECT id, token FROM zl_customer WHERE openid = ?1 AND user_type = ?2",
        params![openid, user_type],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// The customer's own name (`微信用户` until they share a nickname).
pub fn own_name(c: &Connection, id: i64) -> ApiResult<String> {
    let sql = format!("SELECT {OWN_NAME} FROM zl_customer cu WHERE cu.id = ?1");
    let mut stmt = c.prepare_cached(&sql)?;
    Ok(stmt
        .query_row([id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| ANONYMOUS.to_string()))
}

/// The customer's name as the employee `user_id` sees it (their company's memo name first).
pub fn name_for(c: &Connection, id: i64, user_id: i64) -> ApiResult<String> {
    let sql = format!(
        "SELECT {NAME} FROM zl_customer cu {notes} WHERE cu.id = ?1",
        notes = notes_of("?2")
    );
    let mut stmt = c.prepare_cached(&sql)?;
    Ok(stmt
        .query_row([id, user_id], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| ANONYMOUS.to_string()))
}

/// What the mini-program sends after the user shares their profile.
#[derive(Debug, Default)]
pub struct Profile {
    pub username: Option<String>,
    pub headimgurl: Option<String>,
    pub sex: Option<i64>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub province: Option<String>,
    pub language: Option<String>,
}

/// Updates the fields that were sent, leaving the others as they are.
pub fn update_profile(c: &Connection, id: i64, p: &Profile) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_customer SET username = COALESCE(?2, username), headimgurl = COALESCE(?3, headimgurl),
                sex = COALESCE(?4, sex), city = COALESCE(?5, city), country = COALESCE(?6, country),
                province = COALESCE(?7, province), language = COALESCE(?8, language)
         WHERE id = ?1",
        params![id, p.username, p.headimgurl, p.sex, p.city, p.country, p.province, p.language],
    )?;
    Ok(())
}

/// Keeps a formId for a later template message; a repeat is ignored.
pub fn add_form_id(c: &Connection, id: i64, form_id: &str) -> ApiResult<()> {
    c.execute(
        "INSERT OR IGNORE INTO zl_form_id (customer_id, form_id, create_date) VALUES (?1, ?2, ?3)",
        params![id, form_id, clock::now()],
    )?;
    Ok(())
}

/// The customer as seed 003 `customer` shows them, seen through one relation.
pub fn detail(c: &Connection, customer_id: i64, relation_id: i64) -> ApiResult<Value> {
    let sql = format!(
        "SELECT cu.id, {NAME}, cu.headimgurl, cn.memo_name, COALESCE(cn.sex, cu.sex),
                COALESCE(NULLIF(cn.phone, ''), cn.given_phone), cn.email, cn.company, cn.position,
                cn.address, cn.birthday, cn.mem, r.expected_time, r.expedted_pr, r.source,
                CASE WHEN p.id IS NULL THEN '' ELSE {parent} END, e.username,
                CAST(julianday(?3) - julianday(substr(r.create_date, 1, 10)) AS INTEGER)
         FROM zl_customer cu JOIN zl_relation r ON r.id = ?2
         JOIN zl_employee e ON e.id = r.user_id
         {notes}
         LEFT JOIN zl_customer p ON p.id = r.customer_parent_id
         LEFT JOIN zl_customer_note pn ON pn.customer_id = p.id AND pn.company_id = e.company_id
         WHERE cu.id = ?1",
        notes = notes_of_company("e.company_id"),
        parent = NAME.replace("cu.", "p.").replace("cn.", "pn."),
    );
    let today = clock::today().to_string();
    Ok(
        c.query_row(&sql, params![customer_id, relation_id, today], |r| {
            let text = |i: usize| -> rusqlite::Result<String> {
                Ok(r.get::<_, Option<String>>(i)?.unwrap_or_default())
            };
            Ok(json!({
                "id": r.get::<_, i64>(0)?,
                "username": text(1)?,
                "headimgurl": text(2)?,
                "memo_name": text(3)?,
                "sex": r.get::<_, i64>(4)?,
                "phone": text(5)?,
                "email": text(6)?,
                "company": text(7)?,
                "position": text(8)?,
                "address": text(9)?,
                "birthday": text(10)?,
                "mem": text(11)?,
                "expected_time": r.get::<_, Option<String>>(12)?,
                "expedted_pr": r.get::<_, i64>(13)?,
                "ai_pr": r.get::<_, i64>(13)?,
                "source": source_name(r.get(14)?),
                "superior": text(15)?,
                "belonger": text(16)?,
                "day_interval": r.get::<_, i64>(17)?,
            }))
        })?,
    )
}

/// Keeps the phone the customer handed over (through WeChat) for the company of the card
/// they gave it on: other companies whose cards they bind do not see it.
pub fn set_given_phone(
    c: &Connection,
    company_id: i64,
    customer_id: i64,
    phone: &str,
) -> ApiResult<()> {
    c.execute(
        "INSERT INTO zl_customer_note (company_id, customer_id, given_phone) VALUES (?1, ?2, ?3)
         ON CONFLICT (company_id, customer_id) DO UPDATE SET given_phone = excluded.given_phone",
        params![company_id, customer_id, phone],
    )?;
    Ok(())
}

/// What a salesperson may note about a customer (`customer/update_information`); `None`
/// leaves a field as it is.
#[derive(Debug, Default)]
pub struct Information {
    pub memo_name: Option<String>,
    pub sex: Option<i64>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
    pub position: Option<String>,
    pub address: Option<String>,
    pub birthday: Option<String>,
    pub mem: Option<String>,
}

/// Writes the company's notes on the customer (only its own; other companies keep theirs).
pub fn update_information(
    c: &Connection,
    company_id: i64,
    customer_id: i64,
    info: &Information,
) -> ApiResult<()> {
    c.execute(
        "INSERT INTO zl_customer_note (company_id, customer_id) VALUES (?1, ?2)
         ON CONFLICT (company_id, customer_id) DO NOTHING",
        params![company_id, customer_id],
    )?;
    c.execute(
        "UPDATE zl_customer_note SET memo_name = COALESCE(?3, memo_name), sex = COALESCE(?4, sex),
                phone = COALESCE(?5, phone), email = COALESCE(?6, email),
                company = COALESCE(?7, company), position = COALESCE(?8, position),
                address = COALESCE(?9, address), birthday = COALESCE(?10, birthday),
                mem = COALESCE(?11, mem)
         WHERE company_id = ?1 AND customer_id = ?2",
        params![
            company_id,
            customer_id,
            info.memo_name,
            info.sex,
            info.phone,
            info.email,
            info.company,
            info.position,
            info.address,
            info.birthday,
            info.mem
        ],
    )?;
    Ok(())
}
