//! Outbound messages (template messages, Work WeChat radar pushes): written by `enqueue` in
//! the same transaction as their cause, sent by one background task with retries and
//! backoff. A restart loses none: the queue is a table (SPEC §8).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Orbit, Rocket};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::ApiResult;
use crate::retention::{Rules, BATCH};
use crate::text;
use crate::wechat::errcode::token_expired;
use crate::wechat::{check_errcode, WeChat};
use credentials::App;

mod credentials;

pub use credentials::Account;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// `cgi-bin/message/wxopen/template/send`, with a formId inside `body`.
    MiniTemplate {
        #[serde(default)]
        account: Account,
        appid: String,
        body: Value,
    },
    /// `cgi-bin/message/subscribe/send`.
    MiniSubscribe {
        #[serde(default)]
        account: Account,
        appid: String,
        body: Value,
    },
    /// A Work WeChat app text message (`cgi-bin/message/send`).
    WorkText {
        #[serde(default)]
        account: Account,
        corpid: String,
        agentid: String,
        touser: String,
        content: String,
    },
}

impl Message {
    fn kind(&self) -> &'static str {
        match self {
            Message::MiniTemplate { .. } => "mini_template",
            Message::MiniSubscribe { .. } => "mini_subscribe",
            Message::WorkText { .. } => "work_text",
        }
    }

    /// The message with its text bounded: a Work WeChat text at what Work WeChat takes
    /// (2048 bytes), each template field at a line.
    fn capped(&self) -> Message {
        let mut msg = self.clone();
        match &mut msg {
            Message::WorkText { content, .. } => {
                *content = text::head_bytes(content, WORK_TEXT_MAX_BYTES).to_string();
            }
            Message::MiniTemplate { body, .. } | Message::MiniSubscribe { body, .. } => {
                *body = capped_fields(std::mem::take(body));
            }
        }
        msg
    }

    /// Messages to one recipient are rate limited and, for Work WeChat, coalesced; never
    /// across accounts, which may speak through different apps.
    fn recipient(&self) -> String {
        match self {
            Message::MiniTemplate { appid, body, .. }
            | Message::MiniSubscribe { appid, body, .. } => {
                format!("mini:{appid}:{}", body["touser"].as_str().unwrap_or(""))
            }
            Message::WorkText {
                account,
                corpid,
                touser,
                ..
            } => match account {
                Account::Company(id) => format!("work:{id}:{touser}"),
                Account::Config => format!("work:config:{touser}"),
                Account::Unnamed => format!("work:{corpid}:{touser}"),
            },
        }
    }
}

/// The most bytes of text Work WeChat takes in one message.
const WORK_TEXT_MAX_BYTES: usize = 2048;

/// A template body whose `data.<keyword>.value` texts are cut to a line each.
fn capped_fields(mut body: Value) -> Value {
    if let Some(fields) = body.get_mut("data").and_then(Value::as_object_mut) {
        for field in fields.values_mut() {
            if let Some(value) = field["value"].as_str() {
                field["value"] = Value::String(text::LINE.cut(value));
            }
        }
    }
    body
}

/// Queues `msg`; call it inside the write transaction of whatever caused it. Its text is
/// capped first ([`Message::capped`]).
pub fn enqueue(conn: &Connection, msg: &Message) -> rusqlite::Result<i64> {
    let msg = &msg.capped();
    let payload = serde_json::to_string(msg).unwrap_or_default();
    conn.execute(
        "INSERT INTO outbox (kind, recipient, payload, next_try_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            msg.kind(),
            msg.recipient(),
            payload,
            unix_now(),
            crate::clock::now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Deletes sent messages, and given-up ones, older than `outbox_keep_days` (a batch of at
/// most `retention::BATCH`): they only told how a delivery went.
pub fn prune(c: &Connection, rules: &Rules) -> ApiResult<usize> {
    let before = rules.days_ago(rules.outbox_keep_days);
    Ok(c.prepare_cached(
        "DELETE FROM outbox WHERE id IN (
             SELECT id FROM outbox WHERE sent_at < ?1
             UNION ALL
             SELECT id FROM outbox WHERE sent_at IS NULL AND attempts >= 6 AND created_at < ?1
             LIMIT ?2)",
    )?
    .execute(params![before, BATCH as i64])?)
}

const POLL: Duration = Duration::from_millis(250);
/// Also written into the `outbox_pending` index (migration 6) and [`DUE`].
const MAX_ATTEMPTS: i64 = 6;
/// Work WeChat allows about 30 messages a minute to one member.
const PER_MINUTE: usize = 30;
/// Radar pushes to one salesperson are joined into one message, this many at most.
const COALESCE: usize = 20;

/// Starts the sender when the server lifts off (also under Rocket's local test client).
pub struct Sender;

#[rocket::async_trait]
impl Fairing for Sender {
    fn info(&self) -> Info {
        Info {
            name: "outbox sender",
            kind: Kind::Liftoff,
        }
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let (Some(db), Some(wechat), Some(settings)) = (
            rocket.state::<Db>(),
            rocket.state::<WeChat>(),
            rocket.state::<Settings>(),
        ) else {
            return;
        };
        let worker = Worker {
            db: db.clone(),
            wechat: wechat.clone(),
            settings: settings.clone(),
            sent: HashMap::new(),
        };
        rocket::tokio::spawn(worker.run());
    }
}

struct Worker {
    db: Db,
    wechat: WeChat,
    settings: Settings,
    /// When each recipient was last sent to, for the per-minute limit.
    sent: HashMap<String, VecDeque<Instant>>,
}

struct Due {
    id: i64,
    recipient: String,
    attempts: i64,
    message: Option<Message>,
}

impl Worker {
    async fn run(mut self) {
        loop {
            rocket::tokio::time::sleep(POLL).await;
            if let Err(e) = self.tick().await {
                log::warn!("outbox: {e}");
            }
        }
    }

    async fn tick(&mut self) -> ApiResult<()> {
        let due = self.db.run(due).await?;
        for batch in batches(due) {
            if !self.may_send(&batch[0].recipient) {
                continue;
            }
            let ids: Vec<i64> = batch.iter().map(|d| d.id).collect();
            let attempts = batch[0].attempts;
            let Some(message) = merge(batch) else {
                self.finish(ids, attempts, Outcome::GiveUp("无法读取的消息".into()))
                    .await?;
                continue;
            };
            let (wechat, db, settings) =
                (self.wechat.clone(), self.db.clone(), self.settings.clone());
            let recipient = message.recipient();
            let outcome =
                crate::task::blocking(move || Ok(deliver(&wechat, &db, &settings, &message)))
                    .await?;
            if matches!(outcome, Outcome::Sent) {
                self.sent
                    .entry(recipient)
                    .or_default()
                    .push_back(Instant::now());
            }
            self.finish(ids, attempts, outcome).await?;
        }
        Ok(())
    }

    fn may_send(&mut self, recipient: &str) -> bool {
        let window = self.sent.entry(recipient.to_string()).or_default();
        while window
            .front()
            .is_some_and(|t| t.elapsed() > Duration::from_secs(60))
        {
            window.pop_front();
        }
        window.len() < PER_MINUTE
    }

    async fn finish(&self, ids: Vec<i64>, attempts: i64, outcome: Outcome) -> ApiResult<()> {
        let tries = match &outcome {
            Outcome::Sent => attempts + 1,
            Outcome::Retry(why) if attempts + 1 < MAX_ATTEMPTS => {
                log::warn!("outbox: messages {ids:?} not sent, will retry: {why}");
                attempts + 1
            }
            Outcome::Retry(why) | Outcome::GiveUp(why) => {
                log::error!("outbox: giving up on messages {ids:?}: {why}");
                MAX_ATTEMPTS
            }
        };
        let (sent_at, error) = match outcome {
            Outcome::Sent => (Some(crate::clock::now()), None),
            Outcome::Retry(why) | Outcome::GiveUp(why) => (None, Some(why)),
        };
        let next_try_at = unix_now() + backoff(attempts);
        self.db
            .tx(move |c| {
                let mut stmt = c.prepare_cached(
                    "UPDATE outbox SET sent_at = ?2, attempts = ?3, next_try_at = ?4,
                            last_error = COALESCE(?5, last_error)
                     WHERE id = ?1",
                )?;
                for id in ids {
                    stmt.execute(params![id, sent_at, tries, next_try_at, error])?;
                }
                Ok(())
            })
            .await
    }
}

/// The oldest messages due, read through the `outbox_pending` index in id order (named: the
/// planner, without statistics, would rather sort every unsent row). Its condition must be
/// spelled as in the index, with a literal `6`.
pub const DUE: &str =
    "SELECT id, recipient, attempts, payload FROM outbox INDEXED BY outbox_pending
     WHERE sent_at IS NULL AND attempts < 6 AND next_try_at <= ?1
     ORDER BY id LIMIT 100";
const _: () = assert!(
    MAX_ATTEMPTS == 6,
    "change migration 6's index and DUE with it"
);

fn due(c: &Connection) -> ApiResult<Vec<Due>> {
    let mut stmt = c.prepare_cached(DUE)?;
    let rows = stmt.query_map([unix_now()], |r| {
        let payload: String = r.get(3)?;
        Ok(Due {
            id: r.get(0)?,
            recipient: r.get(1)?,
            attempts: r.get(2)?,
            message: serde_json::from_str(&payload).ok(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Groups due messages: Work WeChat texts to one recipient travel together (up to
/// `COALESCE`), every other message alone.
fn batches(due: Vec<Due>) -> Vec<Vec<Due>> {
    let mut out: Vec<Vec<Due>> = Vec::new();
    let mut open: HashMap<String, usize> = HashMap::new();
    for item in due {
        let joinable = matches!(item.message, Some(Message::WorkText { .. }));
        if joinable {
            if let Some(&at) = open.get(&item.recipient) {
                if out[at].len() < COALESCE && out[at][0].attempts == item.attempts {
                    out[at].push(item);
                    continue;
                }
            }
            open.insert(item.recipient.clone(), out.len());
        }
        out.push(vec![item]);
    }
    out
}

fn merge(batch: Vec<Due>) -> Option<Message> {
    let mut messages = batch.into_iter().map(|d| d.message);
    let first = messages.next()??;
    match first {
        Message::WorkText {
            account,
            corpid,
            agentid,
            touser,
            content,
        } => {
            let mut lines = vec![content];
            for m in messages.flatten() {
                if let Message::WorkText { content, .. } = m {
                    lines.push(content);
                }
            }
            Some(Message::WorkText {
                account,
                corpid,
                agentid,
                touser,
                content: text::head_bytes(&lines.join("\n"), WORK_TEXT_MAX_BYTES).to_string(),
            })
        }
        other => Some(other),
    }
}

/// What became of one delivery.
enum Outcome {
    Sent,
    /// Worth another try later (WeChat down, a refused formId...).
    Retry(String),
    /// Will never work as configured (no Work WeChat set up).
    GiveUp(String),
}

fn deliver(wechat: &WeChat, db: &Db, settings: &Settings, msg: &Message) -> Outcome {
    let app = match credentials::app_for(db, settings, msg) {
        Ok(app) => app,
        Err(outcome) => return outcome,
    };
    match send(wechat, db, &app, msg) {
        Ok(()) => Outcome::Sent,
        Err(why) => Outcome::Retry(why),
    }
}

/// One HTTP delivery; a refused access token is renewed and the call tried once more.
fn send(wechat: &WeChat, db: &Db, app: &App, msg: &Message) -> Result<(), String> {
    for retry in [false, true] {
        let token = app.token(wechat, db).map_err(|e| e.msg.to_string())?;
        let (url, body) = request(wechat, app, msg);
        let answer = wechat
            .post_json(&url, &[("access_token", &token)], &body)
            .map_err(|e| e.msg.to_string())?;
        match check_errcode(&answer) {
            Ok(()) => return Ok(()),
            Err((code, _)) if token_expired(code) && !retry => {
                app.forget(wechat, db).map_err(|e| e.to_string())?;
            }
            Err((code, msg)) => return Err(format!("errcode {code} {msg}")),
        }
    }
    Err("access_token 刷新后仍被拒绝".into())
}

fn request(wechat: &WeChat, app: &App, msg: &Message) -> (String, Value) {
    let base = &wechat.mini_base;
    match msg {
        Message::MiniTemplate { body, .. } => (
            format!("{base}/cgi-bin/message/wxopen/template/send"),
            body.clone(),
        ),
        Message::MiniSubscribe { body, .. } => (
            format!("{base}/cgi-bin/message/subscribe/send"),
            body.clone(),
        ),
        Message::WorkText {
            touser, content, ..
        } => {
            let agentid = app.agentid();
            (
                format!("{}/cgi-bin/message/send", wechat.work_base),
                json!({
                    "touser": touser,
                    "msgtype": "text",
                    "agentid": agentid.parse::<i64>().map(Value::from).unwrap_or_else(|_| agentid.into()),
                    "text": {"content": content},
                }),
            )
        }
    }
}

/// 5 s, 10 s, 20 s, 40 s, 80 s.
fn backoff(attempts: i64) -> i64 {
    5 << attempts.clamp(0, 6)
}

fn unix_now() -> i64 {
    chrono::Utc::now().timestamp()
}
