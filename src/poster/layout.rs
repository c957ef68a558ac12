//! The poster's drawing, after the original's 604×851 layout (notes/original-zhugeleida.md):
//! the avatar on top, then the name, position, phone and signature beside the QR code, and
//! the company along the bottom.

use std::io::Cursor;

use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::imageops::{self, FilterType as Resize};
use image::{GrayImage, ImageEncoder, Rgb, RgbImage};
use imageproc::drawing::draw_filled_rect_mut;
use imageproc::rect::Rect;

use super::text::{clean, fonts, Fonts};
use super::PosterCard;
use crate::error::{ApiError, ApiResult};

pub const WIDTH: u32 = 604;
pub const HEIGHT: u32 = 851;

const AVATAR: (i32, i32, u32, u32) = (62, 30, 480, 482);
/// Drawn 480×482: a larger source only costs memory (files stored before uploads were
/// checked may be bombs), so beyond the upload default it becomes the placeholder.
const AVATAR_MAX_PIXELS: u64 = 4096 * 4096;
/// The row under the avatar: text on the left, the QR code on the right.
const ROW_TOP: i32 = 30 + 482 + 73;
const LEFT_X: i32 = 62;
const LEFT_WIDTH: u32 = 310;
const QR: (i32, u32) = (392, 150);
const CAPTION: &str = "微信扫码或长按识别";
const DIVIDER_Y: i32 = 785;
const COMPANY_Y: i32 = 805;

const WHITE: Rgb<u8> = Rgb([255, 255, 255]);
const INK: Rgb<u8> = Rgb([26, 26, 26]);
const GREY: Rgb<u8> = Rgb([85, 85, 85]);
const LIGHT: Rgb<u8> = Rgb([136, 136, 136]);
const LINE: Rgb<u8> = Rgb([229, 229, 229]);
const PLACEHOLDER: Rgb<u8> = Rgb([238, 238, 238]);

/// The poster of `card` as PNG bytes.
pub fn render(card: &PosterCard) -> ApiResult<Vec<u8>> {
    let fonts = fonts()?;
    let mut canvas = RgbImage::from_pixel(WIDTH, HEIGHT, WHITE);
    draw_avatar(&mut canvas, &card.avatar);
    draw_details(&mut canvas, fonts, card);
    draw_qr(&mut canvas, fonts, &card.qr_content)?;
    draw_company(&mut canvas, fonts, &card.company);
    encode(&canvas)
}

fn draw_avatar(canvas: &mut RgbImage, bytes: &[u8]) {
    let (x, y, w, h) = AVATAR;
    let avatar = match crate::media::decode_image(bytes, AVATAR_MAX_PIXELS) {
        Ok((avatar, _)) => avatar,
        Err(e) => {
            log::warn!("poster: avatar does not decode ({e}), drawing a placeholder");
            draw_filled_rect_mut(canvas, Rect::at(x, y).of_size(w, h), PLACEHOLDER);
            return;
        }
    };
    // Fill the frame (centre crop), then lay it on white so transparent PNGs look right.
    let avatar = avatar.resize_to_fill(w, h, Resize::Triangle).to_rgba8();
    for (ax, ay, px) in avatar.enumerate_pixels() {
        let [r, g, b, a] = px.0;
        let alpha = u16::from(a);
        let over = |c: u8| ((u16::from(c) * alpha + 255 * (255 - alpha)) / 255) as u8;
        canvas.put_pixel(
            x as u32 + ax,
            y as u32 + ay,
            Rgb([over(r), over(g), over(b)]),
        );
    }
}

/// Name, position, phone and signature, stacked in the left column (empty ones skipped).
fn draw_details(canvas: &mut RgbImage, fonts: &Fonts, card: &PosterCard) {
    let max = LEFT_WIDTH as f32;
    let mut y = ROW_TOP;
    let lines = [
        (card.name.as_str(), 32.0, 22.0, INK, 14),
        (card.position.as_str(), 26.0, 18.0, GREY, 10),
        (card.phone.as_str(), 26.0, 18.0, GREY, 14),
    ];
    for (text, size, min, color, gap) in lines {
        let text = clean(text);
        if text.is_empty() {
            continue;
        }
        let (text, px) = fonts.fit(&text, size, min, max);
        fonts.draw(canvas, color, (LEFT_X, y), px, &text);
        y += px as i32 + gap;
    }
    for line in fonts.wrap(&clean(&card.signature), 20.0, max, 2) {
        fonts.draw(canvas, LIGHT, (LEFT_X, y), 20.0, &line);
        y += 28;
    }
}

fn draw_qr(canvas: &mut RgbImage, fonts: &Fonts, content: &str) -> ApiResult<()> {
    let (x, size) = QR;
    let qr = sharp_qr(&crate::media::qr_image(content)?, size);
    // Centred in its box; the white canvas around it is the quiet zone.
    let offset = (size - qr.width()) / 2;
    for (qx, qy, px) in qr.enumerate_pixels() {
        let v = px.0[0];
        canvas.put_pixel(
            x as u32 + offset + qx,
            ROW_TOP as u32 + offset + qy,
            Rgb([v, v, v]),
        );
    }
    let caption_x = x + size as i32 / 2 - fonts.width(18.0, CAPTION) as i32 / 2;
    let caption_y = ROW_TOP + size as i32 + 10;
    fonts.draw(canvas, LIGHT, (caption_x, caption_y), 18.0, CAPTION);
    Ok(())
}

/// The code without its quiet zone, scaled to a whole number of pixels per module that
/// fits `size`, so every module stays a crisp square.
fn sharp_qr(qr: &GrayImage, size: u32) -> GrayImage {
    let dark = |x: u32, y: u32| qr.get_pixel(x, y).0[0] < 128;
    let Some((left, top)) = (0..qr.height())
        .flat_map(|y| (0..qr.width()).map(move |x| (x, y)))
        .find(|&(x, y)| dark(x, y))
    else {
        return imageops::resize(qr, size, size, Resize::Nearest);
    };
    // The top-left finder pattern starts with a dark run of 7 modules.
    let run = (left..qr.width()).take_while(|&x| dark(x, top)).count() as u32;
    let module = (run / 7).max(1);
    let code = qr.width().saturating_sub(2 * left);
    let modules = (code / module).max(1);
    if modules > size {
        return imageops::resize(qr, size, size, Resize::Nearest);
    }
    let scale = (size / modules).max(1);
    let trimmed = imageops::crop_imm(qr, left, top, code, code).to_image();
    imageops::resize(&trimmed, modules * scale, modules * scale, Resize::Nearest)
}

fn draw_company(canvas: &mut RgbImage, fonts: &Fonts, company: &str) {
    let (x, _, w, _) = AVATAR;
    draw_filled_rect_mut(canvas, Rect::at(x, DIVIDER_Y).of_size(w, 1), LINE);
    let company = clean(company);
    if company.is_empty() {
        return;
    }
    let (text, px) = fonts.fit(&company, 24.0, 18.0, w as f32);
    let tx = (WIDTH as f32 - fonts.width(px, &text)) as i32 / 2;
    fonts.draw(canvas, GREY, (tx, COMPANY_Y), px, &text);
}

/// PNG with fast compression: about 10× cheaper than the default level for this
/// flat-colour image, at a somewhat larger file (notes/perf-baseline.md §3).
fn encode(canvas: &RgbImage) -> ApiResult<Vec<u8>> {
    let mut png = Cursor::new(Vec::new());
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
        .write_image(
            canvas.as_raw(),
            canvas.width(),
            canvas.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(ApiError::internal)?;
    Ok(png.into_inner())
}
