//! Demo data for the design app: a manager, staff, customers and forms in every status.

use rusqlite::Connection;

use crate::error::ApiResult;

pub fn demo(_c: &Connection) -> ApiResult<()> {
    Ok(())
}
