//! Refunds of either app, paid out through WeChat Pay. Each is a `pay_refund` row written in
//! the transaction that decides it, with its `out_refund_no` fixed there; a background worker
//! sends the pending ones (retried with backoff, the same `out_refund_no` every time, so
//! WeChat never pays one twice) and WeChat's refund notify ends them. A restart loses none.
//! The app whose order it is hears of every ending through its `Apply` hook.

use std::time::Duration;

use rand::Rng;
use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Orbit, Rocket};
use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::clock;
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, Code};
use crate::wechat::merchant::{ConfiguredPay, PayAccount};
use crate::wechat::pay::Verdict;
use crate::wechat::pay_api::{RefundRequest, RefundSent};
use crate::wechat::pay_notify::RefundNotice;
use crate::wechat::WeChat;

/// A customer asked; the seller decides (zhuge).
pub const REQUESTED: &str = "requested";
/// The seller said no (zhuge).
pub const REFUSED: &str = "refused";
/// A v2 merchant without its client certificate: to be paid out by hand.
pub const RECORDED: &str = "recorded";
/// To be sent to WeChat Pay.
pub const PENDING: &str = "pending";
/// WeChat Pay accepted it; its notify will end it.
pub const PROCESSING: &str = "processing";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";

/// What each state means, for people.
pub fn status_name(status: &str) -> &'static str {
    match status {
        REQUESTED => "待处理",
        REFUSED => "已拒绝",
        RECORDED => "已记录 (请在商户平台手动退款)",
        PENDING => "待发送",
        PROCESSING => "退款中",
        SUCCEEDED => "已退款",
        FAILED => "退款失败",
        _ => "",
    }
}

/// Sends before a refund is given up and marked failed.
const MAX_ATTEMPTS: i64 = 10;
const POLL: Duration = Duration::from_millis(300);

#[derive(Debug, Clone)]
pub struct Refund {
    pub id: i64,
    pub app: String,
    pub order_id: i64,
    pub company_id: Option<i64>,
    pub appid: String,
    pub mch_id: String,
    pub out_trade_no: String,
    pub out_refund_no: String,
    pub total_fen: i64,
    pub refund_fen: i64,
    pub reason: String,
    pub reason_id: i64,
    pub notify_url: String,
    pub status: String,
    pub fail_reason: String,
    pub refund_id: String,
    pub attempts: i64,
    pub create_date: String,
    pub refund_date: Option<String>,
}

const COLUMNS: &str = "id, app, order_id, company_id, appid, mch_id, out_trade_no, out_refund_no, \
     total_fen, refund_fen, reason, reason_id, notify_url, status, fail_reason, refund_id, attempts, \
     create_date, refund_date FROM pay_refund";

fn row(r: &Row<'_>) -> rusqlite::Result<Refund> {
    Ok(Refund {
        id: r.get(0)?,
        app: r.get(1)?,
        order_id: r.get(2)?,
        company_id: r.get(3)?,
        appid: r.get(4)?,
        mch_id: r.get(5)?,
        out_trade_no: r.get(6)?,
        out_refund_no: r.get(7)?,
        total_fen: r.get(8)?,
        refund_fen: r.get(9)?,
        reason: r.get(10)?,
        reason_id: r.get(11)?,
        notify_url: r.get(12)?,
        status: r.get(13)?,
        fail_reason: r.get(14)?,
        refund_id: r.get(15)?,
        attempts: r.get(16)?,
        create_date: r.get(17)?,
        refund_date: r.get(18)?,
    })
}

pub fn load(c: &Connection, id: i64) -> ApiResult<Option<Refund>> {
    Ok(
        c.query_row(&format!("SELECT {COLUMNS} WHERE id = ?1"), [id], row)
            .optional()?,
    )
}

pub fn by_out_refund_no(c: &Connection, app: &str, no: &str) -> ApiResult<Option<Refund>> {
    Ok(c.query_row(
        &format!("SELECT {COLUMNS} WHERE out_refund_no = ?1 AND app = ?2"),
        params![no, app],
        row,
    )
    .optional()?)
}

/// The refunds of one order, oldest first.
pub fn of_order(c: &Connection, app: &str, order_id: i64) -> ApiResult<Vec<Refund>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {COLUMNS} WHERE app = ?1 AND order_id = ?2 ORDER BY id"
    ))?;
    let rows = stmt.query_map(params![app, order_id], row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What is refunded or on its way back for an order: what no new refund may add to
/// beyond the amount paid.
pub fn committed_fen(c: &Connection, app: &str, order_id: i64) -> ApiResult<i64> {
    Ok(c.query_row(
        "SELECT COALESCE(SUM(refund_fen), 0) FROM pay_refund
         WHERE app = ?1 AND order_id = ?2 AND status IN ('recorded', 'pending', 'processing', 'succeeded')",
        params![app, order_id],
        |r| r.get(0),
    )?)
}

/// A refund to write.
pub struct NewRefund<'a> {
    pub app: &'a str,
    pub order_id: i64,
    pub company_id: Option<i64>,
    pub appid: &'a str,
    pub mch_id: &'a str,
    pub out_trade_no: &'a str,
    /// `None`: a fresh number (`RF` + time + random digits).
    pub out_refund_no: Option<String>,
    pub total_fen: i64,
    pub refund_fen: i64,
    pub reason: &'a str,
    pub reason_id: i64,
    pub notify_url: &'a str,
    /// `REQUESTED`, `RECORDED` or `PENDING`.
    pub status: &'static str,
}

/// Writes the refund; refuses one that would take back more than was paid.
pub fn insert(c: &Connection, r: &NewRefund) -> ApiResult<Refund> {
    if r.refund_fen <= 0 {
        return Err(ApiError::new(Code::Invalid, "退款金额须大于 0"));
    }
    let committed = committed_fen(c, r.app, r.order_id)?;
    if r.status != REQUESTED && committed + r.refund_fen > r.total_fen {
        return Err(ApiError::new(
            Code::Invalid,
            format!(
                "退款金额超过可退金额 (已付 {} 分, 已退或退款中 {committed} 分)",
                r.total_fen
            ),
        ));
    }
    let out_refund_no = r.out_refund_no.clone().unwrap_or_else(fresh_refund_no);
    let now = clock::now();
    c.execute(
        "INSERT INTO pay_refund (app, order_id, company_id, appid, mch_id, out_trade_no, out_refund_no,
             total_fen, refund_fen, reason, reason_id, notify_url, status, create_date, update_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        params![r.app, r.order_id, r.company_id, r.appid, r.mch_id, r.out_trade_no, out_refund_no,
                r.total_fen, r.refund_fen, r.reason, r.reason_id, r.notify_url, r.status, now],
    )?;
    load(c, c.last_insert_rowid())?.ok_or_else(|| ApiError::internal("refund vanished"))
}

/// `RF` + local time + 8 random digits: unique, within WeChat's 64 characters.
fn fresh_refund_no() -> String {
    let stamp = clock::now_local().format("%Y%m%d%H%M%S");
    format!("RF{stamp}{:08}", rand::rng().random_range(0..100_000_000))
}

/// A requested refund, approved by the seller: `refund_fen` (at most what was asked) is
/// queued to send, or recorded when the merchant cannot refund by API.
pub fn approve(c: &Connection, refund: &Refund, refund_fen: i64, by_api: bool) -> ApiResult<()> {
    let committed = committed_fen(c, &refund.app, refund.order_id)?;
    if refund_fen <= 0 || committed + refund_fen > refund.total_fen {
        return Err(ApiError::new(
            Code::Invalid,
            format!("退款金额超过可退金额 (已退或退款中 {committed} 分)"),
        ));
    }
    let status = if by_api { PENDING } else { RECORDED };
    c.execute(
        "UPDATE pay_refund SET status = ?2, refund_fen = ?3, update_date = ?4 WHERE id = ?1 AND status = 'requested'",
        params![refund.id, status, refund_fen, clock::now()],
    )?;
    Ok(())
}

/// Told to the app after a refund ended (succeeded or failed), in the same transaction.
pub type Apply = fn(&Connection, &Refund) -> ApiResult<()>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Succeeded,
    Failed(String),
}

/// Ends a pending or processing refund; `false` when it had ended already (a repeat).
pub fn end(
    c: &Connection,
    refund: &Refund,
    ending: &Ending,
    refund_id: &str,
    apply: Apply,
) -> ApiResult<bool> {
    let (status, why) = match ending {
        Ending::Succeeded => (SUCCEEDED, ""),
        Ending::Failed(why) => (FAILED, crate::text::head_bytes(why, 500)),
    };
    let changed = c.execute(
        "UPDATE pay_refund SET status = ?2, fail_reason = ?3,
             refund_id = CASE WHEN ?4 = '' THEN refund_id ELSE ?4 END,
             refund_date = CASE WHEN ?2 = 'succeeded' THEN ?5 ELSE refund_date END, update_date = ?5
         WHERE id = ?1 AND status IN ('pending', 'processing')",
        params![refund.id, status, why, refund_id, clock::now()],
    )?;
    if changed == 0 {
        return Ok(false);
    }
    let ended = load(c, refund.id)?.ok_or_else(|| ApiError::internal("refund vanished"))?;
    apply(c, &ended)?;
    Ok(true)
}

/// A refund notify of `app`, already opened for the merchant `mch_id`: ends its refund.
pub fn judge_notice(
    c: &Connection,
    app: &str,
    mch_id: &str,
    notice: &RefundNotice,
    apply: Apply,
) -> ApiResult<Verdict> {
    if notice.mch_id != mch_id {
        return Ok(Verdict::MerchantMismatch);
    }
    let Some(refund) = by_out_refund_no(c, app, &notice.out_refund_no)? else {
        return Ok(Verdict::UnknownOrder);
    };
    if refund.mch_id != mch_id {
        return Ok(Verdict::MerchantMismatch);
    }
    if notice.refund_fen != Some(refund.refund_fen) {
        return Ok(Verdict::AmountMismatch);
    }
    let ending = match notice.status.as_str() {
        "SUCCESS" => Ending::Succeeded,
        "PROCESSING" => return Ok(Verdict::Repeat),
        "CLOSED" | "REFUNDCLOSE" => Ending::Failed("退款关闭 (CLOSED)".into()),
        "ABNORMAL" | "CHANGE" => Ending::Failed(
            "退款异常: 用户的收款账户不可用, 请在商户平台改用其他方式退款 (ABNORMAL)".into(),
        ),
        other => Ending::Failed(format!("退款状态 {other}")),
    };
    if !end(c, &refund, &ending, &notice.refund_id, apply)? {
        return Ok(Verdict::Repeat);
    }
    Ok(if ending == Ending::Succeeded {
        Verdict::Refunded
    } else {
        Verdict::RefundFailed
    })
}

/// The worker that sends pending refunds; `apply` is every app's hook (`lib.rs` routes by app).
pub struct Sender {
    pub apply: Apply,
}

#[rocket::async_trait]
impl Fairing for Sender {
    fn info(&self) -> Info {
        Info {
            name: "refund sender",
            kind: Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let (Some(db), Some(wechat), Some(settings), Some(configured)) = (
            rocket.state::<Db>(),
            rocket.state::<WeChat>(),
            rocket.state::<Settings>(),
            rocket.state::<ConfiguredPay>(),
        ) else {
            return;
        };
        let worker = Worker {
            db: db.clone(),
            wechat: wechat.clone(),
            settings: settings.clone(),
            configured: configured.clone(),
            apply: self.apply,
        };
        rocket::tokio::spawn(async move {
            loop {
                rocket::tokio::time::sleep(POLL).await;
                if let Err(e) = worker.tick().await {
                    log::warn!("refunds: {e}");
                }
            }
        });
    }
}

struct Worker {
    db: Db,
    wechat: WeChat,
    settings: Settings,
    configured: ConfiguredPay,
    apply: Apply,
}

impl Worker {
    async fn tick(&self) -> ApiResult<()> {
        let due = self.db.run(|c| due(c, unix_now())).await?;
        for refund in due {
            let (db, wechat, settings, configured) = (
                self.db.clone(),
                self.wechat.clone(),
                self.settings.clone(),
                self.configured.clone(),
            );
            let sending = refund.clone();
            let sent = crate::task::blocking(move || {
                let account = account_of(&db, &settings, &configured, &sending)?;
                Ok(match account {
                    Some(account) if account.refunds_by_api() => {
                        wechat.refund(&account, &request(&sending))
                    }
                    _ => RefundSent::Retry("商户未配置或不能通过接口退款".into()),
                })
            })
            .await;
            let sent = sent.unwrap_or_else(|e| RefundSent::Retry(e.to_string()));
            let apply = self.apply;
            self.db
                .tx(move |tx| record(tx, &refund, sent, apply))
                .await?;
        }
        Ok(())
    }
}

fn request(r: &Refund) -> RefundRequest<'_> {
    RefundRequest {
        out_trade_no: &r.out_trade_no,
        out_refund_no: &r.out_refund_no,
        total_fen: r.total_fen,
        refund_fen: r.refund_fen,
        reason: &r.reason,
        notify_url: &r.notify_url,
    }
}

/// The merchant a refund is paid from: the shop's for a company, else the configured one.
fn account_of(
    db: &Db,
    settings: &Settings,
    configured: &ConfiguredPay,
    r: &Refund,
) -> ApiResult<Option<PayAccount>> {
    match r.company_id {
        None => Ok(configured.0.clone()),
        Some(company) => {
            let appid = if r.appid.is_empty() {
                settings.wechat_appid.clone()
            } else {
                r.appid.clone()
            };
            let conn = db.reader()?;
            PayAccount::of_company(&conn, db.secrets(), company, &appid)
        }
    }
}

const DUE: &str = "SELECT id FROM pay_refund INDEXED BY pay_refund_due
     WHERE status = 'pending' AND next_try_at <= ?1 ORDER BY next_try_at LIMIT 20";

fn due(c: &Connection, now: i64) -> ApiResult<Vec<Refund>> {
    let ids: Vec<i64> = c
        .prepare_cached(DUE)?
        .query_map([now], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut due = Vec::new();
    for id in ids {
        due.extend(load(c, id)?);
    }
    Ok(due)
}

/// What a send did to the refund. Only a refund still pending is touched (a notify may have
/// ended it while the request was on its way).
fn record(c: &Connection, r: &Refund, sent: RefundSent, apply: Apply) -> ApiResult<()> {
    let Some(current) = load(c, r.id)? else {
        return Ok(());
    };
    if current.status != PENDING {
        return Ok(());
    }
    let now = clock::now();
    match sent {
        RefundSent::Accepted {
            refund_id,
            done: false,
        } => {
            c.execute(
                "UPDATE pay_refund SET status = 'processing', refund_id = ?2, attempts = attempts + 1,
                     last_error = NULL, update_date = ?3 WHERE id = ?1",
                params![r.id, refund_id, now],
            )?;
        }
        RefundSent::Accepted {
            refund_id,
            done: true,
        } => {
            end(c, &current, &Ending::Succeeded, &refund_id, apply)?;
        }
        RefundSent::Refused(why) => {
            log::warn!("refund {} refused by WeChat Pay: {why}", r.out_refund_no);
            end(c, &current, &Ending::Failed(why), "", apply)?;
        }
        RefundSent::Retry(why) if current.attempts + 1 >= MAX_ATTEMPTS => {
            log::error!("refund {} given up: {why}", r.out_refund_no);
            end(
                c,
                &current,
                &Ending::Failed(format!("多次发送未成功: {why}")),
                "",
                apply,
            )?;
        }
        RefundSent::Retry(why) => {
            log::warn!("refund {} not sent, will retry: {why}", r.out_refund_no);
            c.execute(
                "UPDATE pay_refund SET attempts = attempts + 1, next_try_at = ?2, last_error = ?3,
                     update_date = ?4 WHERE id = ?1",
                params![
                    r.id,
                    unix_now() + backoff(current.attempts),
                    crate::text::head_bytes(&why, 500),
                    now
                ],
            )?;
        }
    }
    Ok(())
}

/// 2, 4, 8 … seconds, at most an hour.
fn backoff(attempts: i64) -> i64 {
    (2i64 << attempts.clamp(0, 11)).min(3600)
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
