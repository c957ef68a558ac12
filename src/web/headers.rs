//! The headers of the HTML pages the server itself renders (the console, the API docs):
//! scripts, styles and frames only from this server, images also from WeChat's avatar and
//! article hosts, and no content-type guessing.

use rocket::http::Header;
use rocket::Responder;

/// Nothing inline: every script and style of the bundled pages is a file of this server.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; \
    img-src 'self' thirdwx.qlogo.cn wx.qlogo.cn mmbiz.qpic.cn; \
    frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// `inner` with the page headers.
#[derive(Responder)]
pub struct Hardened<R> {
    inner: R,
    csp: Header<'static>,
    nosniff: Header<'static>,
}

pub fn hardened<R>(inner: R) -> Hardened<R> {
    Hardened {
        inner,
        csp: Header::new("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        nosniff: Header::new("X-Content-Type-Options", "nosniff"),
    }
}
