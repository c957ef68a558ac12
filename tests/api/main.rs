//! The one integration-test binary: one module per area (`cargo test --test api radar`).
#![allow(clippy::unwrap_used)]

mod common;
mod crypto;
mod foundation;
mod media;
mod outbox;
mod pay;
mod zhuge_card;
mod zhuge_crm;
mod zhuge_login;
mod zhuge_radar;
mod zhuge_signature;
