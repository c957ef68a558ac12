//! Decompression bombs: refused by their header, in every app.

use rocket::http::{ContentType, Header};
use serde_json::{json, Value};

use crate::common::TestApp;

/// A PNG of `side`×`side` black pixels: a few KB that decode to `side`² bytes.
fn bomb_png(side: u32) -> Vec<u8> {
    let mut png = Vec::new();
    image::GrayImage::new(side, side)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    png
}

fn multipart_upload(app: &TestApp, uri: &str, file: &[u8], bearer: Option<&str>) -> Value {
    let boundary = "bombboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = app
        .client
        .post(uri.to_string())
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", boundary)))
        .body(body);
    if let Some(token) = bearer {
        req = req.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    req.dispatch().into_json().expect("JSON")
}

#[test]
fn an_image_beyond_image_max_pixels_is_refused_before_decoding_in_every_app() {
    let app = TestApp::with(|f| f.merge(("image_max_pixels", 1_000_000)));
    let bomb = bomb_png(5000);
    assert!(
        bomb.len() < 200_000,
        "small on the wire: {} bytes",
        bomb.len()
    );
    let boss = app.admin("boss", "合众康桥");
    app.db()
        .execute(
            "INSERT INTO sm_user (openid, phone, level, create_date)
             VALUES ('bomb-user', '13800000009', 1, 'now')",
            [],
        )
        .expect("a bound design user");
    let repair = app.post_json(
        "/api/user",
        &json!({"action": "register", "code": "bomber"}),
    );
    let token = repair["data"]["token"].as_str().expect("repair token");
    let answers = [
        (
            multipart_upload(
                &app,
                &boss.uri("/zhugeleida/qiyeweixin/upload", ""),
                &bomb,
                None,
            ),
            303,
        ),
        (
            multipart_upload(&app, "/small/imgupload?openid=bomb-user", &bomb, None),
            303,
        ),
        (
            multipart_upload(&app, "/api/process/upload", &bomb, Some(token)),
            303,
        ),
    ];
    for (answer, code) in &answers {
        assert_eq!(answer["code"], *code, "{answer}");
        let msg = answer["msg"].as_str().unwrap();
        assert!(
            msg.contains("图片尺寸过大") && msg.contains("5000×5000"),
            "{msg}"
        );
    }
    assert!(
        !app.dir.path().join("files").join("uploads").exists(),
        "nothing stored"
    );
    let small = multipart_upload(&app, "/api/process/upload", &bomb_png(900), Some(token));
    assert_eq!(small["code"], 0, "within the limit: {small}");
}

#[test]
fn decode_image_refuses_by_the_header_and_keeps_the_format() {
    let refused = leida::media::decode_image(&bomb_png(3000), 1_000_000).unwrap_err();
    assert_eq!(refused.code.number(), 303);
    assert!(refused.msg.contains("3000×3000"), "{}", refused.msg);
    let (image, format) = leida::media::decode_image(&bomb_png(1000), 1_000_000).unwrap();
    assert_eq!((image.width(), image.height()), (1000, 1000));
    assert_eq!(format, image::ImageFormat::Png);
}
