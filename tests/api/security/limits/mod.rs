//! Security regressions: one client may not exhaust memory, disk, connections or limits.

mod consult;
mod images;
mod limiter;
mod notify;
mod offline;
mod pages;
mod text;

use std::net::SocketAddr;

/// A client address of the documentation range, by its last byte.
fn from(last: u8) -> SocketAddr {
    SocketAddr::from(([198, 51, 100, last], 40000))
}
