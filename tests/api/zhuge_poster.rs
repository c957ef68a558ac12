//! A customer asks for the card's poster: a real PNG whose QR code opens the card, drawn once
//! per card state and recorded on the pair.

use image::{GrayImage, RgbImage};
use leida::poster;
use serde_json::Value;

use crate::common::{Signer, TestApp};
use crate::poster::{inked, TEXT_AREA};

const BASE: &str = "/zhugeleida/xiaochengxu/mingpian";

struct Scene {
    app: TestApp,
    boss: Signer,
    customer: Signer,
}

/// A salesperson whose name has surnames a 3,500-character font subset lacks, and a
/// customer bound to the card.
fn scene() -> Scene {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    app.db()
        .execute(
            "UPDATE zl_employee SET memo_name = '岑晏瞿', position = '销售总监',
                 mingpian_phone = '13900001111', sign = '专业、靠谱、准时' WHERE id = ?1",
            [boss.user_id],
        )
        .unwrap();
    let customer = app.customer("c1");
    app.bind(&customer, boss.user_id);
    Scene {
        app,
        boss,
        customer,
    }
}

impl Scene {
    fn call(&self, who: &Signer, endpoint: &str, uid: &str) -> Value {
        self.app.get(&who.uri(&format!("{BASE}/{endpoint}"), uid))
    }

    fn save_poster(&self) -> Value {
        let json = self.call(
            &self.customer,
            "save_poster",
            &format!("uid={}", self.boss.user_id),
        );
        assert_eq!(json["code"], 200, "{json}");
        json
    }

    /// The file behind a relative `statics/...` URL (issue 15), fetched through the server
    /// at `/statics/...`: a PNG.
    fn fetch(&self, url: &str) -> Vec<u8> {
        assert!(url.starts_with("statics/"), "relative, as the seeds: {url}");
        let response = self.app.client.get(format!("/{url}")).dispatch();
        assert_eq!(response.status().code, 200, "{url}");
        assert_eq!(
            response.content_type(),
            Some(rocket::http::ContentType::PNG)
        );
        response.into_bytes().unwrap()
    }

    fn file(&self, url: &str) -> std::path::PathBuf {
        let rel = url.strip_prefix("statics/").expect(url);
        self.app.dir.path().join("files").join(rel)
    }

    fn card_url(&self, referrer: Option<i64>) -> String {
        let url = format!(
            "http://127.0.0.1:8000/mp/mingpian?uid={}&source=1",
            self.boss.user_id
        );
        match referrer {
            Some(pid) => format!("{url}&pid={pid}"),
            None => url,
        }
    }
}

fn decode_qr(img: GrayImage) -> Vec<String> {
    let mut prepared = rqrr::PreparedImage::prepare(img);
    prepared
        .detect_grids()
        .into_iter()
        .map(|grid| grid.decode().unwrap().1)
        .collect()
}

/// The left column under the avatar: name, position, phone, signature.
const COMPANY_AREA: (u32, u32, u32, u32) = (0, 795, 604, 50);

#[test]
fn save_poster_draws_a_png_whose_qr_opens_the_card() {
    let s = scene();
    let json = s.save_poster();
    assert_eq!(json["msg"], "请求成功");
    assert_eq!(json["data"]["user_id"], s.boss.user_id.to_string());
    let url = json["data"]["poster_url"].as_str().unwrap();
    assert!(
        url.starts_with("statics/posters/") && url.ends_with(".png"),
        "{url}"
    );

    let png = s.fetch(url);
    assert_eq!(image::guess_format(&png).unwrap(), image::ImageFormat::Png);
    let img = image::load_from_memory(&png).unwrap();
    assert_eq!((img.width(), img.height()), (poster::WIDTH, poster::HEIGHT));
    assert!(
        img.width() >= 604 && img.height() >= 851,
        "SPEC §9: portrait, at least 604×851"
    );
    assert_eq!(
        decode_qr(img.to_luma8()),
        [s.card_url(Some(s.customer.user_id))]
    );
    let rgb = img.to_rgb8();
    assert!(inked(&rgb, TEXT_AREA) > 2000, "the details are drawn");
    assert!(inked(&rgb, COMPANY_AREA) > 300, "the company is drawn");

    assert_eq!(
        s.app.count(&format!(
            "SELECT COUNT(*) FROM zl_relation WHERE poster_url = '{url}'"
        )),
        1,
        "the pair records its poster"
    );
    assert_eq!(
        s.app.count(
            "SELECT COUNT(*) FROM zl_radar WHERE action = 1 AND remark = '保存了您的名片海报'"
        ),
        1
    );
}

#[test]
fn the_same_card_reuses_its_poster_and_a_changed_card_gets_a_new_one() {
    let s = scene();
    let first = s.save_poster()["data"]["poster_url"]
        .as_str()
        .unwrap()
        .to_string();
    // Were the poster drawn again, this marker would be replaced.
    std::fs::write(s.file(&first), b"marker").unwrap();
    let again = s.save_poster()["data"]["poster_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(again, first);
    assert_eq!(std::fs::read(s.file(&first)).unwrap(), b"marker");
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_radar"), 2);

    s.app
        .db()
        .execute(
            "UPDATE zl_employee SET memo_name = '岑晏' WHERE id = ?1",
            [s.boss.user_id],
        )
        .unwrap();
    let renamed = s.save_poster()["data"]["poster_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(renamed, first);
    let img = image::load_from_memory(&s.fetch(&renamed)).unwrap();
    assert_eq!(img.width(), poster::WIDTH);
    let posters = std::fs::read_dir(s.app.dir.path().join("files/posters")).unwrap();
    assert_eq!(posters.count(), 2, "{first} and {renamed}, nothing else");
    assert_eq!(
        s.app.count(&format!(
            "SELECT COUNT(*) FROM zl_relation WHERE poster_url = '{renamed}'"
        )),
        1
    );
}

#[test]
fn a_new_avatar_makes_a_new_poster() {
    let s = scene();
    let first = s.save_poster()["data"]["poster_url"]
        .as_str()
        .unwrap()
        .to_string();
    let avatar = RgbImage::from_pixel(300, 200, image::Rgb([200, 40, 40]));
    let dir = s.app.dir.path().join("files/uploads/202611");
    std::fs::create_dir_all(&dir).unwrap();
    avatar.save(dir.join("red.png")).unwrap();
    s.app
        .db()
        .execute(
            "INSERT INTO zl_photo (user_id, photo_type, photo_url, create_date)
             VALUES (?1, 2, 'statics/uploads/202611/red.png', '2026-11-28T10:00:00.000')",
            [s.boss.user_id],
        )
        .unwrap();
    let second = s.save_poster()["data"]["poster_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(second, first);
    let img = image::load_from_memory(&s.fetch(&second))
        .unwrap()
        .to_rgb8();
    assert_eq!(
        img.get_pixel(302, 271).0,
        [200, 40, 40],
        "the avatar's centre"
    );
}

#[test]
fn create_poster_gives_the_card_and_a_qr_code_that_opens_it() {
    let s = scene();
    let uid = format!("uid={}", s.boss.user_id);
    let json = s.call(&s.customer, "create_poster", &uid);
    assert_eq!(json["code"], 200, "{json}");
    let item = &json["data"][0];
    assert_eq!(item["user_id"], s.boss.user_id);
    assert_eq!(item["username"], "岑晏瞿");
    assert_eq!(item["position"], "销售总监");
    assert_eq!(item["mingpian_phone"], "13900001111");
    assert_eq!(item["company"], "合众康桥");
    assert_eq!(item["user_avatar"], "statics/imgs/setAvator.jpg");
    let qr_url = item["qr_code_url"].as_str().unwrap();
    let qr = image::load_from_memory(&s.fetch(qr_url)).unwrap();
    assert_eq!(
        decode_qr(qr.to_luma8()),
        [s.card_url(Some(s.customer.user_id))]
    );
    assert_eq!(
        s.app.count(&format!(
            "SELECT COUNT(*) FROM zl_relation WHERE qr_code = '{qr_url}'"
        )),
        1
    );
    assert_eq!(
        s.app.count("SELECT COUNT(*) FROM zl_radar"),
        0,
        "no radar event"
    );

    s.app
        .db()
        .execute("UPDATE zl_employee SET is_show_phone = 0", [])
        .unwrap();
    let hidden = s.call(&s.customer, "create_poster", &uid);
    assert_eq!(
        hidden["data"][0]["mingpian_phone"], "",
        "a hidden phone stays hidden"
    );
}

#[test]
fn an_unbound_customer_shares_the_salespersons_own_code() {
    let s = scene();
    let stranger = s.app.customer("c2");
    let uid = format!("uid={}", s.boss.user_id);
    let json = s.call(&stranger, "create_poster", &uid);
    assert_eq!(json["code"], 200, "{json}");
    let qr = image::load_from_memory(&s.fetch(json["data"][0]["qr_code_url"].as_str().unwrap()))
        .unwrap();
    assert_eq!(decode_qr(qr.to_luma8()), [s.card_url(None)]);

    let saved = s.call(&stranger, "save_poster", &uid);
    assert_eq!(saved["code"], 200, "{saved}");
    let img =
        image::load_from_memory(&s.fetch(saved["data"]["poster_url"].as_str().unwrap())).unwrap();
    assert_eq!(decode_qr(img.to_luma8()), [s.card_url(None)]);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM zl_relation WHERE poster_url != '' OR qr_code != ''"),
        0
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_relation"), 1);
}

#[test]
fn poster_refusals_change_nothing() {
    let s = scene();
    for endpoint in ["create_poster", "save_poster"] {
        let code = |who: &Signer, uid: &str| s.call(who, endpoint, uid)["code"].clone();
        assert_eq!(code(&s.customer, "uid=999"), 302, "{endpoint} unknown card");
        assert_eq!(code(&s.customer, "uid=x"), 301, "{endpoint} uid type");
        assert_eq!(code(&s.customer, "uid=-1"), 301, "{endpoint} uid sign");
        assert_eq!(code(&s.customer, ""), 303, "{endpoint} no uid");
        let forged = Signer {
            user_id: s.customer.user_id,
            token: "not-the-token".into(),
        };
        let uid = format!("uid={}", s.boss.user_id);
        assert_eq!(code(&forged, &uid), 400, "{endpoint} bad signature");
        let unsigned = s.app.get(&format!("{BASE}/{endpoint}?{uid}"));
        assert_eq!(unsigned["code"], 400);
    }
    s.app
        .db()
        .execute("UPDATE zl_employee SET status = 2", [])
        .unwrap();
    let uid = format!("uid={}", s.boss.user_id);
    assert_eq!(s.call(&s.customer, "save_poster", &uid)["code"], 302);
    assert_eq!(s.call(&s.customer, "create_poster", &uid)["code"], 302);

    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_radar"), 0);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM zl_relation WHERE poster_url != '' OR qr_code != ''"),
        0
    );
    assert!(!s.app.dir.path().join("files/posters").exists());
}

#[test]
fn absolute_urls_stored_by_older_versions_are_answered_relative() {
    let s = scene();
    let qr = s.call(
        &s.customer,
        "create_poster",
        &format!("uid={}", s.boss.user_id),
    )["data"][0]["qr_code_url"]
        .as_str()
        .unwrap()
        .to_string();
    let poster = s.save_poster()["data"]["poster_url"]
        .as_str()
        .unwrap()
        .to_string();
    // As versions before issue 15 stored them; the avatar of another host stays as it is.
    let old = |rel: &str| format!("http://127.0.0.1:8000/{rel}");
    let elsewhere = "https://cdn.example.com/statics/uploads/a.png";
    let db = s.app.db();
    db.execute(
        "UPDATE zl_relation SET qr_code = ?1, poster_url = ?2",
        [old(&qr), old(&poster)],
    )
    .unwrap();
    db.execute(
        "UPDATE zl_employee SET qr_code = ?1, avatar = ?2 WHERE id = ?3",
        rusqlite::params![old(&qr), elsewhere, s.boss.user_id],
    )
    .unwrap();
    db.execute(
        "UPDATE zl_company SET website_content = ?1",
        [format!(
            r#"{{"cover_picture":[{{"picture_url":"{}"}}]}}"#,
            old(&poster)
        )],
    )
    .unwrap();
    drop(db);

    let Scene {
        app,
        boss,
        customer,
    } = s;
    let s = Scene {
        app: app.restart(|f| f),
        boss,
        customer,
    };
    let card = s
        .app
        .get(&s.boss.uri("/zhugeleida/qiyeweixin/mingpian", ""));
    assert_eq!(
        card["data"]["ret_data"][0]["qr_code"],
        qr.as_str(),
        "{card}"
    );
    assert_eq!(s.fetch(&qr)[..4], b"\x89PNG"[..]);
    let site = s.app.get(&s.boss.uri("/zhugeleida/qiyeweixin/website", ""));
    assert_eq!(
        site["data"]["ret_data"]["cover_picture"][0]["picture_url"],
        poster.as_str(),
        "{site}"
    );
    let stored: (String, String, String) = s
        .app
        .db()
        .query_row(
            "SELECT r.qr_code, r.poster_url, e.avatar FROM zl_relation r
             JOIN zl_employee e ON e.id = r.user_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(stored, (qr.clone(), poster.clone(), elsewhere.to_string()));
    // The pair's code is already the one answered: asking again keeps it.
    let again = s.call(
        &s.customer,
        "create_poster",
        &format!("uid={}", s.boss.user_id),
    );
    assert_eq!(again["data"][0]["qr_code_url"], qr.as_str());
}
