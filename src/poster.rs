//! Card posters: a portrait PNG (avatar, name, position, phone, signature, company and the
//! card's QR code) drawn with `image` and the bundled full CJK font, stored once per set of
//! inputs under `data_dir/posters/` and reused until any input changes; files unused for
//! 30 days are swept away (`sweep`).

mod layout;
pub mod sweep;
mod text;

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::assets::Assets;
use crate::error::{ApiError, ApiResult};
use crate::media::POSTER_DIR;

pub use layout::{render, HEIGHT, WIDTH};

/// Part of every poster's file name: bump it whenever the drawing changes, so stored
/// posters drawn by an older layout are not served for new requests.
pub const LAYOUT_VERSION: u32 = 1;

/// The bundled avatar used when a card's own cannot be read.
const DEFAULT_AVATAR: &str = "imgs/setAvator.jpg";

/// Everything a poster shows; two equal cards give the same file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PosterCard {
    pub name: String,
    pub position: String,
    pub company: String,
    /// Empty when the card hides its phone.
    pub phone: String,
    pub signature: String,
    /// The avatar file's bytes (PNG or JPEG); see [`avatar_bytes`].
    pub avatar: Vec<u8>,
    /// What the QR code encodes (the card's URL).
    pub qr_content: String,
}

impl PosterCard {
    /// `posters/<md5 of the layout version and every input>.png`, relative to `data_dir`.
    pub fn file_name(&self) -> String {
        let mut ctx = md5::Context::new();
        ctx.consume(LAYOUT_VERSION.to_le_bytes());
        let fields: [&[u8]; 7] = [
            self.name.as_bytes(),
            self.position.as_bytes(),
            self.company.as_bytes(),
            self.phone.as_bytes(),
            self.signature.as_bytes(),
            &self.avatar,
            self.qr_content.as_bytes(),
        ];
        for field in fields {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            ctx.consume((field.len() as u64).to_le_bytes());
            ctx.consume(field);
        }
        format!("{POSTER_DIR}/{:x}.png", ctx.finalize())
    }
}

/// The poster of `card`, relative to `data_dir`: reused when already stored, else drawn
/// and stored. Blocking (file IO, and the drawing when new); see [`poster`] for handlers.
pub fn poster_file(data_dir: &Path, card: &PosterCard) -> ApiResult<String> {
    let rel = card.file_name();
    let path = data_dir.join(&rel);
    if sweep::is_stored(&path) {
        crate::events::inc("poster_cache_hit");
        return Ok(rel);
    }
    let png = render(card)?;
    store(&path, &png)?;
    crate::events::inc("poster_drawn");
    Ok(rel)
}

/// Writes beside the target, then renames: a reader never sees half a poster, and two
/// requests drawing the same poster at once both end with a whole file.
fn store(path: &Path, png: &[u8]) -> ApiResult<()> {
    let dir = path
        .parent()
        .ok_or_else(|| ApiError::internal("poster path has no folder"))?;
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{:016x}", rand::random::<u64>()));
    let written = write_synced(&tmp, png).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(written?)
}

/// Synced before the rename: after a crash a poster is whole or absent, never an empty file
/// that would be served as the poster from then on.
fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// [`poster_file`] for handlers: a stored poster answers at once; a new one is drawn on a
/// blocking thread in one of the image slots (`media::image_slot`).
pub async fn poster(data_dir: PathBuf, card: PosterCard) -> ApiResult<String> {
    let rel = card.file_name();
    if sweep::is_stored(&data_dir.join(&rel)) {
        crate::events::inc("poster_cache_hit");
        return Ok(rel);
    }
    let _slot = crate::media::image_slot().await?;
    crate::task::blocking(move || poster_file(&data_dir, &card)).await
}

/// The bytes of a stored avatar path as the database keeps it (`statics/imgs/x.jpg`,
/// `uploads/..`, or a URL under `public_url`): a file under `data_dir`, else a bundled
/// asset, else the bundled default avatar. Remote avatars (another host) use the default.
pub fn avatar_bytes(data_dir: &Path, public_url: &str, stored: &str) -> Vec<u8> {
    let found = local_path(public_url, stored).and_then(|rel| {
        std::fs::read(data_dir.join(&rel))
            .ok()
            .or_else(|| asset(&rel))
    });
    found.unwrap_or_else(|| {
        if !stored.is_empty() {
            log::warn!("poster: avatar {stored:?} not found, using the default");
        }
        asset(DEFAULT_AVATAR).unwrap_or_default()
    })
}

/// `stored` as a path under `data_dir`/`assets`, or None when it is remote or tries to
/// leave the folder (`..`, absolute paths).
fn local_path(public_url: &str, stored: &str) -> Option<String> {
    let base = public_url.trim_end_matches('/');
    let rel = stored.strip_prefix(base).unwrap_or(stored);
    if rel.contains("://") {
        return None;
    }
    let rel = rel.trim_start_matches('/');
    let rel = rel.strip_prefix("statics/").unwrap_or(rel);
    let safe = !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    safe.then(|| rel.to_string())
}

fn asset(rel: &str) -> Option<Vec<u8>> {
    Assets::get(rel).map(|file| file.data.into_owned())
}
