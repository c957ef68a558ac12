//! The card as its owner edits it: the raw settings behind it, its fields, its QR code.

use rusqlite::{params, Connection};
use serde_json::{json, Value};

use crate::error::ApiResult;

/// What only the card's owner sees besides the card: the raw settings behind it.
pub fn card_settings(c: &Connection, uid: i64) -> ApiResult<Value> {
    Ok(c.query_row(
        "SELECT e.memo_name, e.mingpian_phone, e.is_show_phone, e.wechat_phone, e.telephone,
                e.gender, e.qr_code, e.userid, e.username, e.country, co.area
         FROM zl_employee e JOIN zl_company co ON co.id = e.company_id WHERE e.id = ?1",
        [uid],
        |r| {
            Ok(json!({
                "memo_name": r.get::<_, String>(0)?,
                "mingpian_phone": r.get::<_, String>(1)?,
                "is_show_phone": r.get::<_, bool>(2)?,
                "wechat_phone": r.get::<_, String>(3)?,
                "telephone": r.get::<_, String>(4)?,
                "gender": r.get::<_, i64>(5)?,
                "qr_code": r.get::<_, String>(6)?,
                "userid": r.get::<_, String>(7)?,
                "login_username": r.get::<_, String>(8)?,
                "country": r.get::<_, String>(9)?,
                "area": r.get::<_, String>(10)?,
            }))
        },
    )?)
}

/// The card fields an employee edits on their own card (`None` leaves a field as it is).
#[derive(Debug, Default)]
pub struct CardFields {
    pub memo_name: Option<String>,
    pub avatar: Option<String>,
    pub position: Option<String>,
    pub email: Option<String>,
    pub wechat: Option<String>,
    pub wechat_phone: Option<String>,
    pub telephone: Option<String>,
    pub mingpian_phone: Option<String>,
    pub is_show_phone: Option<bool>,
    pub sign: Option<String>,
    pub gender: Option<i64>,
    pub country: Option<String>,
}

pub fn update_card(c: &Connection, uid: i64, f: &CardFields) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_employee SET memo_name = COALESCE(?2, memo_name), avatar = COALESCE(?3, avatar),
                position = COALESCE(?4, position), email = COALESCE(?5, email),
                wechat = COALESCE(?6, wechat), wechat_phone = COALESCE(?7, wechat_phone),
                telephone = COALESCE(?8, telephone), mingpian_phone = COALESCE(?9, mingpian_phone),
                is_show_phone = COALESCE(?10, is_show_phone), sign = COALESCE(?11, sign),
                gender = COALESCE(?12, gender), country = COALESCE(?13, country)
         WHERE id = ?1",
        params![
            uid,
            f.memo_name,
            f.avatar,
            f.position,
            f.email,
            f.wechat,
            f.wechat_phone,
            f.telephone,
            f.mingpian_phone,
            f.is_show_phone,
            f.sign,
            f.gender,
            f.country
        ],
    )?;
    Ok(())
}

/// The URL of the card's QR code (`qr_code_auth`).
pub fn set_qr_code(c: &Connection, id: i64, url: &str) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_employee SET qr_code = ?2 WHERE id = ?1",
        params![id, url],
    )?;
    Ok(())
}
