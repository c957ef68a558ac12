//! What the original server told its mini-program at login besides the token: which card to
//! open (`uid`), whether this build is the released one, and the four tabs of the tab bar.

use rusqlite::{Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::error::ApiResult;

/// What a login asked about besides the code.
pub struct Asked {
    pub company_id: Option<i64>,
    pub uid: Option<i64>,
    pub user_version: String,
}

/// Adds `uid`, `is_release_version_num` and `buttom_navigation_data` to the login answer of
/// customer `cid` (nothing on a server without companies).
pub fn add_to_login(c: &Connection, asked: &Asked, cid: i64, data: &mut Value) -> ApiResult<()> {
    let Some(company) = login_company(c, asked.company_id, cid)? else {
        return Ok(());
    };
    let (shopping_type, released) = shop_and_version(c, company)?;
    data["uid"] = json!(card_to_open(c, asked.uid, company)?);
    // Without `company_id` the client is a reviewer's or developer's build.
    data["is_release_version_num"] =
        json!(asked.company_id.is_some() && asked.user_version == released);
    data["buttom_navigation_data"] = tabs(shopping_type);
    Ok(())
}

/// The company a login belongs to: the one asked for, else the customer's, else the first.
fn login_company(c: &Connection, asked: Option<i64>, customer_id: i64) -> ApiResult<Option<i64>> {
    Ok(c.prepare_cached(
        "SELECT COALESCE(?1, (SELECT company_id FROM zl_customer WHERE id = ?2),
                         (SELECT MIN(id) FROM zl_company))",
    )?
    .query_row(rusqlite::params![asked, customer_id], |r| r.get(0))?)
}

/// The card to open: `uid` when it is an enabled card, else the company's first one.
fn card_to_open(c: &Connection, uid: Option<i64>, company_id: i64) -> ApiResult<Option<i64>> {
    Ok(c.prepare_cached(
        "SELECT id FROM zl_employee WHERE status = 1 AND (id = ?1 OR (?1 IS NULL AND company_id = ?2))
         ORDER BY id LIMIT 1",
    )?
    .query_row(rusqlite::params![uid, company_id], |r| r.get(0))
    .optional()?)
}

/// `(shopping_type, mp_version)` of a company.
fn shop_and_version(c: &Connection, company_id: i64) -> ApiResult<(i64, String)> {
    Ok(
        c.prepare_cached("SELECT shopping_type, mp_version FROM zl_company WHERE id = ?1")?
            .query_row([company_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((1, String::new())),
    )
}

fn tab(icon: &str, to_url: &str, text: &str, order: i64) -> Value {
    let (default_url, selected_url) = if icon == "chat" {
        ("chat.png".to_string(), "chat.png".to_string())
    } else {
        (format!("icon_{icon}_01.png"), format!("icon_{icon}_02.png"))
    };
    json!({
        "default_url": default_url,
        "selected_url": selected_url,
        "to_url": to_url,
        "text": text,
        "order": order,
    })
}

/// The tab bar: 名片, 咨询, then 产品 or 商城 (`shopping_type` 2), then 官网.
fn tabs(shopping_type: i64) -> Value {
    let third = if shopping_type == 2 {
        tab("store", "pages/store/store", "商城", 3)
    } else {
        tab("chanpin", "pages/chanpin/index", "产品", 3)
    };
    json!([
        tab("mingpian", "pages/mingpian/index", "名片", 1),
        tab("chat", "pages/mingpian/msg", "咨询", 2),
        third,
        tab("guanwang", "pages/guanwang/index", "官网", 4),
    ])
}
