//! The media store: uploads, QR codes and posters under `data_dir`, served at `/statics/`.

use std::io::{Cursor, Write};
use std::path::Path;
use std::sync::OnceLock;

use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits, Luma};
use qrcode::QrCode;
use rand::Rng;
use rocket::fs::TempFile;
use rocket::tokio::io::AsyncReadExt;
use rocket::tokio::sync::{Semaphore, SemaphorePermit};
use rocket::FromForm;

use crate::config::Settings;
use crate::error::{ApiError, ApiResult, Code};

/// The folder under `data_dir` that holds uploads.
pub const UPLOAD_DIR: &str = "uploads";

/// The folder under `data_dir` that holds QR codes.
pub const QR_DIR: &str = "qr";

/// The folder under `data_dir` that holds the posters.
pub const POSTER_DIR: &str = "posters";

/// A stored media file's URL as the Zhuge Leida seeds and the original server give it:
/// `statics/<rel>`, relative, which clients prefix with their own base (issue 15).
pub fn static_path(rel: &str) -> String {
    format!("statics/{rel}")
}

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
/// relative to `data_dir`. The bytes must decode as PNG or JPEG of at most `max_pixels`
/// pixels: the name is never trusted. Blocking; handlers call [`store_upload`].
pub fn save_image(
    data_dir: &Path,
    bytes: &[u8],
    max_bytes: u64,
    max_pixels: u64,
) -> ApiResult<String> {
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(max_bytes));
    }
    let (_, format) = decode_image(bytes, max_pixels)?;
    let ext = match format {
        ImageFormat::Png => "png",
        _ => "jpg",
    };
    let month = crate::clock::now_local().format("%Y%m");
    let name: u128 = rand::rng().random();
    let rel = format!("{UPLOAD_DIR}/{month}/{name:032x}.{ext}");
    write_new(data_dir, &rel, bytes)?;
    Ok(rel)
}

/// Reads a multipart upload and stores it as an image ([`save_image`]) in one of the image
/// slots, so that only as many uploads as slots are in memory at once.
pub async fn store_upload(file: &TempFile<'_>, settings: &Settings) -> ApiResult<String> {
    let (max_bytes, max_pixels) = (settings.upload_max_bytes, settings.image_max_pixels);
    let _slot = image_slot().await?;
    let bytes = read_upload(file, max_bytes).await?;
    let data_dir = settings.data_dir.clone();
    crate::task::blocking(move || save_image(&data_dir, &bytes, max_bytes, max_pixels)).await
}

/// A PNG or JPEG decoded, refused before decoding when its header declares more than
/// `max_pixels` pixels (a 0.5 MB PNG may declare 13000×13000 and take 500 MB decoded),
/// and decoded under an allocation limit that such an image cannot pass either.
pub fn decode_image(bytes: &[u8], max_pixels: u64) -> ApiResult<(DynamicImage, ImageFormat)> {
    let not_image = || ApiError::new(Code::Invalid, "只能上传图片 (PNG 或 JPEG)");
    let format = image::guess_format(bytes).map_err(|_| not_image())?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg) {
        return Err(not_image());
    }
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| not_image())?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(ApiError::new(
            Code::Invalid,
            format!("图片尺寸过大 ({width}×{height}), 最多 {max_pixels} 像素"),
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // Eight bytes a pixel: the largest a PNG or JPEG decodes to (16-bit RGBA).
    limits.max_alloc = Some(max_pixels.saturating_mul(8));
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits);
    let image = reader.decode().map_err(|_| not_image())?;
    Ok((image, format))
}

/// One image job (decoding an upload, drawing a poster) per core at a time: a burst
/// queues here instead of holding every blocking thread and its memory at once.
pub async fn image_slot() -> ApiResult<SemaphorePermit<'static>> {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Semaphore::new(cores)
    });
    slots.acquire().await.map_err(ApiError::internal)
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
