//! Blocking work (WeChat calls, password hashing, images, SQLite outside the writer) off
//! the async workers. Used by handlers and background tasks alike.

use rocket::tokio::task::spawn_blocking;

use crate::error::{ApiError, ApiResult};

/// Runs blocking work (WeChat calls, hashing, images) on Tokio's blocking threads.
pub async fn blocking<T, F>(job: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    spawn_blocking(job).await.map_err(ApiError::internal)?
}
