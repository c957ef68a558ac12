//! Lines of mixed Chinese and Latin text: Roboto draws what it has (letters, digits), the
//! full Droid Sans Fallback draws the rest, on one shared baseline.

use std::sync::OnceLock;

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};
use image::{Rgb, RgbImage};
use imageproc::drawing::draw_text_mut;

use crate::assets::Assets;
use crate::error::{ApiError, ApiResult};

const LATIN_FILE: &str = "fonts/Roboto-Regular.ttf";
/// Full, not a 3,500-character subset: a subset silently drops surnames such as 岑 缪 瞿.
const CJK_FILE: &str = "fonts/DroidSansFallbackFull.ttf";

pub struct Fonts {
    latin: FontVec,
    cjk: FontVec,
}

/// Both fonts, read and parsed once per process.
pub fn fonts() -> ApiResult<&'static Fonts> {
    static FONTS: OnceLock<Result<Fonts, String>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            Ok(Fonts {
                latin: load(LATIN_FILE)?,
                cjk: load(CJK_FILE)?,
            })
        })
        .as_ref()
        .map_err(ApiError::internal)
}

fn load(file: &str) -> Result<FontVec, String> {
    let bytes = Assets::get(file).ok_or_else(|| format!("{file} not bundled"))?;
    FontVec::try_from_vec(bytes.data.into_owned()).map_err(|e| format!("{file}: {e}"))
}

impl Fonts {
    /// Roboto draws what it has; everything else is the CJK font's.
    fn is_latin(&self, c: char) -> bool {
        self.latin.glyph_id(c).0 != 0
    }

    fn font(&self, latin: bool) -> &FontVec {
        if latin {
            &self.latin
        } else {
            &self.cjk
        }
    }

    /// Each character's advance at `px`, with kerning inside a run of one font.
    fn advances(&self, px: f32, text: &str) -> Vec<f32> {
        let mut prev: Option<(bool, ab_glyph::GlyphId)> = None;
        text.chars()
            .map(|c| {
                let latin = self.is_latin(c);
                let font = self.font(latin);
                let scaled = font.as_scaled(PxScale::from(px));
                let id = font.glyph_id(c);
                let kern = match prev {
                    Some((was_latin, p)) if was_latin == latin => scaled.kern(p, id),
                    _ => 0.0,
                };
                prev = Some((latin, id));
                scaled.h_advance(id) + kern
            })
            .collect()
    }

    pub fn width(&self, px: f32, text: &str) -> f32 {
        self.advances(px, text).iter().sum()
    }

    /// Draws `text` with its top at `y`; each font's glyphs sit on the CJK font's baseline.
    pub fn draw(
        &self,
        canvas: &mut RgbImage,
        color: Rgb<u8>,
        (x, y): (i32, i32),
        px: f32,
        text: &str,
    ) {
        let scale = PxScale::from(px);
        let baseline = y as f32 + self.cjk.as_scaled(scale).ascent();
        let mut pen = x as f32;
        for (latin, run) in self.runs(text) {
            let font = self.font(latin);
            let top = baseline - font.as_scaled(scale).ascent();
            draw_text_mut(
                canvas,
                color,
                pen.round() as i32,
                top.round() as i32,
                scale,
                font,
                &run,
            );
            pen += self.width(px, &run);
        }
    }

    /// `text` split into runs that one font draws.
    fn runs(&self, text: &str) -> Vec<(bool, String)> {
        let mut runs: Vec<(bool, String)> = Vec::new();
        for c in text.chars() {
            let latin = self.is_latin(c);
            match runs.last_mut() {
                Some((was_latin, run)) if *was_latin == latin => run.push(c),
                _ => runs.push((latin, c.to_string())),
            }
        }
        runs
    }

    /// The largest size from `size` down to `min` at which `text` fits `max`; at `min`
    /// the text is cut and ends with "…".
    pub fn fit(&self, text: &str, size: f32, min: f32, max: f32) -> (String, f32) {
        let mut px = size;
        while px > min && self.width(px, text) > max {
            px -= 1.0;
        }
        (self.cut(text, px, max), px)
    }

    /// `text` when it fits in `max`, else its longest prefix that fits with a trailing "…".
    pub fn cut(&self, text: &str, px: f32, max: f32) -> String {
        let widths = self.advances(px, text);
        if widths.iter().sum::<f32>() <= max {
            return text.to_string();
        }
        let room = max - self.width(px, "…");
        let mut used = 0.0;
        let kept: String = text
            .chars()
            .zip(widths)
            .take_while(|(_, w)| {
                used += w;
                used <= room
            })
            .map(|(c, _)| c)
            .collect();
        format!("{}…", kept.trim_end())
    }

    /// `text` broken into at most `max_lines` lines of `max` pixels; the last one is cut.
    pub fn wrap(&self, text: &str, px: f32, max: f32, max_lines: usize) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let widths = self.advances(px, text);
        let mut lines = Vec::new();
        let mut start = 0;
        while start < chars.len() && lines.len() < max_lines {
            if lines.len() + 1 == max_lines {
                let rest: String = chars[start..].iter().collect();
                lines.push(self.cut(rest.trim(), px, max));
                break;
            }
            let mut end = start;
            let mut used = 0.0;
            while end < chars.len() && (end == start || used + widths[end] <= max) {
                used += widths[end];
                end += 1;
            }
            // Chinese breaks anywhere; a Latin word moves whole to the next line.
            let splits_word = end < chars.len()
                && chars[end].is_ascii_alphanumeric()
                && chars[end - 1].is_ascii_alphanumeric();
            if splits_word {
                let space = chars[start..end].iter().rposition(|c| *c == ' ');
                if let Some(space) = space.filter(|&i| i > 0) {
                    end = start + space + 1;
                }
            }
            let line: String = chars[start..end].iter().collect();
            lines.push(line.trim().to_string());
            start = end;
        }
        lines
    }
}

/// One line of text: control characters and newlines become single spaces.
pub fn clean(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}
