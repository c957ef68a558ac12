//! The one integration-test binary: one module per area (`cargo test --test api radar`).
#![allow(clippy::unwrap_used)]

mod common;
mod console;
mod consult;
mod crypto;
mod design;
mod design_notice;
mod foundation;
mod fuzz;
mod media;
mod openapi;
mod ops;
mod outbox;
mod pay;
mod pay_v3;
mod poster;
mod repair_user;
mod repair_workflow;
mod security;
mod signatures;
mod sms;
mod zhuge_card;
mod zhuge_chat;
mod zhuge_crm;
mod zhuge_login;
mod zhuge_people;
mod zhuge_poster;
mod zhuge_product;
mod zhuge_radar;
mod zhuge_settings;
mod zhuge_shop;
mod zhuge_signature;
