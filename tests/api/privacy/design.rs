//! The design app (`/small/`): `exportAccount` and `deleteAccount`, by `openid`.

use rocket::http::ContentType;
use serde_json::{json, Value};

use super::{audit, dev_openid, holders};
use crate::common::{envelope, urlencode, TestApp};

const NICK: &str = "阿丽思";
const PHONE: &str = "13800001111";
const TITLE: &str = "阿丽思家的客厅";

fn sign_in(app: &TestApp, code: &str) -> String {
    let json = app.post_form("/small/getUserInfo", &format!("code={code}&iv=aXY="));
    assert_eq!(json["code"], 200, "{json}");
    json["data"]["openid"].as_str().unwrap().to_string()
}

fn customer(app: &TestApp, code: &str, phone: &str) -> String {
    let openid = sign_in(app, code);
    let json = app.post_form("/small/register", &format!("openid={openid}&phone={phone}"));
    assert_eq!(json["code"], 200, "{json}");
    openid
}

fn upload(app: &TestApp, openid: &str) -> String {
    let mut png = Vec::new();
    image::GrayImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let boundary = "privacy-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"openid\"\r\n\r\n{openid}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(png);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = ContentType::new("multipart", "form-data").with_params(("boundary", boundary));
    let json = envelope(
        app.client
            .post("/small/imgupload")
            .header(ct)
            .body(body)
            .dispatch(),
    );
    assert_eq!(json["code"], 200, "{json}");
    json["data"]["path"].as_str().unwrap().to_string()
}

struct Scene {
    app: TestApp,
    alice: String,
    bob: String,
    service: String,
    photo: String,
}

/// Alice (a customer with a profile, a form, a message with a photo and a formId), Bob (a
/// customer with a form) and customer service.
fn scene() -> Scene {
    let app = TestApp::new();
    let alice = customer(&app, "alice", PHONE);
    let bob = customer(&app, "bob", "13800002222");
    let service = customer(&app, "service", "13800003333");
    app.promote("design", &service, "service");
    app.db()
        .execute(
            "UPDATE sm_user SET nickname = ?1, avatar = 'https://wx.qlogo.cn/alice' WHERE openid = ?2",
            [NICK, alice.as_str()],
        )
        .unwrap();
    for (who, title) in [(&alice, TITLE), (&bob, "bob-room")] {
        let body = format!(
            "openid={who}&title={}&content=three rooms",
            urlencode(title)
        );
        assert_eq!(app.post_form("/small/store", &body)["code"], 200);
    }
    let room = app.count(&format!("SELECT id FROM sm_form WHERE title = '{TITLE}'"));
    let photo = upload(&app, &alice);
    let said = format!("看这张 statics/{photo}");
    let body = format!("openid={alice}&room_id={room}&content={}", urlencode(&said));
    assert_eq!(app.post_form("/small/sendMessage", &body)["code"], 200);
    let body = format!("openid={alice}&formid=form-alice-0001");
    assert_eq!(app.post_form("/small/formId", &body)["code"], 200);
    Scene {
        app,
        alice,
        bob,
        service,
        photo,
    }
}

impl Scene {
    fn export(&self, openid: &str) -> Value {
        self.app
            .post_form("/small/exportAccount", &format!("openid={openid}"))
    }

    fn delete(&self, openid: &str) -> Value {
        self.app
            .post_form("/small/deleteAccount", &format!("openid={openid}"))
    }

    fn staff_sees(&self) -> Vec<String> {
        let json = self
            .app
            .post_form("/small/show", &format!("openid={}", self.service));
        json["data"]["ret_data"]
            .as_array()
            .unwrap_or_else(|| panic!("{json}"))
            .iter()
            .map(|f| f["title"].as_str().unwrap().to_string())
            .collect()
    }
}

#[test]
fn export_answers_the_callers_data_and_nobody_elses() {
    let s = scene();
    let json = s.export(&s.alice);
    assert_eq!(json["code"], 200, "{json}");
    let data = &json["data"];
    assert_eq!(data["profile"]["nickname"], NICK);
    assert_eq!(data["profile"]["phone"], PHONE);
    assert!(data["profile"].get("session_key").is_none());
    assert_eq!(data["forms"][0]["title"], TITLE);
    assert_eq!(data["forms"].as_array().unwrap().len(), 1);
    assert!(data["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains(&s.photo));
    assert_eq!(data["form_ids"][0]["form_id"], "form-alice-0001");
    assert!(!json.to_string().contains("bob-room") && !json.to_string().contains(&s.bob));
    assert_eq!(audit(&s.app.db(), "design", 1), ["export"]);
}

#[test]
fn deletion_leaves_nothing_of_the_person_nor_their_photo() {
    let s = scene();
    assert!(s.staff_sees().contains(&TITLE.to_string()));
    let file = s.app.dir.path().join("files").join(&s.photo);
    assert!(file.is_file());

    let json = s.delete(&s.alice);
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["files_removed"], 1);
    assert!(!file.exists(), "the photo they sent is deleted");
    let conn = s.app.db();
    for needle in [
        NICK,
        PHONE,
        TITLE,
        s.alice.as_str(),
        "form-alice-0001",
        "wx.qlogo.cn/alice",
    ] {
        assert_eq!(holders(&conn, needle), Vec::<String>::new(), "{needle}");
    }
    assert_eq!(
        s.staff_sees(),
        ["bob-room"],
        "their form is gone, Bob's stays"
    );
    assert_eq!(audit(&conn, "design", 1), ["delete"]);
    let left: (String, i64) = conn
        .query_row(
            "SELECT nickname, level FROM sm_user WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(left, ("已注销用户".to_string(), 0));
}

#[test]
fn a_new_sign_in_is_a_new_person_and_the_old_openid_names_nobody() {
    let s = scene();
    assert_eq!(s.delete(&s.alice)["code"], 200);
    assert_eq!(s.export(&s.alice)["code"], 302, "the openid is unknown now");
    assert_eq!(s.delete(&s.alice)["code"], 302);
    let again = sign_in(&s.app, "alice");
    assert_eq!(again, dev_openid("alice"));
    let fresh = s.export(&again);
    assert_eq!(fresh["code"], 200);
    assert_ne!(fresh["data"]["profile"]["id"], 1, "a new id");
    assert_eq!(fresh["data"]["profile"]["level"], 0);
    assert_eq!(fresh["data"]["forms"], json!([]));
}

#[test]
fn a_missing_or_unknown_openid_is_refused_and_changes_nothing() {
    let s = scene();
    assert_eq!(s.app.post_form("/small/exportAccount", "")["code"], 303);
    assert_eq!(s.app.post_form("/small/deleteAccount", "")["code"], 303);
    assert_eq!(s.delete("nobody")["code"], 302);
    assert_eq!(s.export("nobody")["code"], 302);
    assert_eq!(holders(&s.app.db(), PHONE), ["sm_user.phone"]);
    assert_eq!(s.app.count("SELECT COUNT(*) FROM privacy_audit"), 0);
}
