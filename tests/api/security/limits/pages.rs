//! The console's and the docs' headers.

use rocket::http::Status;

use crate::common::TestApp;

#[test]
fn the_console_and_docs_forbid_inline_code_framing_and_sniffing() {
    let app = TestApp::new();
    for path in [
        "/console/",
        "/console/app.js",
        "/console/style.css",
        "/docs",
        "/docs/docs.js",
        "/docs/docs.css",
    ] {
        let response = app.client.get(path).dispatch();
        assert_eq!(response.status(), Status::Ok, "{path}");
        let csp = response
            .headers()
            .get_one("Content-Security-Policy")
            .unwrap_or_else(|| panic!("{path} has no CSP"))
            .to_string();
        assert!(csp.starts_with("default-src 'self';"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        for host in ["thirdwx.qlogo.cn", "wx.qlogo.cn", "mmbiz.qpic.cn"] {
            assert!(csp.contains(host), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(
            response.headers().get_one("X-Content-Type-Options"),
            Some("nosniff"),
            "{path}"
        );
        if path == "/console/" || path == "/docs" {
            let html = response.into_string().unwrap();
            assert!(!html.contains("<style"), "{path} has an inline style");
            assert!(!html.contains(" style="), "{path} has a style attribute");
            assert!(!html.contains("href=\"data:"), "{path} loads a data: URL");
            for script in html.split("<script").skip(1) {
                assert!(script.contains(" src="), "{path} has an inline script");
            }
        }
    }
}
