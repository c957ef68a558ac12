//! The repair app: `POST /api/user` with `action` `export_account` and `delete_account`.

use serde_json::{json, Value};

use super::{audit, holders};
use crate::common::{wait_for, TestApp};
use crate::repair_user::{app, post, register, wechat, with_role};

const NAME: &str = "王阿丽";
const PHONE: &str = "13811112222";
const ADDRESS: &str = "幸福小区3-201";

struct Site {
    _fake: crate::common::FakeServer,
    app: TestApp,
    admin: String,
    fixer: String,
    fixer_id: i64,
    alice: String,
    alice_id: i64,
    bob: String,
    photo: String,
}

/// Alice has a profile, a request with a photo (assigned, so a notice to the fixer names
/// her address and phone) and a formId; Bob has a request assigned to the same fixer.
fn site() -> Site {
    let fake = wechat();
    let app = app(&fake);
    let (admin_id, admin) = register(&app, "admin", json!({"name": "管理员"}));
    app.promote("repair", &admin_id.to_string(), "admin");
    let (fixer_id, fixer) = with_role(&app, &admin, "fixer", "repair");
    let (alice_id, alice) = register(
        &app,
        "alice",
        json!({"name": NAME, "phone": PHONE, "address": ADDRESS}),
    );
    let (_, bob) = register(&app, "bob", json!({"name": "Bob"}));
    let stored = post(
        &app,
        "/api/user",
        Some(&fixer),
        &json!({"action": "form_id", "form_id": "form-fixer-1"}),
    );
    assert_eq!(stored["code"], 0, "{stored}");
    let stored = post(
        &app,
        "/api/user",
        Some(&alice),
        &json!({"action": "form_id", "form_id": "form-alice-1"}),
    );
    assert_eq!(stored["code"], 0, "{stored}");
    let photo = upload(&app, &alice);
    let mut site = Site {
        _fake: fake,
        app,
        admin,
        fixer,
        fixer_id,
        alice,
        alice_id,
        bob,
        photo: String::new(),
    };
    for (who, title, images) in [
        (
            site.alice.clone(),
            format!("{NAME}家漏水"),
            json!([photo.clone()]),
        ),
        (site.bob.clone(), "Bob's roof".to_string(), json!([])),
    ] {
        let form = json!({"title": title, "address": ADDRESS, "phone": PHONE, "images": images});
        let created = site.act(
            &who,
            json!({"action": "create", "process_name": "repair_apply", "form": form}),
        );
        assert_eq!(created["code"], 0, "{created}");
        let id = created["data"]["id"].as_i64().unwrap();
        let body = json!({"action": "assign", "id": id, "assignee_id": site.fixer_id});
        assert_eq!(site.act(&site.admin.clone(), body)["code"], 0);
    }
    site.photo = photo;
    site
}

fn upload(app: &TestApp, token: &str) -> String {
    let mut png = Vec::new();
    image::GrayImage::new(4, 4)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let boundary = "privacyboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n"
    )
    .into_bytes();
    body.extend(png);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = rocket::http::ContentType::new("multipart", "form-data")
        .with_params(("boundary", boundary));
    let response = app
        .client
        .post("/api/process/upload")
        .header(ct)
        .header(rocket::http::Header::new(
            "Authorization",
            format!("Bearer {token}"),
        ))
        .body(body)
        .dispatch();
    let json = crate::common::envelope(response);
    assert_eq!(json["code"], 0, "{json}");
    json["data"]["url"].as_str().unwrap().to_string()
}

impl Site {
    fn act(&self, token: &str, body: Value) -> Value {
        post(&self.app, "/api/process/instance", Some(token), &body)
    }

    fn user(&self, token: Option<&str>, action: &str) -> Value {
        post(&self.app, "/api/user", token, &json!({"action": action}))
    }

    fn photo_file(&self) -> std::path::PathBuf {
        let rel = self.photo.split("/statics/").nth(1).unwrap();
        self.app.dir.path().join("files").join(rel)
    }
}

#[test]
fn export_answers_the_callers_data_and_nobody_elses() {
    let s = site();
    let json = s.user(Some(&s.alice), "export_account");
    assert_eq!(json["code"], 0, "{json}");
    let data = &json["data"];
    assert_eq!(data["profile"]["name"], NAME);
    assert_eq!(data["profile"]["openid"], "o-alice");
    assert!(data["profile"].get("token").is_none() && data["profile"].get("session_key").is_none());
    assert_eq!(data["requests"].as_array().unwrap().len(), 1);
    assert!(data["requests"][0]["images"]
        .as_str()
        .unwrap()
        .contains(&s.photo));
    assert_eq!(data["form_ids"][0]["form_id"], "form-alice-1");
    assert!(!json.to_string().contains("Bob"), "{json}");
    assert_eq!(audit(&s.app.db(), "repair", s.alice_id), ["export"]);
}

#[test]
fn deletion_leaves_nothing_of_the_person_their_photo_nor_the_notice_about_them() {
    let s = site();
    assert!(s.photo_file().is_file());
    // Bob's request names the same address and phone; it is Bob's and stays.
    s.app
        .db()
        .execute(
            "UPDATE rp_request SET phone = '', address = '' WHERE title = 'Bob''s roof'",
            [],
        )
        .unwrap();
    wait_for("the notices to the fixer", || {
        s.app
            .count("SELECT COUNT(*) FROM outbox WHERE instr(payload, 'TPL-REPAIR') > 0")
            >= 1
    });
    let json = s.user(Some(&s.alice), "delete_account");
    assert_eq!(json["code"], 0, "{json}");
    assert!(!s.photo_file().exists(), "the photo is deleted");

    let conn = s.app.db();
    for needle in [NAME, PHONE, ADDRESS, "o-alice", "form-alice-1"] {
        assert_eq!(holders(&conn, needle), Vec::<String>::new(), "{needle}");
    }
    assert_eq!(
        s.app.count("SELECT COUNT(*) FROM rp_request"),
        1,
        "Bob's request stays"
    );
    assert_eq!(audit(&conn, "repair", s.alice_id), ["delete"]);
    assert_eq!(
        s.user(Some(&s.alice), "export_account")["code"],
        400,
        "the token is dead"
    );
}

#[test]
fn a_deleted_repairer_shows_as_the_placeholder_and_a_new_login_is_a_new_person() {
    let s = site();
    assert_eq!(s.user(Some(&s.fixer), "delete_account")["code"], 0);
    let list = crate::repair_user::get(&s.app, "/api/user?view=list", Some(&s.admin));
    let fixer = list["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == s.fixer_id)
        .expect("the row stays")
        .clone();
    assert_eq!(fixer["name"], "已注销用户");
    assert_eq!(fixer["role"], "normal");
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM rp_request WHERE assignee_id IS NOT NULL"),
        2
    );
    assert_eq!(
        s.user(Some(&s.bob), "export_account")["data"]["requests"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let (again, token) = register(&s.app, "fixer", json!({"name": "新人"}));
    assert!(again > s.fixer_id, "a new id");
    let fresh = s.user(Some(&token), "export_account");
    assert_eq!(fresh["data"]["profile"]["role"], "normal");
    assert_eq!(fresh["data"]["assigned_requests"], json!([]));
}

#[test]
fn without_a_valid_bearer_token_nothing_happens() {
    let s = site();
    assert_eq!(s.user(None, "export_account")["code"], 400);
    assert_eq!(s.user(None, "delete_account")["code"], 400);
    assert_eq!(s.user(Some("forged-token"), "delete_account")["code"], 400);
    assert!(holders(&s.app.db(), NAME).contains(&"rp_user.name".to_string()));
    assert_eq!(s.app.count("SELECT COUNT(*) FROM privacy_audit"), 0);
}
