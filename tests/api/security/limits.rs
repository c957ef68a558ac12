//! Security regressions: one client may not exhaust memory, disk, connections or limits.
