//! Security regressions: who may claim, grant and keep which identity.

mod bootstrap;
mod card;
mod climb;
mod customers;
mod design_phone;
mod ids;
mod parent;
mod stream;
