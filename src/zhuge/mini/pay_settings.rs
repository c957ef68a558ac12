//! The shop merchant's WeChat Pay API v3 keys and v2 client certificate, set beside
//! `shangHuHao`/`shangHuMiYao` in `jiChuSheZhiOper/addOrUpdate`. Key contents (not paths)
//! are sent; secrets are sealed and never shown again. The saved merchant must load, so a
//! key that cannot sign or verify is refused when it is typed, not when a customer pays.

use rusqlite::{params, Connection};

use crate::error::{ApiError, ApiResult};
use crate::secrets::{Column, Secrets, PAY_APIV3_KEY, PAY_CERT_KEY, PAY_PRIVATE_KEY};
use crate::text;
use crate::web::params::Params;
use crate::wechat::merchant::{ApiVersion, PayAccount};

/// A form field and the `zl_shop_setting` column it sets; `Some` when the column is sealed.
const FIELDS: [(&str, &str, Option<Column>); 8] = [
    ("pay_api_version", "pay_api_version", None),
    ("pay_apiv3_key", "apiv3_key", Some(PAY_APIV3_KEY)),
    ("pay_private_key", "private_key", Some(PAY_PRIVATE_KEY)),
    ("pay_serial_no", "serial_no", None),
    ("pay_public_key", "public_key", None),
    ("pay_public_key_id", "public_key_id", None),
    ("pay_cert", "cert", None),
    ("pay_cert_key", "cert_key", Some(PAY_CERT_KEY)),
];

/// The merchant fields sent, checked and (secrets) sealed: `(column, stored value)`.
pub fn changes(p: &Params, secrets: &Secrets) -> ApiResult<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    for (field, column, sealed) in FIELDS {
        let Some(value) = p.bounded(field, text::PEM)? else {
            continue;
        };
        let value = value.trim().to_string();
        check(field, &value)?;
        let stored = match sealed {
            Some(column) => secrets.seal(column, &value)?,
            None => value,
        };
        out.push((column, stored));
    }
    Ok(out)
}

fn check(field: &str, value: &str) -> ApiResult<()> {
    let short = |n: usize| {
        if value.chars().count() > n || !value.bytes().all(|b| b.is_ascii_graphic()) {
            Err(ApiError::invalid(
                field,
                &format!("须为不超过 {n} 位的字母或数字"),
            ))
        } else {
            Ok(())
        }
    };
    match field {
        "pay_api_version" if ApiVersion::parse(value).is_none() => {
            Err(ApiError::invalid(field, "须为 v2 或 v3"))
        }
        "pay_apiv3_key" if value.len() != 32 => Err(ApiError::invalid(
            field,
            &format!("当前 APIv3 密钥长度{}, 请输入32位正确密钥", value.len()),
        )),
        "pay_serial_no" => short(64),
        "pay_public_key_id" => short(64),
        _ => Ok(()),
    }
}

/// Writes the changes, then insists the merchant they make loads.
pub fn apply(
    c: &Connection,
    secrets: &Secrets,
    company_id: i64,
    changes: &[(&'static str, String)],
) -> ApiResult<()> {
    for (column, value) in changes {
        // Column names come from `FIELDS`, never from the request.
        c.execute(
            &format!("UPDATE zl_shop_setting SET {column} = ?2 WHERE company_id = ?1"),
            params![company_id, value],
        )?;
    }
    PayAccount::check_company(c, secrets, company_id)
}
