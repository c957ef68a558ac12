//! `upload` (multipart, images only) and the company website's pictures (`website`).

use rocket::http::{ContentType, Header};
use serde_json::{json, Value};

use super::{get, post, salesperson, W};
use crate::common::{envelope, Signer, TestApp};

fn png() -> Vec<u8> {
    let mut png = Vec::new();
    image::GrayImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

fn upload(app: &TestApp, who: &Signer, bytes: &[u8]) -> Value {
    let mut body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n".to_vec();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let ct = ContentType::new("multipart", "form-data").with_params(("boundary", "XyZ"));
    envelope(
        app.client
            .post(who.uri(&format!("{W}/upload"), ""))
            .header(ct)
            .header(Header::new("Content-Length", body.len().to_string()))
            .body(body)
            .dispatch(),
    )
}

#[test]
fn an_employee_uploads_an_image_and_gets_its_url() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let image = png();
    let json = upload(&app, &boss, &image);
    assert_eq!(json["code"], 200, "{json}");
    let url = json["data"]["picture_url"].as_str().unwrap();
    assert!(
        url.starts_with("statics/uploads/") && url.ends_with(".png"),
        "relative, as the seeds: {url}"
    );
    let served = app.client.get(format!("/{url}")).dispatch();
    assert_eq!(served.status().code, 200);
    assert_eq!(served.content_type(), Some(rocket::http::ContentType::PNG));
    assert_eq!(served.into_bytes().unwrap(), image);
}

#[test]
fn uploads_must_be_signed_real_and_small_enough() {
    let app = TestApp::with(|f| f.merge(("upload_max_bytes", 2048)));
    let boss = app.admin("boss", "合众康桥");
    let not_image = upload(&app, &boss, b"<?php echo 1; ?>");
    assert_eq!(not_image["code"], 303);
    assert!(not_image["msg"].as_str().unwrap().contains("只能上传图片"));
    let too_big = upload(&app, &boss, &vec![0u8; 4096]);
    assert_eq!(too_big["code"], 303, "{too_big}");
    let stranger = Signer {
        user_id: boss.user_id,
        token: "forged".into(),
    };
    assert_eq!(upload(&app, &stranger, &png())["code"], 400);
    let not_multipart = post(&app, &boss, "upload", "file=abc");
    assert_eq!(not_multipart["code"], 303);
    assert!(
        !app.dir.path().join("files").join("uploads").exists(),
        "nothing stored"
    );
}

#[test]
fn the_website_pictures_are_stored_in_the_mini_programs_shape() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let empty = get(&app, &boss, "website", "");
    assert_eq!(empty["code"], 200);
    assert_eq!(
        empty["data"]["ret_data"],
        json!({"cover_picture": [], "content_picture": []})
    );

    let body = r#"cover_picture=["statics/a.png","statics/b.png"]&content_picture=[{"picture_url":"statics/c.png"}]"#;
    let json = post(&app, &boss, "website", body);
    assert_eq!(json["code"], 200, "{json}");
    let stored: String = app
        .db()
        .query_row("SELECT website_content FROM zl_company", [], |r| r.get(0))
        .unwrap();
    let expected = json!({
        "cover_picture": [{"picture_url": "statics/a.png"}, {"picture_url": "statics/b.png"}],
        "content_picture": [{"picture_url": "statics/c.png"}],
    });
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), expected);
    let read = get(&app, &boss, "website", "");
    assert_eq!(read["data"]["ret_data"], expected);
    assert_eq!(read["data"]["data_count"], 3);

    assert_eq!(
        post(&app, &boss, "website", r#"content_picture=[]"#)["code"],
        200
    );
    let read = get(&app, &boss, "website", "");
    assert_eq!(
        read["data"]["ret_data"]["cover_picture"], expected["cover_picture"],
        "kept"
    );
    assert_eq!(read["data"]["ret_data"]["content_picture"], json!([]));
}

#[test]
fn website_changes_need_the_website_permission_and_valid_lists() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let zhang = salesperson(&app, &boss, "zhang");
    assert_eq!(
        get(&app, &zhang, "website", "")["code"],
        200,
        "every employee reads it"
    );
    let body = r#"cover_picture=["statics/a.png"]"#;
    assert_eq!(post(&app, &zhang, "website", body)["code"], 403);
    for (bad, code) in [
        ("", 303),
        ("cover_picture=statics/a.png", 301),
        (r#"cover_picture=[1]"#, 303),
        (r#"cover_picture=[""]"#, 303),
        (r#"cover_picture={"picture_url":"a"}"#, 301),
    ] {
        assert_eq!(post(&app, &boss, "website", bad)["code"], code, "{bad}");
    }
    let many: Vec<String> = (0..21).map(|i| format!("\"p{i}.png\"")).collect();
    let too_many = format!("cover_picture=[{}]", many.join(","));
    assert_eq!(post(&app, &boss, "website", &too_many)["code"], 303);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_company WHERE website_content = '{}'"),
        1
    );
}
