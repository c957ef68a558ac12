//! The media store: QR codes that decode, uploads that must be real images.

use leida::media;

fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

#[test]
fn a_qr_code_decodes_back_to_its_content_and_is_drawn_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = "http://127.0.0.1:8000/mp/mingpian?uid=7&source=1";
    let rel = media::save_qr(dir.path(), url).unwrap();
    assert!(rel.starts_with("qr/") && rel.ends_with(".png"));
    let png = std::fs::read(dir.path().join(&rel)).unwrap();
    assert_eq!(decode_qr(&png), url);

    let modified = std::fs::metadata(dir.path().join(&rel))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(media::save_qr(dir.path(), url).unwrap(), rel);
    let again = std::fs::metadata(dir.path().join(&rel))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(modified, again, "an existing QR code is reused");
    assert_ne!(media::save_qr(dir.path(), "other").unwrap(), rel);
}

#[test]
fn only_real_images_within_the_limit_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut png = Vec::new();
    image::GrayImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();

    let rel = media::save_image(dir.path(), &png, 1024 * 1024, 1 << 24).unwrap();
    assert!(
        rel.starts_with("uploads/") && rel.ends_with(".png"),
        "{rel}"
    );
    assert_eq!(std::fs::read(dir.path().join(&rel)).unwrap(), png);

    let refused = media::save_image(dir.path(), b"<?php echo 1; ?>", 1024, 1 << 24).unwrap_err();
    assert_eq!(refused.code.number(), 303);
    assert!(refused.msg.contains("只能上传图片"));

    let mut truncated = png.clone();
    truncated.truncate(png.len() / 2);
    assert!(
        media::save_image(dir.path(), &truncated, 1024, 1 << 24).is_err(),
        "a broken PNG"
    );

    let too_big = media::save_image(dir.path(), &png, 10, 1 << 24).unwrap_err();
    assert!(too_big.msg.contains("文件过大"));
    let stored = walk(dir.path());
    assert_eq!(stored, 1, "only the good image was written");
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() {
                walk(&path)
            } else {
                1
            }
        })
        .sum()
}
