//! How much free text Leida keeps: one limit per kind of field, counted in characters.
//!
//! Everything stored is bounded, because stored text is copied on (a nickname goes into
//! every radar row and push of that customer). Text a person typed in a client is refused
//! beyond its limit, naming the field (`Limit::check`, `Params::bounded`); text that WeChat's
//! profile supplies (nickname, avatar URL, city...) is cut instead (`Limit::cut`), since the
//! person never chose its length.

use crate::error::{ApiError, ApiResult};

/// The most characters a field of some kind may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(usize);

/// Names and titles: of a person, company, product, tag or role; a position; a phone;
/// an id or code that a client hands back (formId, userid).
pub const NAME: Limit = Limit(64);
/// One line: an address, a signature, a short remark.
pub const LINE: Limit = Limit(256);
/// A URL (an avatar, a picture, a page path).
pub const URL: Limit = Limit(512);
/// Messages, notes, descriptions and contents.
pub const NOTE: Limit = Limit(5000);
/// A document made of blocks, as JSON text (a product's article: titles, paragraphs and
/// picture URLs).
pub const ARTICLE: Limit = Limit(20_000);
/// A key or certificate (chain) in PEM form.
pub const PEM: Limit = Limit(16_000);

impl Limit {
    pub fn chars(self) -> usize {
        self.0
    }

    pub fn fits(self, text: &str) -> bool {
        text.chars().nth(self.0).is_none()
    }

    /// Refuses (303, naming `field`) text longer than the limit.
    pub fn check(self, field: &str, text: &str) -> ApiResult<()> {
        if self.fits(text) {
            Ok(())
        } else {
            Err(ApiError::invalid(
                field,
                &format!("不能超过 {} 个字符", self.0),
            ))
        }
    }

    /// The first `chars()` characters of `text`.
    pub fn cut(self, text: &str) -> String {
        text.chars().take(self.0).collect()
    }
}

/// The most pictures one list may hold (goods, the company website's covers or contents).
pub const PICTURES_MAX: usize = 20;

/// A JSON list of picture URLs (`'["https://..", ..]'`): at most `PICTURES_MAX`, each a
/// non-empty URL within `URL`.
pub fn url_list(field: &str, raw: &str) -> ApiResult<Vec<String>> {
    let list: Vec<String> = serde_json::from_str(raw).map_err(|_| ApiError::wrong_type(field))?;
    if list.len() > PICTURES_MAX {
        return Err(ApiError::invalid(
            field,
            &format!("最多 {PICTURES_MAX} 张图片"),
        ));
    }
    for url in &list {
        if url.trim().is_empty() {
            return Err(ApiError::invalid(field, "每一项必须是图片地址"));
        }
        URL.check(field, url)?;
    }
    Ok(list)
}

/// The longest start of `text` that is at most `max` bytes and ends on a character.
pub fn head_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
