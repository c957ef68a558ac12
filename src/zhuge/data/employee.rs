//! Employees: sign-in, signing keys, and the business card each of them is.

use rusqlite::{params, Connection, Row};
use serde_json::{json, Value};

use crate::clock;
use crate::db::{OnUnique, OptionalExtension};
use crate::error::{ApiError, ApiResult, Code};

/// What the signature guard needs to know about an employee.
pub struct SigningKey {
    pub token: String,
    pub status: i64,
    pub company_id: i64,
    pub role_id: i64,
    pub expired: bool,
}

const EXPIRED: &str = "(c.account_expired_time IS NOT NULL AND c.account_expired_time < ?2)";

pub fn signing_key(c: &Connection, id: i64) -> ApiResult<Option<SigningKey>> {
    let sql = format!(
        "SELECT e.token, e.status, e.company_id, e.role_id, {EXPIRED}
         FROM zl_employee e JOIN zl_company c ON c.id = e.company_id WHERE e.id = ?1"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params![id, clock::now()], |r| {
            Ok(SigningKey {
                token: r.get(0)?,
                status: r.get(1)?,
                company_id: r.get(2)?,
                role_id: r.get(3)?,
                expired: r.get(4)?,
            })
        })
        .optional()?)
}

/// An employee as password sign-in sees them.
pub struct Account {
    pub id: i64,
    pub password_hash: String,
    pub status: i64,
    pub expired: bool,
    pub token: String,
    pub company_id: i64,
    pub company_name: String,
    pub role_id: i64,
    pub role_name: String,
    pub avatar: String,
    pub last_login_date: Option<String>,
    pub password_changed: bool,
    pub wechat_qr_code: String,
}

/// An `Account` from a row of `account_columns`.
fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: r.get(0)?,
        password_hash: r.get(1)?,
        status: r.get(2)?,
        expired: r.get(3)?,
        token: r.get(4)?,
        company_id: r.get(5)?,
        company_name: r.get(6)?,
        role_id: r.get(7)?,
        role_name: r.get(8)?,
        avatar: r.get(9)?,
        last_login_date: r.get(10)?,
        password_changed: r.get(11)?,
        wechat_qr_code: r.get(12)?,
    })
}

pub fn account_by_username(c: &Connection, username: &str) -> ApiResult<Option<Account>> {
    let sql = format!(
        "SELECT {} FROM zl_employee e JOIN zl_company c ON c.id = e.company_id
         JOIN zl_role r ON r.id = e.role_id
         WHERE e.username = ?1",
        account_columns("?2")
    );
    Ok(
        c.query_row(&sql, params![username, clock::now()], account_row)
            .optional()?,
    )
}

pub fn touch_login(c: &Connection, id: i64) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_employee SET last_login_date = ?2 WHERE id = ?1",
        params![id, clock::now()],
    )?;
    Ok(())
}

/// A new employee with a fresh token; a taken username is 300.
pub fn insert(
    c: &Connection,
    company_id: i64,
    role_id: i64,
    username: &str,
    password_hash: &str,
    status: i64,
) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_employee (company_id, role_id, username, password_hash, token, status, create_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![company_id, role_id, username, password_hash, clock::token(), status, clock::now()],
    )
    .on_unique(Code::NameExists, "用户名已存在")?;
    Ok(c.last_insert_rowid())
}

/// `(id, company_id)` of the employee with this username.
pub fn id_by_username(c: &Connection, username: &str) -> ApiResult<Option<(i64, i64)>> {
    Ok(c.query_row(
        "SELECT id, company_id FROM zl_employee WHERE username = ?1",
        [username],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?)
}

/// The employee's own new password (`admin/modify_password`): the token stays, so the
/// client that changed it stays signed in.
pub fn choose_password(c: &Connection, id: i64, password_hash: &str) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_employee SET password_hash = ?2, password_changed = 1 WHERE id = ?1",
        params![id, password_hash],
    )?;
    Ok(())
}

/// A new password also replaces the token, so old signatures stop working.
pub fn reset_password(c: &Connection, id: i64, password_hash: &str, role_id: i64) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_employee SET password_hash = ?2, token = ?3, role_id = ?4, status = 1 WHERE id = ?1",
        params![id, password_hash, clock::token(), role_id],
    )?;
    Ok(())
}

/// The name a card shows: the card name when set, else the username.
pub const CARD_NAME: &str = "CASE WHEN e.memo_name != '' THEN e.memo_name ELSE e.username END";

/// The card avatar: the newest type-2 photo, else the profile avatar.
pub const CARD_AVATAR: &str = "COALESCE((SELECT p.photo_url FROM zl_photo p
     WHERE p.user_id = e.id AND p.photo_type = 2 ORDER BY p.id DESC LIMIT 1), e.avatar)";

/// The phone a card shows (`e` an employee): none when its owner hides phones
/// (`is_show_phone = 0`), else the card phone, else the WeChat phone.
pub const CARD_PHONE: &str = "CASE WHEN e.is_show_phone = 0 THEN ''
     WHEN e.mingpian_phone != '' THEN e.mingpian_phone ELSE e.wechat_phone END";

/// The WeChat id a card shows: the one set, else the WeChat phone, unless phones are hidden.
pub const CARD_WECHAT: &str = "CASE WHEN e.wechat != '' THEN e.wechat
     WHEN e.is_show_phone = 0 THEN '' ELSE e.wechat_phone END";

/// The fields of a business card, as seed 001 `mingpian` shows them (also the public card
/// page and its vCard): only what the owner chose to show.
pub fn card(c: &Connection, uid: i64) -> ApiResult<Option<Value>> {
    let sql = format!(
        "SELECT e.id, {CARD_NAME}, e.avatar, {CARD_AVATAR}, co.name, co.address, e.position,
                e.email, {CARD_WECHAT}, {CARD_PHONE}, e.create_date,
                e.popularity, e.praise, e.forward, e.sign, e.sign_num
         FROM zl_employee e JOIN zl_company co ON co.id = e.company_id
         WHERE e.id = ?1 AND e.status = 1"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    Ok(stmt.query_row([uid], card_from_row).optional()?)
}

fn card_from_row(r: &Row<'_>) -> rusqlite::Result<Value> {
    Ok(json!({
        "id": r.get::<_, i64>(0)?,
        "username": r.get::<_, String>(1)?,
        "avatar": r.get::<_, String>(2)?,
        "mingpian_avatar": r.get::<_, String>(3)?,
        "company": r.get::<_, String>(4)?,
        "address": r.get::<_, String>(5)?,
        "position": r.get::<_, String>(6)?,
        "email": r.get::<_, String>(7)?,
        "wechat": r.get::<_, String>(8)?,
        "mingpian_phone": r.get::<_, String>(9)?,
        "create_date": r.get::<_, String>(10)?,
        "popularity_num": r.get::<_, i64>(11)?,
        "praise_num": r.get::<_, i64>(12)?,
        "forward_num": r.get::<_, i64>(13)?,
        "sign": r.get::<_, String>(14)?,
        "sign_num": r.get::<_, i64>(15)?,
    }))
}

/// The card beside the original server's chat history: `mingpian_phone` and `wechat` (each
/// falling back to the WeChat phone unless phones are hidden), `position`, `user_name`, `user_avatar`.
pub fn chat_header(c: &Connection, uid: i64) -> ApiResult<Value> {
    let sql = format!(
        "SELECT {CARD_PHONE}, {CARD_WECHAT}, e.position, {CARD_NAME}, {CARD_AVATAR}
         FROM zl_employee e WHERE e.id = ?1"
    );
    let header = c.prepare_cached(&sql)?.query_row([uid], |r| {
        Ok(json!({
            "mingpian_phone": r.get::<_, String>(0)?,
            "wechat": r.get::<_, String>(1)?,
            "position": r.get::<_, String>(2)?,
            "user_name": r.get::<_, String>(3)?,
            "user_avatar": r.get::<_, String>(4)?,
        }))
    });
    Ok(header.optional()?.unwrap_or_else(|| json!({})))
}

/// The photo wall of a card: `[{id, photo_url}]`, in the order set.
pub fn photos(c: &Connection, uid: i64) -> ApiResult<Vec<Value>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, photo_url FROM zl_photo WHERE user_id = ?1 AND photo_type = 1
         ORDER BY order_num, id",
    )?;
    let rows = stmt.query_map([uid], |r| {
        Ok(json!({"id": r.get::<_, i64>(0)?, "photo_url": r.get::<_, String>(1)?}))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The tags on a card: `[{id, name}]`.
pub fn card_tags(c: &Connection, uid: i64) -> ApiResult<Vec<Value>> {
    let mut stmt =
        c.prepare_cached("SELECT id, name FROM zl_user_tag WHERE user_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([uid], |r| {
        Ok(json!({"id": r.get::<_, i64>(0)?, "name": r.get::<_, String>(1)?}))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The employee's username (the sign-in name), which the original named cards by.
pub fn username(c: &Connection, uid: i64) -> ApiResult<String> {
    Ok(
        c.prepare_cached("SELECT username FROM zl_employee WHERE id = ?1")?
            .query_row([uid], |r| r.get(0))
            .optional()?
            .unwrap_or_default(),
    )
}

/// `(company_id, card name)` of an enabled employee.
pub fn company_and_name(c: &Connection, uid: i64) -> ApiResult<Option<(i64, String)>> {
    let sql = format!(
        "SELECT e.company_id, {CARD_NAME} FROM zl_employee e WHERE e.id = ?1 AND e.status = 1"
    );
    Ok(c.prepare_cached(&sql)?
        .query_row([uid], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

impl Account {
    /// Disabled is 306, an expired company 403: the same for every way of signing in.
    pub fn check_active(&self) -> ApiResult<()> {
        if self.status != 1 {
            return Err(ApiError::new(Code::Disabled, "账户未启用"));
        }
        if self.expired {
            return Err(ApiError::forbidden("账户过期"));
        }
        Ok(())
    }

    /// What a successful sign-in answers (password or Work WeChat).
    pub fn sign_in_data(self) -> Value {
        json!({
            "token": self.token,
            "user_id": self.id,
            "company_id": self.company_id,
            "company_name": self.company_name,
            "role_id": self.role_id,
            "role_name": self.role_name,
            "set_avatar": self.avatar,
            "avatar": self.avatar,
            "last_login_date": self.last_login_date.unwrap_or_default(),
            "is_reset_password": self.password_changed,
            "weChatQrCode": self.wechat_qr_code,
        })
    }
}

/// The columns of an `Account` (`e` the employee, `c` its company, `r` its role); `now` is
/// the statement's parameter holding the current time.
fn account_columns(now: &str) -> String {
    format!(
        "e.id, e.password_hash, e.status, (c.account_expired_time IS NOT NULL
         AND c.account_expired_time < {now}), e.token, e.company_id, c.name, e.role_id, r.name,
         e.avatar, e.last_login_date, e.password_changed, c.wechat_qr_code"
    )
}

/// The employee of this company whose stored Work WeChat `userid` this is.
pub fn account_by_userid(
    c: &Connection,
    company_id: i64,
    userid: &str,
) -> ApiResult<Option<Account>> {
    let sql = format!(
        "SELECT {} FROM zl_employee e JOIN zl_company c ON c.id = e.company_id
         JOIN zl_role r ON r.id = e.role_id
         WHERE e.company_id = ?1 AND e.userid = ?2 AND e.userid != '' ORDER BY e.id LIMIT 1",
        account_columns("?3")
    );
    Ok(
        c.query_row(&sql, params![company_id, userid, clock::now()], account_row)
            .optional()?,
    )
}

/// The company an employee belongs to, if the employee exists.
pub fn company_of(c: &Connection, id: i64) -> ApiResult<Option<i64>> {
    Ok(c.query_row(
        "SELECT company_id FROM zl_employee WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()?)
}
