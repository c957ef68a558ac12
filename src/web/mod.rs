//! HTTP plumbing shared by every hosted app: envelopes, parameters, signatures, static files.

pub mod console;
pub mod envelope;
pub mod headers;
pub mod params;
pub mod signed;
pub mod statics;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::tokio::task::spawn_blocking;
use rocket::{Data, Request};

use crate::error::{ApiError, ApiResult};

/// Runs blocking work (WeChat calls, hashing, images) on Tokio's blocking threads.
pub async fn blocking<T, F>(job: F) -> ApiResult<T>
where
    F: FnOnce() -> ApiResult<T> + Send + 'static,
    T: Send + 'static,
{
    spawn_blocking(job).await.map_err(ApiError::internal)?
}

/// The seeds write some paths with a trailing slash (`product/product_list/?...`) and some
/// without; both spellings reach the same route.
pub struct TrailingSlash;

#[rocket::async_trait]
impl Fairing for TrailingSlash {
    fn info(&self) -> Info {
        Info {
            name: "trailing slash",
            kind: Kind::Request,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let path = req.uri().path().as_str();
        if path.len() > 1 && path.ends_with('/') {
            let trimmed = path.trim_end_matches('/');
            let uri = match req.uri().query() {
                Some(q) => format!("{trimmed}?{}", q.as_str()),
                None => trimmed.to_string(),
            };
            if let Ok(origin) = Origin::parse_owned(uri) {
                req.set_uri(origin);
            }
        }
    }
}
