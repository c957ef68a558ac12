//! What a card's poster shows, and where the pair's QR code and poster are recorded.

use rusqlite::{params, Connection};

use crate::db::OptionalExtension;
use crate::error::ApiResult;
use crate::zhuge::data::employee::{CARD_AVATAR, CARD_NAME, CARD_PHONE};

/// The card fields a poster draws (the phone is '' when the card hides it).
#[derive(Debug, Clone)]
pub struct PosterFields {
    pub name: String,
    pub avatar: String,
    pub position: String,
    pub phone: String,
    pub company: String,
    pub signature: String,
}

/// The poster fields of an enabled employee's card.
pub fn fields(c: &Connection, uid: i64) -> ApiResult<Option<PosterFields>> {
    let sql = format!(
        "SELECT {CARD_NAME}, {CARD_AVATAR}, e.position, {CARD_PHONE}, co.name, e.sign
         FROM zl_employee e JOIN zl_company co ON co.id = e.company_id
         WHERE e.id = ?1 AND e.status = 1"
    );
    let mut stmt = c.prepare_cached(&sql)?;
    Ok(stmt
        .query_row([uid], |r| {
            Ok(PosterFields {
                name: r.get(0)?,
                avatar: r.get(1)?,
                position: r.get(2)?,
                phone: r.get(3)?,
                company: r.get(4)?,
                signature: r.get(5)?,
            })
        })
        .optional()?)
}

/// The QR code path recorded on the pair, or None when the customer is not bound.
pub fn pair_qr_code(c: &Connection, uid: i64, customer_id: i64) -> ApiResult<Option<String>> {
    let mut stmt = c.prepare_cached(
        "SELECT qr_code FROM zl_relation WHERE user_id = ?1 AND customer_id = ?2",
    )?;
    Ok(stmt
        .query_row(params![uid, customer_id], |r| r.get(0))
        .optional()?)
}

pub fn set_pair_qr_code(c: &Connection, uid: i64, customer_id: i64, path: &str) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_relation SET qr_code = ?3 WHERE user_id = ?1 AND customer_id = ?2",
        params![uid, customer_id, path],
    )?;
    Ok(())
}

/// Records the pair's poster (a no-op when the customer is not bound).
pub fn set_pair_poster(c: &Connection, uid: i64, customer_id: i64, path: &str) -> ApiResult<()> {
    c.execute(
        "UPDATE zl_relation SET poster_url = ?3 WHERE user_id = ?1 AND customer_id = ?2",
        params![uid, customer_id, path],
    )?;
    Ok(())
}
