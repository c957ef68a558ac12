//! The design app's tables (`sm_*`, migration 2): users and their levels, forms, formIds.

pub mod form;
pub mod privacy;
pub mod user;
