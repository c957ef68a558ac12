//! The media store: uploads, QR codes and posters under `data_dir`, served at `/statics/`.

use std::io::Write;
use std::path::Path;

use image::{GrayImage, ImageFormat, Luma};
use qrcode::QrCode;
use rand::Rng;
use rocket::fs::TempFile;
use rocket::tokio::io::AsyncReadExt;
use rocket::FromForm;

use crate::error::{ApiError, ApiResult, Code};

/// The folder under `data_dir` that holds uploads.
pub const UPLOAD_DIR: &str = "uploads";

/// The folder under `data_dir` that holds QR codes.
pub const QR_DIR: &str = "qr";

/// A multipart upload with one `file` field (`wx.uploadFile`'s `name: 'file'`).
#[derive(FromForm)]
pub struct Upload<'r> {
    pub file: TempFile<'r>,
}

/// The uploaded bytes; more than `max_bytes` is refused before anything is stored.
pub async fn read_upload(file: &TempFile<'_>, max_bytes: u64) -> ApiResult<Vec<u8>> {
    if file.len() > max_bytes {
        return Err(too_large(max_bytes));
    }
    let mut bytes = Vec::with_capacity(file.len() as usize);
    file.open()
        .await?
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .await?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(max_bytes));
    }
    Ok(bytes)
}

fn too_large(max_bytes: u64) -> ApiError {
    ApiError::new(
        Code::Invalid,
        format!("文件过大, 最大 {} KB", max_bytes / 1024),
    )
}

/// Stores an image upload under `uploads/YYYYMM/` with a generated name; returns the path
/// relative to `data_dir`. The bytes must decode as PNG or JPEG: the name is never trusted.
pub fn save_image(data_dir: &Path, bytes: &[u8], max_bytes: u64) -> ApiResult<String> {
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(max_bytes));
    }
    let not_image = || ApiError::new(Code::Invalid, "只能上传图片 (PNG 或 JPEG)");
    let format = image::guess_format(bytes).map_err(|_| not_image())?;
    let ext = match format {
        ImageFormat::Png => "png",
        ImageFormat::Jpeg => "jpg",
        _ => return Err(not_image()),
    };
    image::load_from_memory_with_format(bytes, format).map_err(|_| not_image())?;
    let month = crate::clock::now_local().format("%Y%m");
    let name: u128 = rand::rng().random();
    let rel = format!("{UPLOAD_DIR}/{month}/{name:032x}.{ext}");
    write_new(data_dir, &rel, bytes)?;
    Ok(rel)
}

/// A QR code PNG of `content` at `qr/<md5(content)>.png`, drawn once and reused.
pub fn save_qr(data_dir: &Path, content: &str) -> ApiResult<String> {
    let rel = format!("{QR_DIR}/{:x}.png", md5::compute(content));
    if !data_dir.join(&rel).is_file() {
        let mut png = Vec::new();
        qr_image(content)?
            .write_to(&mut std::io::Cursor::new(&mut png), ImageFormat::Png)
            .map_err(ApiError::internal)?;
        write_new(data_dir, &rel, &png)?;
    }
    Ok(rel)
}

/// The QR code of `content` as a greyscale image with a quiet zone, 8 pixels a module.
pub fn qr_image(content: &str) -> ApiResult<GrayImage> {
    let code = QrCode::new(content.as_bytes())
        .map_err(|e| ApiError::new(Code::Invalid, format!("无法生成二维码: {e}")))?;
    Ok(code
        .render::<Luma<u8>>()
        .module_dimensions(8, 8)
        .quiet_zone(true)
        .build())
}

/// Writes through a temporary file and a rename, so a reader never sees half a file.
fn write_new(data_dir: &Path, rel: &str, bytes: &[u8]) -> ApiResult<()> {
    let path = data_dir.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", rand::rng().random::<u32>()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    Ok(())
}
