//! A company's full administrator, as the operator makes one (`leida admin`, the demo, the
//! first-run setup page).

use rusqlite::Connection;

use super::{company, employee};
use crate::error::ApiError;

/// Creates the administrator, or resets the password (and token) of an existing one.
pub fn ensure_admin(
    c: &Connection,
    username: &str,
    hash: &str,
    company_name: Option<&str>,
) -> Result<i64, ApiError> {
    if let Some((id, company_id)) = employee::id_by_username(c, username)? {
        if let Some(name) = company_name {
            if company::name(c, company_id)?.as_deref() != Some(name) {
                return Err(ApiError::forbidden(format!(
                    "用户 {username} 属于另一家公司"
                )));
            }
        }
        let role_id = company::ensure_admin_role(c, company_id)?;
        employee::reset_password(c, id, hash, role_id)?;
        return Ok(id);
    }
    let company_id = company::ensure(c, company_name.unwrap_or("默认公司"))?;
    let role_id = company::ensure_admin_role(c, company_id)?;
    employee::insert(c, company_id, role_id, username, hash, 1)
}
