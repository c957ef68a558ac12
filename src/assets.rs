//! The files bundled into the binary: the console, the docs page, fonts and images.

use rust_embed::RustEmbed;

/// Everything under `assets/` (rust-embed reads the folder from disk in debug builds).
#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct Assets;
