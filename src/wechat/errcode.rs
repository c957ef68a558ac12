//! What WeChat's `errcode`s mean to the callers that retry.

/// WeChat's answers meaning "this access token is no longer good".
pub fn token_expired(errcode: i64) -> bool {
    matches!(errcode, 40001 | 40014 | 42001)
}
