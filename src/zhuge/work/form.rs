//! Reading the enterprise side's parameters: ids in paths, JSON id lists, `status`.

use serde_json::Value;

use crate::error::{ApiError, ApiResult};
use crate::web::params::Params;

/// An id from the path (`user/delete/{id}`): a positive integer, else 301 naming it.
pub fn path_id(raw: &str, name: &str) -> ApiResult<i64> {
    match raw.trim().parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ApiError::wrong_type(name)),
    }
}

/// A list of ids as JSON text (`'[1,2]'`, what the seed sends) or a single id.
pub fn id_list(p: &Params, name: &str) -> ApiResult<Option<Vec<i64>>> {
    let Some(raw) = p.str(name) else {
        return Ok(None);
    };
    let ids: Vec<i64> = match serde_json::from_str::<Value>(raw) {
        Ok(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::wrong_type(name))?,
        Ok(Value::Number(n)) => vec![n.as_i64().ok_or_else(|| ApiError::wrong_type(name))?],
        _ => return Err(ApiError::wrong_type(name)),
    };
    if ids.iter().any(|&id| id <= 0) {
        return Err(ApiError::wrong_type(name));
    }
    let mut unique = ids;
    unique.sort_unstable();
    unique.dedup();
    Ok(Some(unique))
}

/// `status`: 1 启用 or 2 未启用.
pub fn status(p: &Params) -> ApiResult<Option<i64>> {
    match p.opt_num::<i64>("status")? {
        Some(s) if s != 1 && s != 2 => Err(ApiError::invalid("status", "只能是 1 或 2")),
        other => Ok(other),
    }
}
