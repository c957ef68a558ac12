//! The repair workflow (`/api/process/instance`): create, list, view, and every transition
//! allowed and refused, recorded with actor and time; assignees notified by template message.

use std::time::{Duration, Instant};

use rocket::http::{ContentType, Header};
use serde_json::{json, Value};

use crate::common::{envelope, FakeServer, TestApp};
use crate::repair_user::{app, get, post, register, wechat, with_role};

/// An admin, two repairers and two applicants, each with a token.
struct Site {
    fake: FakeServer,
    app: TestApp,
    admin: String,
    fixer: String,
    fixer_id: i64,
    other_fixer: String,
    alice: String,
    bob: String,
}

fn site() -> Site {
    let fake = wechat();
    let app = app(&fake);
    let (admin_id, admin) = register(&app, "admin", json!({"name": "管理员"}));
    app.promote("repair", &admin_id.to_string(), "admin");
    let (fixer_id, fixer) = with_role(&app, &admin, "fixer", "repair");
    let (_, other_fixer) = with_role(&app, &admin, "fixer2", "repair");
    let (_, alice) = register(&app, "alice", json!({"name": "Alice"}));
    let (_, bob) = register(&app, "bob", json!({"name": "Bob"}));
    Site {
        fake,
        app,
        admin,
        fixer,
        fixer_id,
        other_fixer,
        alice,
        bob,
    }
}

impl Site {
    fn act(&self, token: &str, body: Value) -> Value {
        post(&self.app, "/api/process/instance", Some(token), &body)
    }

    fn create(&self, token: &str, title: &str) -> i64 {
        let json = self.act(
            token,
            json!({"action": "create", "process_name": "repair_apply",
                   "form": {"title": title, "content": "漏水", "address": "3-201", "phone": "13800000001"}}),
        );
        assert_eq!(json["code"], 0, "{json}");
        json["data"]["id"].as_i64().unwrap()
    }

    /// `action` on request `id` with extra fields; answers the envelope.
    fn on(&self, token: &str, id: i64, action: &str, extra: Value) -> Value {
        let mut body = json!({"action": action, "id": id});
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                body[k] = v;
            }
        }
        self.act(token, body)
    }

    fn status(&self, id: i64) -> String {
        self.app
            .db()
            .query_row("SELECT status FROM rp_request WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    }

    fn assign(&self, id: i64) {
        let json = self.on(
            &self.admin,
            id,
            "assign",
            json!({"assignee_id": self.fixer_id}),
        );
        assert_eq!(json["code"], 0, "{json}");
    }
}

fn wait_for(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(8),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn create_checks_the_process_and_the_form() {
    let s = site();
    let id = s.create(&s.alice, "水管漏水");
    let view = s.on(&s.alice, id, "view", json!({}));
    assert_eq!(view["data"]["status"], "pending", "{view}");
    assert_eq!(view["data"]["form"]["address"], "3-201");
    assert_eq!(view["data"]["events"][0]["action"], "create");

    let create = |form: Value, process: &str| {
        s.act(
            &s.alice,
            json!({"action": "create", "process_name": process, "form": form}),
        )["code"]
            .clone()
    };
    assert_eq!(
        create(json!({"content": "only content"}), "repair_apply"),
        0
    );
    assert_eq!(
        create(json!({"address": "x"}), "repair_apply"),
        303,
        "title or content"
    );
    assert_eq!(create(json!({"title": "t"}), "leave_apply"), 303);
    assert_eq!(create(json!("text"), "repair_apply"), 301);
    assert_eq!(create(json!({"title": ["t"]}), "repair_apply"), 301);
    let foreign = json!({"title": "t", "images": ["http://evil.example/x.png"]});
    assert_eq!(create(foreign, "repair_apply"), 303);
    let ours =
        json!({"title": "t", "images": ["http://127.0.0.1:8000/statics/uploads/202611/a.png"]});
    assert_eq!(create(ours, "repair_apply"), 0);
    let no_token = post(
        &s.app,
        "/api/process/instance",
        None,
        &json!({"action": "create"}),
    );
    assert_eq!(no_token["code"], 400);
    assert_eq!(s.act(&s.alice, json!({"action": "fly"}))["code"], 303);
    assert_eq!(s.app.count("SELECT COUNT(*) FROM rp_request"), 3);
}

#[test]
fn the_whole_way_assign_accept_finish_confirm_with_a_notice_to_the_assignee() {
    let s = site();
    let stored = post(
        &s.app,
        "/api/user",
        Some(&s.fixer),
        &json!({"action": "form_id", "form_id": "FIX-1"}),
    );
    assert_eq!(stored["code"], 0);
    let id = s.create(&s.alice, "灯坏了");
    s.assign(id);
    assert_eq!(s.status(id), "assigned");
    let sent = || s.fake.calls("/cgi-bin/message/wxopen/template/send");
    wait_for("the assignee's notice", || sent().len() == 1);
    let body: Value = serde_json::from_str(&sent()[0].body).unwrap();
    assert_eq!(body["touser"], "o-fixer");
    assert_eq!(body["form_id"], "FIX-1");
    assert_eq!(body["template_id"], "TPL-REPAIR");
    assert_eq!(body["data"]["keyword1"]["value"], "灯坏了");

    assert_eq!(
        s.on(&s.fixer, id, "accept", json!({}))["data"]["status"],
        "processing"
    );
    let finished = s.on(&s.fixer, id, "finish", json!({"note": "换了灯泡"}));
    assert_eq!(finished["data"]["status"], "finished", "{finished}");
    let closed = s.on(&s.alice, id, "confirm", json!({}));
    assert_eq!(closed["data"]["status"], "closed");
    let events = closed["data"]["events"].as_array().unwrap();
    let trail: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["to_status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        trail,
        [
            ("create", "pending"),
            ("assign", "assigned"),
            ("accept", "processing"),
            ("finish", "finished"),
            ("confirm", "closed")
        ]
    );
    assert_eq!(events[2]["actor_id"], s.fixer_id);
    assert_eq!(events[3]["note"], "换了灯泡");
    assert!(events
        .iter()
        .all(|e| e["create_date"].as_str().unwrap().len() == 23));
}

#[test]
fn assign_is_for_admins_and_only_to_repairers() {
    let s = site();
    let id = s.create(&s.alice, "门锁");
    let by_fixer = s.on(&s.fixer, id, "assign", json!({"assignee_id": s.fixer_id}));
    assert_eq!(by_fixer["code"], 403, "{by_fixer}");
    assert_eq!(
        s.on(&s.alice, id, "assign", json!({"assignee_id": s.fixer_id}))["code"],
        403
    );
    let alice_id = get(&s.app, "/api/user", Some(&s.alice))["data"]["id"].clone();
    assert_eq!(
        s.on(&s.admin, id, "assign", json!({"assignee_id": alice_id}))["code"],
        303
    );
    assert_eq!(
        s.on(&s.admin, id, "assign", json!({"assignee_id": 999}))["code"],
        302
    );
    assert_eq!(s.on(&s.admin, id, "assign", json!({}))["code"], 303);
    assert_eq!(s.status(id), "pending");
    s.assign(id);
    s.on(&s.fixer, id, "accept", json!({}));
    let reassign = s.on(&s.admin, id, "assign", json!({"assignee_id": s.fixer_id}));
    assert_eq!(
        reassign["data"]["status"], "assigned",
        "admins may reassign a stuck request"
    );
    s.on(&s.fixer, id, "accept", json!({}));
    s.on(&s.fixer, id, "finish", json!({"note": "ok"}));
    let late = s.on(&s.admin, id, "assign", json!({"assignee_id": s.fixer_id}));
    assert_eq!(late["code"], 409);
    assert!(late["msg"].as_str().unwrap().contains("待确认"), "{late}");
    // No formId and none sent.
    assert_eq!(s.app.count("SELECT COUNT(*) FROM outbox"), 0);
}

#[test]
fn accept_and_finish_are_for_the_assignee_in_order() {
    let s = site();
    let id = s.create(&s.alice, "空调");
    assert_eq!(
        s.on(&s.fixer, id, "accept", json!({}))["code"],
        403,
        "not yet assigned to them"
    );
    s.assign(id);
    assert_eq!(s.on(&s.other_fixer, id, "accept", json!({}))["code"], 403);
    assert_eq!(s.on(&s.admin, id, "accept", json!({}))["code"], 403);
    assert_eq!(
        s.on(&s.fixer, id, "finish", json!({"note": "x"}))["code"],
        409
    );
    assert_eq!(s.on(&s.fixer, id, "accept", json!({}))["code"], 0);
    assert_eq!(
        s.on(&s.fixer, id, "accept", json!({}))["code"],
        409,
        "twice"
    );
    assert_eq!(
        s.on(&s.fixer, id, "finish", json!({}))["code"],
        303,
        "a note is required"
    );
    assert_eq!(
        s.on(&s.other_fixer, id, "finish", json!({"note": "x"}))["code"],
        403
    );
    assert_eq!(
        s.on(&s.fixer, id, "finish", json!({"note": "修好了"}))["code"],
        0
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM rp_event"), 4);
}

#[test]
fn confirm_and_reopen_are_for_the_applicant_once_finished() {
    let s = site();
    s.app
        .db()
        .execute(
            "INSERT INTO rp_form_id (user_id, form_id, expires_at) VALUES (?1, 'A', 9999999999), (?1, 'B', 9999999999)",
            [s.fixer_id],
        )
        .unwrap();
    let id = s.create(&s.alice, "窗户");
    assert_eq!(s.on(&s.alice, id, "confirm", json!({}))["code"], 409);
    s.assign(id);
    s.on(&s.fixer, id, "accept", json!({}));
    assert_eq!(s.on(&s.alice, id, "reopen", json!({}))["code"], 409);
    s.on(&s.fixer, id, "finish", json!({"note": "done"}));
    assert_eq!(s.on(&s.fixer, id, "confirm", json!({}))["code"], 403);
    assert_eq!(s.on(&s.admin, id, "confirm", json!({}))["code"], 403);
    let reopened = s.on(&s.alice, id, "reopen", json!({"note": "还是漏"}));
    assert_eq!(reopened["data"]["status"], "assigned", "{reopened}");
    assert_eq!(
        reopened["data"]["assignee_id"], s.fixer_id,
        "back to the same repairer"
    );
    let sent = || s.fake.calls("/cgi-bin/message/wxopen/template/send");
    wait_for(
        "a notice for the assignment and one for the reopening",
        || sent().len() == 2,
    );
    s.on(&s.fixer, id, "accept", json!({}));
    s.on(&s.fixer, id, "finish", json!({"note": "again"}));
    assert_eq!(
        s.on(&s.bob, id, "confirm", json!({}))["code"],
        403,
        "strangers may not even see it"
    );
    assert_eq!(
        s.on(&s.alice, id, "confirm", json!({}))["data"]["status"],
        "closed"
    );
    assert_eq!(s.on(&s.alice, id, "reopen", json!({}))["code"], 409);
    assert_eq!(s.on(&s.alice, id, "cancel", json!({}))["code"], 409);
}

#[test]
fn cancel_by_the_applicant_before_work_starts_or_by_an_admin() {
    let s = site();
    let pending = s.create(&s.alice, "a");
    assert_eq!(
        s.on(&s.alice, pending, "cancel", json!({}))["data"]["status"],
        "cancelled"
    );
    assert_eq!(
        s.on(&s.alice, pending, "cancel", json!({}))["code"],
        409,
        "twice"
    );
    assert_eq!(
        s.on(
            &s.admin,
            pending,
            "assign",
            json!({"assignee_id": s.fixer_id})
        )["code"],
        409
    );

    let assigned = s.create(&s.alice, "b");
    s.assign(assigned);
    assert_eq!(s.on(&s.fixer, assigned, "cancel", json!({}))["code"], 403);
    assert_eq!(
        s.on(&s.alice, assigned, "cancel", json!({"note": "不用了"}))["code"],
        0
    );

    let working = s.create(&s.alice, "c");
    s.assign(working);
    s.on(&s.fixer, working, "accept", json!({}));
    assert_eq!(s.on(&s.alice, working, "cancel", json!({}))["code"], 409);
    assert_eq!(
        s.on(&s.admin, working, "cancel", json!({}))["data"]["status"],
        "cancelled"
    );
}

#[test]
fn comments_by_the_parties_keep_the_state() {
    let s = site();
    let id = s.create(&s.alice, "电梯");
    s.assign(id);
    let comment = |token: &str, note: &str| s.on(token, id, "comment", json!({"content": note}));
    assert_eq!(
        comment(&s.alice, "什么时候来?")["data"]["status"],
        "assigned"
    );
    assert_eq!(comment(&s.fixer, "下午")["code"], 0);
    assert_eq!(comment(&s.admin, "尽快")["code"], 0);
    assert_eq!(comment(&s.bob, "?")["code"], 403);
    assert_eq!(comment(&s.other_fixer, "?")["code"], 403);
    assert_eq!(comment(&s.alice, "")["code"], 303);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM rp_event WHERE action = 'comment'"),
        3
    );
    assert_eq!(
        s.on(&s.alice, 999, "comment", json!({"note": "x"}))["code"],
        302
    );
    assert_eq!(
        s.act(&s.alice, json!({"action": "comment", "note": "x"}))["code"],
        303
    );
}

#[test]
fn list_and_view_show_each_role_its_share() {
    let s = site();
    let a1 = s.create(&s.alice, "a1");
    s.create(&s.alice, "a2");
    let b1 = s.create(&s.bob, "b1");
    s.assign(b1);
    let list = |token: &str, extra: Value| {
        let mut body = json!({"action": "list"});
        if let Value::Object(extra) = extra {
            for (k, v) in extra {
                body[k] = v;
            }
        }
        s.act(token, body)["data"].clone()
    };
    assert_eq!(list(&s.alice, json!({}))["data_count"], 2);
    assert_eq!(list(&s.bob, json!({}))["data_count"], 1);
    assert_eq!(list(&s.fixer, json!({}))["data_count"], 1);
    assert_eq!(list(&s.fixer, json!({}))["list"][0]["id"], b1);
    assert_eq!(list(&s.other_fixer, json!({}))["data_count"], 0);
    assert_eq!(list(&s.admin, json!({}))["data_count"], 3);
    assert_eq!(
        list(&s.admin, json!({"status": "assigned"}))["data_count"],
        1
    );
    let page = list(&s.admin, json!({"length": 2, "current_page": 2}));
    assert_eq!(page["list"].as_array().unwrap().len(), 1);
    assert_eq!(page["list"][0]["id"], a1, "newest first");
    let bad = s.act(&s.admin, json!({"action": "list", "status": "lost"}));
    assert_eq!(bad["code"], 303);

    let get_list = get(
        &s.app,
        "/api/process/instance?status=pending",
        Some(&s.alice),
    );
    assert_eq!(get_list["data"]["data_count"], 2, "{get_list}");
    let get_view = get(
        &s.app,
        &format!("/auth/process/instance?action=view&id={b1}"),
        Some(&s.fixer),
    );
    assert_eq!(get_view["data"]["form"]["title"], "b1");
    assert_eq!(s.on(&s.bob, a1, "view", json!({}))["code"], 403);
    assert_eq!(s.on(&s.fixer, a1, "view", json!({}))["code"], 403);
    assert_eq!(s.on(&s.admin, a1, "view", json!({}))["code"], 0);
    assert_eq!(s.on(&s.admin, 999, "view", json!({}))["code"], 302);
    assert_eq!(get(&s.app, "/api/process/instance", None)["code"], 400);
    assert_eq!(get(&s.app, "/api/process/nothing", None)["code"], 404);
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(3, 3, image::Rgb([10, 200, 10]));
    let mut out = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut out),
        image::ImageFormat::Jpeg,
    )
    .unwrap();
    out
}

fn upload(app: &TestApp, token: Option<&str>, file: &[u8]) -> Value {
    let boundary = "repairboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = app
        .client
        .post("/api/process/upload")
        .header(ContentType::new("multipart", "form-data").with_params(("boundary", boundary)))
        .body(body);
    if let Some(token) = token {
        req = req.header(Header::new("Authorization", format!("Bearer {token}")));
    }
    envelope(req.dispatch())
}

#[test]
fn pictures_are_uploaded_then_named_in_the_form() {
    let s = site();
    let json = upload(&s.app, Some(&s.alice), &png());
    assert_eq!(json["code"], 0, "{json}");
    let url = json["data"]["url"].as_str().unwrap().to_string();
    assert!(url.ends_with(".jpg"), "{url}");
    let created = s.act(
        &s.alice,
        json!({"action": "create", "process_name": "repair_apply",
               "form": {"title": "墙裂了", "images": [url]}}),
    );
    assert_eq!(created["data"]["form"]["images"][0], url.as_str());
    assert_eq!(
        upload(&s.app, Some(&s.alice), b"GIF89a not really")["code"],
        303
    );
    assert_eq!(upload(&s.app, None, &png())["code"], 400);
}

#[test]
fn the_demo_site_signs_in_offline_with_the_documented_codes() {
    let app = TestApp::new();
    let db = app.client.rocket().state::<leida::db::Db>().unwrap();
    leida::demo::fill(db).unwrap();
    let login = |code: &str| {
        let json = post(&app, "/api/login", None, &json!({"code": code}));
        assert_eq!(json["code"], 0, "{json}");
        json["data"]["token"].as_str().unwrap().to_string()
    };
    let admin = login("repair-admin");
    let all = get(&app, "/api/process/instance", Some(&admin));
    assert_eq!(all["data"]["data_count"], 6, "{all}");
    for state in [
        "pending",
        "assigned",
        "processing",
        "finished",
        "closed",
        "cancelled",
    ] {
        let one = get(
            &app,
            &format!("/api/process/instance?status={state}"),
            Some(&admin),
        );
        assert_eq!(one["data"]["data_count"], 1, "{state}");
    }
    let resident = login("repair-wu");
    let finished = get(
        &app,
        "/api/process/instance?status=finished",
        Some(&resident),
    );
    let id = finished["data"]["list"][0]["id"].as_i64().unwrap();
    let body = json!({"action": "confirm", "id": id});
    let closed = post(&app, "/api/process/instance", Some(&resident), &body);
    assert_eq!(closed["data"]["status"], "closed", "{closed}");
}
