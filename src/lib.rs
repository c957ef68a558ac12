//! Leida: one binary, one SQLite file, the backend of several WeChat mini-program apps.
//!
//! `build` is the table of contents: every app is mounted there at its documented prefixes.

pub mod cli;
pub mod clock;
pub mod config;
pub mod consult;
pub mod db;
pub mod demo;
pub mod design;
pub mod docs;
pub mod error;
pub mod logging;
pub mod media;
pub mod metrics;
pub mod ops;
pub mod outbox;
pub mod password;
pub mod poster;
pub mod ratelimit;
pub mod refunds;
pub mod repair;
pub mod secrets;
pub mod sms;
pub mod text;
pub mod web;
pub mod wechat;
pub mod zhuge;

use rocket::figment::Figment;
use rocket::http::Status;
use rocket::serde::json::Json;
use rocket::{get, routes, Build, Rocket, State};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::wechat::WeChat;

/// Builds the server from a configuration; `main`, `demo` and the tests all use it.
/// The error is a message for the operator (it names the key or file at fault).
pub fn build(figment: Figment) -> Result<Rocket<Build>, String> {
    let settings = Settings::from_figment(&figment)?;
    let lock = ops::ServerLock::acquire(&settings.db_path)?;
    let db = Db::open_configured(&settings)?;
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|e| format!("无法创建 data_dir {}: {e}", settings.data_dir.display()))?;
    let wechat = WeChat::new(&settings);
    let configured_pay =
        wechat::merchant::ConfiguredPay(wechat::merchant::PayAccount::configured(&settings)?);
    if settings.wechat_appid.is_empty() && !settings.offline_allowed() {
        log::warn!(
            "wechat_appid 未配置, public_url 也不是本机地址: 没有自己 appid 的小程序, 其微信登录一律拒绝 \
             (只在本机试用时可设 offline_dev_mode = true)"
        );
    }
    // Multipart uploads may be as large as `upload_max_bytes`, plus room for the other fields.
    let figment = figment
        .merge(("limits.file", settings.upload_max_bytes))
        .merge(("limits.data-form", settings.upload_max_bytes + 64 * 1024));

    let rocket = rocket::custom(figment)
        .attach(metrics::Telemetry)
        .attach(web::TrailingSlash)
        .attach(ratelimit::RateLimit::new(ratelimit::Quotas::from_settings(
            &settings,
        )))
        .attach(outbox::Sender)
        .attach(refunds::Sender {
            apply: apply_refund,
        })
        .attach(poster::sweep::Sweeper)
        .register("/", rocket::catchers![web::envelope::server_catcher])
        .mount("/", routes![healthz, metrics::metrics])
        .mount("/", ratelimit::routes())
        .mount("/statics", web::statics::routes())
        .mount("/", docs::routes())
        .mount("/console", web::console::routes())
        .mount("/mp", zhuge::card_page::routes())
        .attach(zhuge::work::stream::RadarFeed::new())
        .manage(db)
        .manage(wechat)
        .manage(configured_pay)
        .manage(settings)
        .manage(lock)
        .manage(metrics::HttpStats::default());
    Ok(consult::mount(repair::mount(design::mount(zhuge::mount(
        rocket,
    )))))
}

/// A refund ended: the app whose order it is moves the order.
fn apply_refund(conn: &rusqlite::Connection, refund: &refunds::Refund) -> error::ApiResult<()> {
    match refund.app.as_str() {
        consult::refund::APP => consult::refund::apply(conn, refund),
        zhuge::data::refund::APP => zhuge::data::refund::apply(conn, refund),
        other => {
            log::error!("refund {} of unknown app {other}", refund.out_refund_no);
            Ok(())
        }
    }
}

/// 200 while the database answers, 503 otherwise: the load benchmarks' constant baseline.
#[get("/healthz")]
async fn healthz(db: &State<Db>) -> (Status, Json<Value>) {
    if db.ping().await {
        (Status::Ok, Json(json!({"status": "ok"})))
    } else {
        (
            Status::ServiceUnavailable,
            Json(json!({"status": "database unavailable"})),
        )
    }
}
