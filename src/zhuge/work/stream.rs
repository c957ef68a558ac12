//! `GET /zhugeleida/qiyeweixin/action/stream`: the signer's radar events as Server-Sent
//! Events, each one JSON object shaped like a row of `action/time`.
//!
//! Radar events are written by a dozen handlers, inside their own transactions. Rather
//! than touch each of them, one watcher task reads the events committed after the last id
//! it has seen (an index range on the primary key, every `TICK`) and broadcasts them; each
//! stream keeps its signer's. Only committed rows are ever read, any writer is covered
//! (the CLI too), and the cost does not grow with the number of open tabs: one small
//! query per tick while someone listens, a `MAX(id)` while nobody does.
//!
//! A stream outlives the signature that opened it, so each one re-reads its signer every
//! `RECHECK` and ends once the employee is deleted, disabled or expired or their token
//! changed (a password reset). An employee holds at most `PER_EMPLOYEE` streams; another
//! is refused with 403 rather than closing an older one, because a browser's EventSource
//! reconnects a closed stream at once and two tabs would then evict each other forever.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::response::stream::{Event, EventStream};
use rocket::tokio::select;
use rocket::tokio::sync::broadcast::{self, error::RecvError};
use rocket::tokio::time::{interval, interval_at, Instant};
use rocket::{get, routes, Build, Orbit, Responder, Rocket, Route, Shutdown, State};

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::zhuge::data::employee;
use crate::zhuge::data::feed::{self, FeedEvent};
use crate::zhuge::principal::SignedEmployee;

/// A customer's action reaches the open console within this plus one database read.
const TICK: Duration = Duration::from_millis(250);
/// Events read per query; a busier tick loops until it has caught up.
const BATCH: i64 = 200;
/// A stream that falls this far behind skips ahead (the page can reload the list).
const CAPACITY: usize = 1024;
/// How often an open stream makes sure its signer may still read it.
const RECHECK: Duration = Duration::from_secs(5);
/// Open streams per employee (a few console tabs).
pub const PER_EMPLOYEE: usize = 3;

pub fn routes() -> Vec<Route> {
    routes![stream]
}

/// The broadcast of committed radar events, managed as state; attach it as a fairing.
pub struct RadarFeed {
    sender: broadcast::Sender<Arc<FeedEvent>>,
    open: OpenStreams,
}

/// Open streams per employee id.
type OpenStreams = Arc<Mutex<HashMap<i64, usize>>>;

impl RadarFeed {
    pub fn new() -> RadarFeed {
        RadarFeed {
            sender: broadcast::channel(CAPACITY).0,
            open: OpenStreams::default(),
        }
    }

    /// Open streams right now (each tab holds one).
    pub fn listeners(&self) -> usize {
        self.sender.receiver_count()
    }

    /// A place for one more stream of `employee_id`, unless they hold `PER_EMPLOYEE`.
    fn claim(&self, employee_id: i64) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let held = open.entry(employee_id).or_default();
        if *held >= PER_EMPLOYEE {
            return None;
        }
        *held += 1;
        Some(Slot {
            open: self.open.clone(),
            employee_id,
        })
    }
}

/// One open stream's place; given back when the stream ends or its client goes away.
struct Slot {
    open: OpenStreams,
    employee_id: i64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = open.get_mut(&self.employee_id) {
            *held -= 1;
            if *held == 0 {
                open.remove(&self.employee_id);
            }
        }
    }
}

impl Default for RadarFeed {
    fn default() -> Self {
        RadarFeed::new()
    }
}

#[rocket::async_trait]
impl Fairing for RadarFeed {
    fn info(&self) -> Info {
        Info {
            name: "radar feed",
            kind: Kind::Ignite | Kind::Liftoff,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> rocket::fairing::Result {
        Ok(rocket.manage(RadarFeed {
            sender: self.sender.clone(),
            open: self.open.clone(),
        }))
    }

    async fn on_liftoff(&self, rocket: &Rocket<Orbit>) {
        let Some(db) = rocket.state::<Db>() else {
            return;
        };
        let watcher = watch(db.clone(), self.sender.clone(), rocket.shutdown());
        rocket::tokio::spawn(watcher);
    }
}

/// Publishes every committed event once, in id order, until the server shuts down.
async fn watch(db: Db, sender: broadcast::Sender<Arc<FeedEvent>>, shutdown: Shutdown) {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut ticks = interval(TICK);
    let mut seen: Option<i64> = None;
    loop {
        select! {
            _ = ticks.tick() => {}
            _ = &mut shutdown => return,
        }
        match catch_up(&db, &sender, seen).await {
            Ok(last) => seen = Some(last),
            Err(err) => log::warn!("radar feed: {err}"),
        }
    }
}

/// With nobody listening, only remembers where the log ends; otherwise sends what is new.
async fn catch_up(
    db: &Db,
    sender: &broadcast::Sender<Arc<FeedEvent>>,
    seen: Option<i64>,
) -> ApiResult<i64> {
    let newest = db.run(feed::last_id).await?;
    let Some(mut last) = seen.filter(|_| sender.receiver_count() > 0) else {
        return Ok(newest);
    };
    while last < newest {
        let events = db.run(move |c| feed::after(c, last, BATCH)).await?;
        let Some(end) = events.last().map(|e| e.id) else {
            break;
        };
        for event in events {
            // An error only means every listener has just gone.
            let _ = sender.send(Arc::new(event));
        }
        last = end;
    }
    Ok(last.max(newest))
}

/// The stream, with a header that keeps nginx from buffering it.
#[derive(Responder)]
pub struct Unbuffered<R> {
    inner: R,
    no_buffering: Header<'static>,
}

#[get("/action/stream")]
fn stream(
    signed: SignedEmployee,
    feed: &State<RadarFeed>,
    db: &State<Db>,
    shutdown: Shutdown,
) -> Result<Unbuffered<EventStream![]>, ApiError> {
    let slot = feed.claim(signed.me.id).ok_or_else(|| {
        ApiError::forbidden(format!(
            "同时打开的实时雷达已达 {PER_EMPLOYEE} 个, 请先关闭其他页面"
        ))
    })?;
    let listener = Listener {
        signed,
        db: db.inner().clone(),
        _slot: slot,
    };
    Ok(Unbuffered {
        inner: events_of(listener, feed.sender.subscribe(), shutdown),
        no_buffering: Header::new("X-Accel-Buffering", "no"),
    })
}

/// What a stream holds while it is open.
struct Listener {
    signed: SignedEmployee,
    db: Db,
    _slot: Slot,
}

impl Listener {
    /// Whether the token that opened the stream still signs for an enabled employee.
    fn still_signed(&self) -> bool {
        let id = self.signed.me.id;
        match self.db.point_read(|c| employee::signing_key(c, id)) {
            Ok(Some(key)) => key.status == 1 && !key.expired && key.token == self.signed.token,
            Ok(None) => false,
            Err(err) => {
                log::warn!("radar stream of {id}: signer not re-read ({err}); closing it");
                false
            }
        }
    }
}

fn events_of(
    listener: Listener,
    mut events: broadcast::Receiver<Arc<FeedEvent>>,
    mut shutdown: Shutdown,
) -> EventStream![] {
    let me = listener.signed.me.id;
    let mut recheck = interval_at(Instant::now() + RECHECK, RECHECK);
    EventStream! {
        loop {
            let event = select! {
                received = events.recv() => match received {
                    Ok(event) => event,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                },
                _ = recheck.tick() => {
                    if listener.still_signed() {
                        continue;
                    }
                    break;
                }
                _ = &mut shutdown => break,
            };
            if event.user_id == me {
                yield Event::json(&event.row).id(event.id.to_string());
            }
        }
    }
}
