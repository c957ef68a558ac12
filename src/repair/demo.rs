//! Demo data for the repair app.

use rusqlite::Connection;

use crate::error::ApiResult;

pub fn demo(_c: &Connection) -> ApiResult<()> {
    Ok(())
}
