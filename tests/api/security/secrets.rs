//! Security regressions: secrets stay secret (served files, data at rest, credentials).

mod statics;
