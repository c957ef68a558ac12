//! The server's logger, installed by `leida` before Rocket (which then keeps it and only sets
//! the level from `log_level`).
//!
//! Rocket's own request lines print the whole URI, query string included, and the query is
//! where signatures (`rand_str`), login codes and tokens travel. This logger drops Rocket's
//! per-request chatter (the access log of `metrics::Telemetry` replaces it, one line per
//! request, path only) and cuts query strings out of every line, Rocket's or not (an
//! outbound URL in an HTTP client's error would carry `secret=` or `access_token=`).

use std::io::Write;

use log::{Level, LevelFilter, Log, Metadata, Record};

struct Logger;

/// Installs the logger at `level` (the config's `log_level`); Rocket then finds a logger
/// set and leaves it alone. A second call changes nothing.
pub fn install(level: LevelFilter) {
    if log::set_boxed_logger(Box::new(Logger)).is_ok() {
        log::set_max_level(level);
    }
}

fn is_launch(target: &str) -> bool {
    target.starts_with("rocket::launch")
}

impl Log for Logger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() || is_launch(metadata.target())
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let debugging = log::max_level() >= LevelFilter::Debug;
        let module = record.module_path().unwrap_or("");
        if !debugging
            && (module.starts_with("rocket::server") || module.starts_with("hyper"))
            && record.level() >= Level::Info
        {
            return;
        }
        let text = redact(&record.args().to_string());
        let line = if is_launch(record.target()) {
            let indent = if record.target().ends_with('_') {
                "   >> "
            } else {
                ""
            };
            format!("{indent}{text}")
        } else {
            let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ");
            if record.target() == crate::metrics::ACCESS_TARGET {
                format!("{now} {text}")
            } else {
                format!("{now} {} {}: {text}", record.level(), record.target())
            }
        };
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }

    fn flush(&self) {
        let _ = std::io::stdout().lock().flush();
    }
}

/// Removes terminal colours and every query string (`?` up to the next space) from a line.
pub fn redact(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // ESC [ ... letter: a colour code.
                while let Some(&next) = chars.peek() {
                    chars.next();
                    if next.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            '?' if chars.peek().is_some_and(|n| !n.is_whitespace()) => {
                out.push_str("?…");
                while chars
                    .peek()
                    .is_some_and(|n| !n.is_whitespace() && *n != '\u{1b}')
                {
                    chars.next();
                }
            }
            _ => out.push(c),
        }
    }
    out
}
