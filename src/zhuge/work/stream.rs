//! `GET /zhugeleida/qiyeweixin/action/stream`: the signer's radar events as Server-Sent
//! Events, each one JSON object shaped like a row of `action/time`.
//!
//! Radar events are written by a dozen handlers, inside their own transactions. Rather
//! than touch each of them, one watcher task reads the events committed after the last id
//! it has seen (an index range on the primary key, every `TICK`) and broadcasts them; each
//! stream keeps its signer's. Only committed rows are ever read, any writer is covered
//! (the CLI too), and the cost does not grow with the number of open tabs: one small
//! query per tick while someone listens, a `MAX(id)` while nobody does.

use std::sync::Arc;
use std::time::Duration;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::response::stream::{Event, EventStream};
use rocket::tokio::select;
use rocket::tokio::sync::broadcast::{self, error::RecvError};
use rocket::tokio::time::interval;
use rocket::{get, routes, Build, Orbit, Responder, Rocket, Route, Shutdown, State};

use crate::db::Db;
use crate::web::signed::Employee;
use crate::zhuge::data::feed::{self, FeedEvent};

/// A customer's action reaches the open console within this plus one database read.
const TICK: Duration = Duration::from_millis(250);
/// Events read per query; a busier tick loops until it has caught up.
const BATCH: i64 = 200;
/// A stream that falls this far behind skips ahead (the page can reload the list).
const CAPACITY: usize = 1024;

pub fn routes() -> Vec<Route> {
    routes![stream]
}

/// The broadcast of committed radar events, managed as state; attach it as a fairing.
pub struct RadarFeed {
    sender: broadcast::Sender<Arc<FeedEvent>>,
}

impl RadarFeed {
    pub fn new() -> RadarFeed {
        RadarFeed {
            sender: broadcast::channel(CAPACITY).0,
        }
    }

    /// Open streams right now (each tab holds one).
    pub fn listeners(&self) -> usize {
        self.sender.receiver_count()
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
) -> crate::error::ApiResult<i64> {
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
fn stream(me: Employee, feed: &State<RadarFeed>, shutdown: Shutdown) -> Unbuffered<EventStream![]> {
    Unbuffered {
        inner: events_of(me, feed.sender.subscribe(), shutdown),
        no_buffering: Header::new("X-Accel-Buffering", "no"),
    }
}

fn events_of(
    me: Employee,
    mut events: broadcast::Receiver<Arc<FeedEvent>>,
    mut shutdown: Shutdown,
) -> EventStream![] {
    EventStream! {
        loop {
            let event = select! {
                received = events.recv() => match received {
                    Ok(event) => event,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                },
                _ = &mut shutdown => break,
            };
            if event.user_id == me.id {
                yield Event::json(&event.row).id(event.id.to_string());
            }
        }
    }
}
