//! Queries over the Zhuge Leida tables, shared by the mini-program and enterprise sides.
//! Every function is synchronous over `&Connection`, so it runs inside `Db::run`/`Db::tx`.

pub mod access;
pub mod admin;
pub mod card;
pub mod chat;
pub mod company;
pub mod customer;
pub mod dialect;
pub mod employee;
pub mod feed;
pub mod follow;
pub mod media_urls;
pub mod navigation;
pub mod notice;
pub mod order;
pub mod permission;
pub mod poster;
pub mod privacy;
pub mod product;
pub mod profile;
pub mod radar;
pub mod refund;
pub mod relation;
pub mod retention;
pub mod role;
pub mod setup;
pub mod shop;
pub mod tag;
pub mod tongxunlu;
pub mod user;
pub mod user_tag;
