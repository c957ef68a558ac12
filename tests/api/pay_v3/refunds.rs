//! Refunds of both versions.
