//! HTTP plumbing shared by every hosted app: envelopes, parameters, static files,
//! the console.

pub mod console;
pub mod envelope;
pub mod headers;
pub mod params;
pub mod statics;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::{Data, Request};

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
