//! Leida: one binary, one SQLite file, the backend of several WeChat mini-program apps.
//!
//! `build` is the table of contents: every app is mounted there at its documented prefixes.

pub mod assets;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consult;
pub mod db;
pub mod demo;
pub mod design;
pub mod docs;
pub mod error;
pub mod events;
pub mod files;
pub mod logging;
pub mod media;
pub mod metrics;
pub mod ops;
pub mod outbox;
pub mod password;
pub mod poster;
pub mod privacy;
pub mod ratelimit;
pub mod refunds;
pub mod repair;
pub mod retention;
pub mod secrets;
pub mod sms;
pub mod task;
pub mod text;
pub mod web;
pub mod wechat;
pub mod zhuge;

use rocket::figment::Figment;
use rocket::http::Status;
use rocket::request::Request;
use rocket::serde::json::Json;
use rocket::{get, routes, Build, Either, Rocket, State};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::consult::reply::ConsultError;
use crate::db::Db;
use crate::repair::reply::RepairError;
use crate::wechat::WeChat;

/// Builds the server from a configuration; `main`, `demo` and the tests all use it.
/// The error is a message for the operator (it names the key or file at fault).
pub fn build(figment: Figment) -> Result<Rocket<Build>, String> {
    let settings = Settings::from_figment(&figment)?;
    let lock = ops::ServerLock::acquire(&settings.db_path)?;
    let db = Db::open_configured(&settings)?;
    zhuge::upgrade_stored(&db, &settings)?;
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

    let limits = ratelimit::RateLimit::new(ratelimit::Quotas::from_settings(&settings));
    let rocket = rocket::custom(figment)
        .attach(metrics::Telemetry)
        .attach(web::TrailingSlash)
        .attach(limits.clone())
        .attach(outbox::Sender)
        .attach(refunds::Sender {
            apply: apply_refund,
        })
        .attach(poster::sweep::Sweeper)
        .attach(retention::Cleaner::new(retention_tasks()))
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
        .manage(metrics::HttpStats::default())
        .manage(limits);
    let apps = consult::mount(repair::mount(design::mount(zhuge::mount(rocket))));
    Ok(apps.register("/api", rocket::catchers![api_catcher]))
}

/// Refusals under `/api`, which two apps share. The repair app (seed 004) owns the
/// one-segment paths (`/api/user`, `/api/login`) and has its own catcher under
/// `/api/process`; everything deeper (`/api/<side>/...`) is the marketplace's.
#[rocket::catch(default)]
fn api_catcher(status: Status, req: &Request<'_>) -> Either<ConsultError, RepairError> {
    let refusal = web::envelope::refusal_for(status, req);
    let depth = req.uri().path().segments().skip(1).count();
    if depth <= 1 {
        Either::Right(refusal.into())
    } else {
        Either::Left(ConsultError(refusal))
    }
}

/// Everything that is deleted when old, app by app (issue 17 §3; docs/privacy.md).
pub fn retention_tasks() -> Vec<retention::Task> {
    use retention::Task;
    vec![
        Task {
            what: "sent or given-up outbox messages",
            prune: outbox::prune,
        },
        Task {
            what: "refused pay notifies",
            prune: wechat::pay::prune_refused,
        },
        Task {
            what: "expired consulting sessions",
            prune: consult::session::prune_expired,
        },
        Task {
            what: "expired SMS codes",
            prune: consult::sms::prune_expired,
        },
        Task {
            what: "spent or expired design formIds",
            prune: design::data::user::prune_form_ids,
        },
        Task {
            what: "spent or expired repair formIds",
            prune: repair::data::prune_form_ids,
        },
        Task {
            what: "spent or expired card formIds",
            prune: zhuge::data::retention::prune_form_ids,
        },
        Task {
            what: "radar events older than radar_keep_days",
            prune: zhuge::data::retention::prune_radar,
        },
    ]
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
