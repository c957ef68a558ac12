//! The relation between a salesperson's card and a customer (the CRM core).

use rusqlite::{named_params, params, Connection};
use serde_json::json;

use crate::clock;
use crate::db::OptionalExtension;
use crate::error::{ApiError, ApiResult};
use crate::zhuge::data::dialect::Dialect;
use crate::zhuge::data::{access, chat, company, customer, employee};
use crate::zhuge::principal::Employee;

pub fn exists(c: &Connection, user_id: i64, customer_id: i64) -> ApiResult<bool> {
    let mut stmt =
        c.prepare_cached("SELECT 1 FROM zl_relation WHERE user_id = ?1 AND customer_id = ?2")?;
    Ok(stmt
        .query_row(params![user_id, customer_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Binds a customer to a card. A first binding moves the customer into the card's
/// company and leaves the salesperson's greeting unread; binding again changes nothing.
/// Returns whether the relation is new.
pub fn bind(
    c: &Connection,
    user_id: i64,
    customer_id: i64,
    source: i64,
    parent: Option<i64>,
    (company_id, card_name): (i64, &str),
) -> ApiResult<bool> {
    let inserted = c.execute(
        "INSERT INTO zl_relation (user_id, customer_id, source, customer_parent_id, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (user_id, customer_id) DO NOTHING",
        params![user_id, customer_id, source, parent, clock::now()],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    c.execute(
        "UPDATE zl_customer SET company_id = ?2 WHERE id = ?1",
        params![customer_id, company_id],
    )?;
    let company = company::name(c, company_id)?.unwrap_or_default();
    let greeting = format!(
        "您好,我是{company}的{card_name},欢迎进入我的名片,有什么可以帮到您的吗?您可以在这里和我及时沟通。"
    );
    chat::insert(
        c,
        user_id,
        customer_id,
        chat::FROM_USER,
        &json!({"info_type": 1, "msg": greeting}),
    )?;
    Ok(true)
}

/// The customer did something on the card: remember when, for the address book.
pub fn touch_activity(c: &Connection, user_id: i64, customer_id: i64) -> ApiResult<()> {
    let mut stmt = c.prepare_cached(
        "UPDATE zl_relation SET last_activity_time = ?3 WHERE user_id = ?1 AND customer_id = ?2",
    )?;
    stmt.execute(params![user_id, customer_id, clock::now()])?;
    Ok(())
}

/// The cards a customer is bound to, as seed 001 `mingpian/all` lists them.
pub fn cards_of_customer(
    c: &Connection,
    customer_id: i64,
    default: Dialect,
) -> ApiResult<Vec<serde_json::Value>> {
    // Each card in its company's dialect: the original named it by username and showed the
    // profile avatar, the phone without the WeChat phone fallback and the binding's date.
    let sql = format!(
        "SELECT e.id, CASE WHEN {original} THEN e.username ELSE {name} END, r.source,
                CASE WHEN {original} THEN e.avatar ELSE {avatar} END, co.name, e.position, e.email,
                CASE WHEN {original} THEN {raw_phone} ELSE {phone} END,
                CASE WHEN {original} THEN r.create_date ELSE e.create_date END
         FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
         JOIN zl_company co ON co.id = e.company_id
         WHERE r.customer_id = ?1 AND e.status = 1 ORDER BY r.id DESC",
        original = "COALESCE(co.dialect, ?2) = 'original'",
        name = employee::CARD_NAME,
        avatar = employee::CARD_AVATAR,
        phone = employee::CARD_PHONE,
        raw_phone = "CASE WHEN e.is_show_phone = 0 THEN '' ELSE e.mingpian_phone END",
    );
    let mut stmt = c.prepare(&sql)?;
    let rows = stmt.query_map(params![customer_id, default.name()], |r| {
        Ok(json!({
            "id": r.get::<_, i64>(0)?,
            "username": r.get::<_, String>(1)?,
            "source": customer::source_name(r.get(2)?),
            "avatar": r.get::<_, String>(3)?,
            "company": r.get::<_, String>(4)?,
            "position": r.get::<_, String>(5)?,
            "email": r.get::<_, String>(6)?,
            "mingpian_phone": r.get::<_, String>(7)?,
            "create_date": r.get::<_, String>(8)?,
        }))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whose relations a signer sees: their own, or (holding permission `customer`) those of
/// every employee of their company. Conditions are on `r` (zl_relation) and `e` (its
/// salesperson, zl_employee) and bind the named parameter `:scope`.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Own(i64),
    Company(i64),
}

/// The permission that widens a signer's view from their own customers to the company's.
pub const SEE_ALL: &str = "customer";

impl Scope {
    pub fn of(c: &Connection, who: &Employee) -> ApiResult<Scope> {
        Ok(if access::holds(c, who.role_id, SEE_ALL)? {
            Scope::Company(who.company_id)
        } else {
            Scope::Own(who.id)
        })
    }

    pub fn condition(self) -> &'static str {
        match self {
            Scope::Own(_) => "r.user_id = :scope",
            Scope::Company(_) => "e.company_id = :scope",
        }
    }

    pub fn value(self) -> i64 {
        match self {
            Scope::Own(id) | Scope::Company(id) => id,
        }
    }
}

/// 302 for a customer outside the signer's scope, whether or not it exists elsewhere: the
/// answer says nothing about other companies' customers.
pub fn check_visible(c: &Connection, scope: Scope, customer_id: i64) -> ApiResult<()> {
    let sql = format!(
        "SELECT 1 FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
         WHERE r.customer_id = :customer AND {} LIMIT 1",
        scope.condition()
    );
    let seen = c
        .prepare_cached(&sql)?
        .query_row(
            named_params! {":customer": customer_id, ":scope": scope.value()},
            |_| Ok(()),
        )
        .optional()?;
    seen.ok_or_else(|| ApiError::not_found("客户"))
}

/// The relation a note or forecast about a visible customer goes to: the signer's own, else
/// (for a signer who sees the company's customers) the customer's first salesperson's.
pub fn target(c: &Connection, who: &Employee, customer_id: i64) -> ApiResult<i64> {
    let scope = Scope::of(c, who)?;
    check_visible(c, scope, customer_id)?;
    let sql = format!(
        "SELECT r.id FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
         WHERE r.customer_id = :customer AND {} ORDER BY r.user_id = :me DESC, r.id LIMIT 1",
        scope.condition()
    );
    Ok(c.prepare_cached(&sql)?.query_row(
        named_params! {":customer": customer_id, ":scope": scope.value(), ":me": who.id},
        |r| r.get(0),
    )?)
}

/// Sets the expected closing date; the salesperson followed up just now.
pub fn set_expected_time(c: &Connection, relation_id: i64, date: &str) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_relation SET expected_time = ?2, last_follow_time = ?3 WHERE id = ?1",
        params![relation_id, date, clock::now()],
    )?;
    Ok(())
}

/// Sets the expected closing rate (0–100 %); the salesperson followed up just now.
pub fn set_expected_pr(c: &Connection, relation_id: i64, percent: i64) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_relation SET expedted_pr = ?2, last_follow_time = ?3 WHERE id = ?1",
        params![relation_id, percent, clock::now()],
    )?;
    Ok(())
}

pub fn set_source(c: &Connection, relation_id: i64, source: i64) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_relation SET source = ?2 WHERE id = ?1",
        params![relation_id, source],
    )?;
    Ok(())
}

/// Removes the customer from the signer's view: the relations in scope (their notes go with
/// them), and the company's tags on the customer once no one in the company has them.
/// The customer stays a mini-program user.
pub fn remove_customer(
    c: &Connection,
    scope: Scope,
    company_id: i64,
    customer_id: i64,
) -> ApiResult<()> {
    let sql = format!(
        "DELETE FROM zl_relation WHERE id IN (
             SELECT r.id FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
             WHERE r.customer_id = :customer AND {})",
        scope.condition()
    );
    c.execute(
        &sql,
        named_params! {":customer": customer_id, ":scope": scope.value()},
    )?;
    c.execute(
        "DELETE FROM zl_tag_customer WHERE customer_id = ?1
         AND tag_id IN (SELECT id FROM zl_tag WHERE company_id = ?2)
         AND NOT EXISTS (SELECT 1 FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
                         WHERE r.customer_id = ?1 AND e.company_id = ?2)",
        params![customer_id, company_id],
    )?;
    Ok(())
}
