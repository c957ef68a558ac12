//! Reading the enterprise side's parameters: ids in paths, JSON id lists, `status`.

use crate::error::{ApiError, ApiResult};
use crate::web::params::Params;

/// An id from the path (`user/delete/{id}`): a positive integer, else 301.
pub fn path_id(raw: &str) -> ApiResult<i64> {
    match raw.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ApiError::wrong_type("id")),
    }
}

/// A list of ids sent as JSON text (`'[1,2]'`); absent is `None`, `[]` is an empty list.
pub fn id_list(p: &Params, name: &str) -> ApiResult<Option<Vec<i64>>> {
    let Some(raw) = p.str(name) else {
        return Ok(None);
    };
    let ids: Vec<i64> = serde_json::from_str(raw).map_err(|_| ApiError::wrong_type(name))?;
    if ids.iter().any(|&id| id <= 0) {
        return Err(ApiError::wrong_type(name));
    }
    let mut ids = ids;
    ids.sort_unstable();
    ids.dedup();
    Ok(Some(ids))
}

/// `status`: 1 启用 or 2 未启用.
pub fn status(p: &Params) -> ApiResult<Option<i64>> {
    match p.opt_num::<i64>("status")? {
        Some(s) if s != 1 && s != 2 => Err(ApiError::invalid("status", "只能是 1 或 2")),
        other => Ok(other),
    }
}
