//! Design-firm demand forms (`/small/`, seed 000).

use base64::Engine;
use rocket::http::ContentType;
use serde_json::{json, Value};

use crate::common::{envelope, FakeServer, TestApp};

/// Signs `code` in (offline dev mode) and returns the openid.
fn sign_in(app: &TestApp, code: &str) -> String {
    let json = app.post_form("/small/getUserInfo", &format!("code={code}&iv=aXY="));
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["level"], 0);
    json["data"]["openid"].as_str().unwrap().to_string()
}

fn register(app: &TestApp, openid: &str, phone: &str) -> Value {
    app.post_form("/small/register", &format!("openid={openid}&phone={phone}"))
}

/// A signed-in user bound to `phone`; returns the openid.
fn user(app: &TestApp, code: &str, phone: &str) -> String {
    let openid = sign_in(app, code);
    let json = register(app, &openid, phone);
    assert_eq!(json["code"], 200, "{json}");
    openid
}

/// A user bound to `phone` whom the operator made manager (`leida promote`).
fn manager(app: &TestApp, code: &str, phone: &str) -> String {
    let openid = user(app, code, phone);
    app.promote("design", &openid, "manager");
    openid
}

/// A firm: a manager (promoted by the operator), a customer service, a designer and two
/// customers.
struct Firm {
    manager: String,
    service: String,
    designer: String,
    designer_id: i64,
    alice: String,
    bob: String,
}

fn firm(app: &TestApp) -> Firm {
    let manager = manager(app, "m", "13900000000");
    for (phone, level) in [("13900000003", 3), ("13900000002", 2)] {
        let json = app.post_form(
            "/small/addEmploye",
            &format!("openid={manager}&phone={phone}&level={level}&name=staff"),
        );
        assert_eq!(json["code"], 200, "{json}");
    }
    // Offline there is no WeChat to prove a phone, so the roster grants nothing (see
    // security::identity::design_phone); the operator sets the levels instead.
    let service = user(app, "s", "13900000003");
    app.promote("design", &service, "service");
    let designer = user(app, "d", "13900000002");
    app.promote("design", &designer, "designer");
    let designer_id = app.count(&format!(
        "SELECT id FROM sm_user WHERE openid = '{designer}'"
    ));
    Firm {
        manager,
        service,
        designer,
        designer_id,
        alice: user(app, "alice", "13800000001"),
        bob: user(app, "bob", "13800000002"),
    }
}

fn store(app: &TestApp, openid: &str, title: &str) -> i64 {
    let json = app.post_form(
        "/small/store",
        &format!("openid={openid}&title={title}&content=three rooms"),
    );
    assert_eq!(json["code"], 200, "{json}");
    json["data"]["id"].as_i64().unwrap()
}

fn update(app: &TestApp, openid: &str, id: i64, extra: &str) -> Value {
    app.post_form("/small/update", &format!("openid={openid}&id={id}&{extra}"))
}

/// A form moved all the way to done by the firm.
fn done_form(app: &TestApp, f: &Firm) -> i64 {
    let id = store(app, &f.alice, "kitchen");
    for (who, extra) in [
        (&f.service, format!("designer_id={}", f.designer_id)),
        (&f.designer, "status=3".to_string()),
        (&f.designer, "status=4".to_string()),
    ] {
        let json = update(app, who, id, &extra);
        assert_eq!(json["code"], 200, "{json}");
    }
    id
}

#[test]
fn get_user_info_decrypts_user_info_with_the_session_key_from_wechat() {
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 16]);
    let answer = json!({"openid": "o-real", "session_key": key}).to_string();
    let fake = FakeServer::start(move |_| (200, answer.clone()));
    let app = TestApp::with(|f| {
        f.merge(("wechat_api", fake.url.clone()))
            .merge(("wechat_appid", "wx-design"))
            .merge(("wechat_secret", "design-secret"))
    });
    let iv = base64::engine::general_purpose::STANDARD.encode([1u8; 16]);
    let info = json!({"nickName": "小明", "avatarUrl": "http://a/b.png",
                      "watermark": {"appid": "wx-design", "timestamp": 1}});
    let data = leida::wechat::crypto::encrypt(&key, &iv, &info);
    let body = json!({"code": "js-1", "iv": iv, "encryptedData": data});
    let json = app.post_json("/small/getUserInfo", &body);
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["openid"], "o-real");
    assert_eq!(json["data"]["level"], 0);
    assert_eq!(json["data"]["userInfo"]["nickName"], "小明");
    let call = &fake.calls("/sns/jscode2session")[0];
    assert_eq!(call.param("js_code").as_deref(), Some("js-1"));
    assert_eq!(call.param("appid").as_deref(), Some("wx-design"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sm_user WHERE openid = 'o-real' AND nickname = '小明'"),
        1
    );

    let foreign = json!({"nickName": "x", "watermark": {"appid": "wx-other"}});
    let data = leida::wechat::crypto::encrypt(&key, &iv, &foreign);
    let body = json!({"code": "js-2", "iv": iv, "encryptedData": data});
    assert_eq!(app.post_json("/small/getUserInfo", &body)["code"], 303);
}

#[test]
fn get_user_info_requires_code_and_iv() {
    let app = TestApp::new();
    let json = app.post_form("/small/getUserInfo", "iv=aXY=");
    assert_eq!(json["code"], 303);
    assert!(json["msg"].as_str().unwrap().contains("code"));
    assert_eq!(app.post_form("/small/getUserInfo", "code=x")["code"], 303);
    assert_eq!(app.count("SELECT COUNT(*) FROM sm_user"), 0);
}

#[test]
fn phones_bind_as_customers_the_operator_grants_the_manager_who_adds_staff() {
    let app = TestApp::new();
    let manager = user(&app, "m", "13900000000");
    let level = app.post_form("/small/getUserLevel", &format!("openid={manager}"));
    assert_eq!(
        level["data"]["level"], 1,
        "nobody is manager by arriving first: {level}"
    );
    app.promote("design", &manager, "manager");
    let level = app.post_form("/small/getUserLevel", &format!("openid={manager}"));
    assert_eq!(level["data"]["level"], 4, "{level}");
    let customer = user(&app, "c", "13800000001");
    let level = app.post_form("/small/getUserLevel", &format!("openid={customer}"));
    assert_eq!(level["data"]["level"], 1);
    assert_eq!(level["data"]["level_name"], "客户");

    let json = app.post_form(
        "/small/addEmploye",
        &format!("openid={manager}&phone=13900000002&level=2"),
    );
    assert_eq!(json["code"], 200, "{json}");
    // A typed phone is contact data: on the roster or not, it binds a customer.
    let typed = user(&app, "d", "13900000002");
    let level = app.post_form("/small/getUserLevel", &format!("openid={typed}"));
    assert_eq!(level["data"]["level"], 1);
    assert_eq!(level["data"]["phone_verified"], false);
}

#[test]
fn register_refuses_unknown_openids_bad_phones_and_a_second_phone() {
    let app = TestApp::new();
    assert_eq!(register(&app, "nobody", "13800000001")["code"], 302);
    let a = sign_in(&app, "a");
    let json = register(&app, &a, "12345");
    assert_eq!(json["code"], 303);
    assert!(json["msg"].as_str().unwrap().contains("phone"));
    assert_eq!(register(&app, &a, "13800000001")["code"], 200);
    assert_eq!(
        register(&app, &a, "13800000001")["code"],
        200,
        "again is fine"
    );
    assert_eq!(register(&app, &a, "13800000009")["code"], 300);
    // Typed phones are contact data, so two customers may give the same one; only a phone
    // WeChat proved is one person's (security::identity::design_phone).
    let b = sign_in(&app, "b");
    assert_eq!(register(&app, &b, "13800000001")["code"], 200);
    assert_eq!(
        app.post_form("/small/getUserLevel", "openid=nobody")["code"],
        302
    );
}

#[test]
fn who_may_add_whom() {
    let app = TestApp::new();
    let f = firm(&app);
    let add = |who: &str, phone: &str, level: i64| {
        app.post_form(
            "/small/addEmploye",
            &format!("openid={who}&phone={phone}&level={level}"),
        )["code"]
            .clone()
    };
    assert_eq!(add(&f.service, "13900000010", 2), 200);
    assert_eq!(add(&f.service, "13900000011", 3), 403);
    assert_eq!(
        add(&f.service, "13900000000", 2),
        403,
        "no demoting the manager"
    );
    assert_eq!(
        add(&f.service, "13900000002", 2),
        403,
        "no re-levelling a colleague"
    );
    assert_eq!(add(&f.designer, "13900000012", 2), 403);
    assert_eq!(add(&f.alice, "13900000013", 2), 403);
    assert_eq!(add(&f.manager, "13900000014", 1), 303);
    assert_eq!(add(&f.manager, "13900000000", 3), 305, "not oneself");
    // A customer who only typed the phone gains nothing from the roster (a proven phone
    // takes the level at once: security::identity::design_phone).
    assert_eq!(add(&f.manager, "13800000002", 3), 200);
    let level = app.post_form("/small/getUserLevel", &format!("openid={}", f.bob));
    assert_eq!(level["data"]["level"], 1);
    assert_eq!(add("nobody", "13900000015", 2), 302);
    assert_eq!(app.count("SELECT COUNT(*) FROM sm_employee"), 4);
}

#[test]
fn store_requires_a_bound_user_and_a_title_or_content() {
    let app = TestApp::new();
    let f = firm(&app);
    let visitor = sign_in(&app, "v");
    let json = app.post_form("/small/store", &format!("openid={visitor}&title=x"));
    assert_eq!(json["code"], 403);
    assert_eq!(
        app.post_form("/small/store", "openid=nobody&title=x")["code"],
        302
    );
    assert_eq!(
        app.post_form("/small/store", &format!("openid={}", f.alice))["code"],
        303
    );
    let id = store(&app, &f.alice, "living room");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM sm_form_log WHERE form_id = {id} AND to_status = 1"
        )),
        1
    );
}

#[test]
fn show_lists_own_forms_for_customers_and_the_firms_for_staff() {
    let app = TestApp::new();
    let f = firm(&app);
    store(&app, &f.alice, "a1");
    store(&app, &f.alice, "a2");
    let b = store(&app, &f.bob, "b1");
    update(
        &app,
        &f.service,
        b,
        &format!("designer_id={}", f.designer_id),
    );

    let show =
        |who: &str, extra: &str| app.post_form("/small/show", &format!("openid={who}&{extra}"));
    let alice = show(&f.alice, "");
    assert_eq!(alice["data"]["data_count"], 2, "{alice}");
    let staff = show(&f.designer, "");
    assert_eq!(staff["data"]["data_count"], 3);
    assert_eq!(show(&f.service, "status=2")["data"]["data_count"], 1);
    assert_eq!(
        show(&f.service, "status=2")["data"]["ret_data"][0]["title"],
        "b1"
    );
    assert_eq!(
        show(&f.manager, "level=1")["data"]["data_count"],
        0,
        "own forms"
    );
    let page = show(&f.manager, "current_page=2&length=2");
    assert_eq!(page["data"]["ret_data"].as_array().unwrap().len(), 1);
    assert_eq!(page["data"]["data_count"], 3);
    assert_eq!(show(&f.alice, "level=2")["code"], 403);
    assert_eq!(show(&f.alice, "status=9")["code"], 303);
    assert_eq!(show(&f.alice, "status=x")["code"], 301);
    assert_eq!(show("nobody", "")["code"], 302);
}

#[test]
fn edit_shows_one_form_with_its_history_to_its_customer_and_staff() {
    let app = TestApp::new();
    let f = firm(&app);
    let id = store(&app, &f.alice, "bath");
    update(
        &app,
        &f.service,
        id,
        &format!("designer_id={}", f.designer_id),
    );
    let json = app.post_form("/small/edit", &format!("openid={}&id={id}", f.alice));
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["status"], 2);
    assert_eq!(json["data"]["history"].as_array().unwrap().len(), 2);
    let staff = app.post_form("/small/edit", &format!("openid={}&id={id}", f.designer));
    assert_eq!(staff["code"], 200);
    let bob = app.post_form("/small/edit", &format!("openid={}&id={id}", f.bob));
    assert_eq!(bob["code"], 403);
    let missing = app.post_form("/small/edit", &format!("openid={}&id=999", f.alice));
    assert_eq!(missing["code"], 302);
    assert_eq!(
        app.post_form("/small/edit", &format!("openid={}", f.alice))["code"],
        303
    );
}

#[test]
fn a_customer_edits_only_their_own_new_form() {
    let app = TestApp::new();
    let f = firm(&app);
    let id = store(&app, &f.alice, "hall");
    let json = update(&app, &f.alice, id, "content=four rooms&type=2");
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["content"], "four rooms");
    assert_eq!(json["data"]["type"], 2);
    assert_eq!(update(&app, &f.bob, id, "content=mine now")["code"], 403);
    assert_eq!(update(&app, &f.alice, id, "status=3")["code"], 403);
    assert_eq!(update(&app, &f.alice, id, "")["code"], 303);
    update(
        &app,
        &f.service,
        id,
        &format!("designer_id={}", f.designer_id),
    );
    assert_eq!(update(&app, &f.alice, id, "content=late")["code"], 403);
    let content: String = app
        .db()
        .query_row("SELECT content FROM sm_form WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(content, "four rooms");
}

#[test]
fn statuses_move_new_assigned_in_progress_done_and_every_change_is_logged() {
    let app = TestApp::new();
    let f = firm(&app);
    let id = store(&app, &f.alice, "study");
    // new → in progress without a designer, and assigning by a designer, are refused.
    assert_eq!(update(&app, &f.service, id, "status=3")["code"], 303);
    let by_designer = update(
        &app,
        &f.designer,
        id,
        &format!("designer_id={}", f.designer_id),
    );
    assert_eq!(by_designer["code"], 403);
    let not_designer = update(&app, &f.service, id, "designer_id=1");
    assert_eq!(not_designer["code"], 303);
    assert_eq!(update(&app, &f.service, id, "designer_id=999")["code"], 302);

    let assigned = update(
        &app,
        &f.service,
        id,
        &format!("designer_id={}", f.designer_id),
    );
    assert_eq!(assigned["data"]["status"], 2, "{assigned}");
    assert_eq!(
        update(&app, &f.designer, id, "status=4")["code"],
        303,
        "no skipping"
    );
    assert_eq!(
        update(&app, &f.designer, id, "status=1")["code"],
        303,
        "no going back"
    );
    assert_eq!(
        update(&app, &f.designer, id, "status=3")["data"]["status"],
        3
    );
    assert_eq!(
        update(&app, &f.designer, id, "status=4")["data"]["status"],
        4
    );
    assert_eq!(
        update(&app, &f.manager, id, "content=after")["code"],
        403,
        "done is final"
    );
    let moves: Vec<(Option<i64>, i64)> = {
        let db = app.db();
        let mut stmt = db
            .prepare(
                "SELECT from_status, to_status FROM sm_form_log WHERE form_id = ?1 ORDER BY id",
            )
            .unwrap();
        stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        moves,
        vec![(None, 1), (Some(1), 2), (Some(2), 3), (Some(3), 4)]
    );
}

#[test]
fn a_designer_moves_only_forms_assigned_to_them() {
    let app = TestApp::new();
    let f = firm(&app);
    app.post_form(
        "/small/addEmploye",
        &format!("openid={}&phone=13900000020&level=2", f.manager),
    );
    let other = user(&app, "d2", "13900000020");
    let id = store(&app, &f.alice, "roof");
    update(
        &app,
        &f.service,
        id,
        &format!("designer_id={}", f.designer_id),
    );
    assert_eq!(update(&app, &other, id, "status=3")["code"], 403);
    assert_eq!(update(&app, &f.manager, id, "status=3")["code"], 200);
}

#[test]
fn rooms_carry_the_conversation_of_a_form_paged() {
    let app = TestApp::new();
    let f = firm(&app);
    let id = store(&app, &f.alice, "garden");
    for (who, text) in [(&f.alice, "hello"), (&f.service, "hi"), (&f.alice, "when?")] {
        let json = app.post_form(
            "/small/sendMessage",
            &format!("openid={who}&room_id={id}&content={text}"),
        );
        assert_eq!(json["code"], 200, "{json}");
    }
    let history = |who: &str, extra: &str| {
        app.post_form(
            "/small/gethistory",
            &format!("openid={who}&room_id={id}&{extra}"),
        )
    };
    let json = history(&f.alice, "length=2");
    assert_eq!(json["data"]["data_count"], 3, "{json}");
    assert_eq!(json["data"]["ret_data"][0]["content"], "when?");
    assert_eq!(json["data"]["ret_data"][0]["mine"], true);
    assert_eq!(
        history(&f.alice, "length=2&current_page=2")["data"]["ret_data"][0]["content"],
        "hello"
    );
    assert_eq!(history(&f.designer, "")["code"], 200);
    assert_eq!(history(&f.bob, "")["code"], 403);
    let bob_send = app.post_form(
        "/small/sendMessage",
        &format!("openid={}&room_id={id}&content=spam", f.bob),
    );
    assert_eq!(bob_send["code"], 403);
    let empty = app.post_form(
        "/small/sendMessage",
        &format!("openid={}&room_id={id}&content=", f.alice),
    );
    assert_eq!(empty["code"], 303);
    assert_eq!(
        app.post_form("/small/gethistory", &format!("openid={}", f.alice))["code"],
        303
    );
    assert_eq!(history("nobody", "")["code"], 302);
    assert_eq!(app.count("SELECT COUNT(*) FROM sm_message"), 3);
}

#[test]
fn a_review_is_once_per_done_form_by_its_customer() {
    let app = TestApp::new();
    let f = firm(&app);
    let open = store(&app, &f.alice, "open");
    let assess = |who: &str, id: i64, extra: &str| {
        app.post_form(
            "/small/assess",
            &format!("openid={who}&small_form_id={id}&{extra}"),
        )
    };
    assert_eq!(
        assess(&f.alice, open, "designerstarts=5")["code"],
        403,
        "not done"
    );
    let id = done_form(&app, &f);
    assert_eq!(assess(&f.bob, id, "designerstarts=5")["code"], 403);
    assert_eq!(assess(&f.service, id, "designerstarts=5")["code"], 403);
    assert_eq!(assess(&f.alice, id, "designerstarts=6")["code"], 303);
    assert_eq!(assess(&f.alice, id, "servicestarts=0")["code"], 303);
    assert_eq!(assess(&f.alice, id, "")["code"], 303);
    assert_eq!(
        assess(&f.alice, id, "designerstarts=5&employe_id=1")["code"],
        303
    );
    assert_eq!(assess(&f.alice, 999, "designerstarts=5")["code"], 302);
    assert_eq!(assess("nobody", id, "designerstarts=5")["code"], 302);
    let json = assess(
        &f.alice,
        id,
        "designerstarts=5&servicestarts=4&content=great",
    );
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"]["employe_id"], f.designer_id);
    assert_eq!(json["data"]["servicestarts"], 4);
    assert_eq!(
        assess(&f.alice, id, "designerstarts=1")["code"],
        300,
        "once"
    );

    let get = |extra: &str| app.post_form("/small/getassess", &format!("orderid={id}&{extra}"));
    assert_eq!(get("")["data"]["content"], "great");
    assert_eq!(
        get(&format!("openid={}", f.alice))["data"]["designerstarts"],
        5
    );
    assert_eq!(get(&format!("openid={}", f.bob))["code"], 403);
    assert_eq!(get("openid=nobody")["code"], 302);
    let none = app.post_form("/small/getassess", &format!("orderid={open}"));
    assert_eq!(none["code"], 200);
    assert!(none["data"].is_null());
    assert_eq!(
        app.post_form("/small/getassess", "orderid=999")["code"],
        302
    );
    assert_eq!(app.post_form("/small/getassess", "")["code"], 303);
}

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_pixel(4, 4, image::Rgb([200, 10, 10]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn multipart(file: &[u8], openid: Option<&str>) -> (ContentType, Vec<u8>) {
    let boundary = "leidaboundary";
    let mut body = Vec::new();
    if let Some(openid) = openid {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"openid\"\r\n\r\n{openid}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let ct = ContentType::new("multipart", "form-data").with_params(("boundary", boundary));
    (ct, body)
}

fn upload(app: &TestApp, file: &[u8], openid: Option<&str>, query: &str) -> Value {
    let (ct, body) = multipart(file, openid);
    envelope(
        app.client
            .post(format!("/small/imgupload{query}"))
            .header(ct)
            .body(body)
            .dispatch(),
    )
}

#[test]
fn imgupload_stores_real_images_only() {
    let app = TestApp::new();
    let f = firm(&app);
    let json = upload(&app, &png(), Some(&f.alice), "");
    assert_eq!(json["code"], 200, "{json}");
    let url = json["data"]["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:8000/statics/uploads/") && url.ends_with(".png"));
    let path = json["data"]["path"].as_str().unwrap();
    assert!(app.dir.path().join("files").join(path).is_file());
    let served = app.client.get(format!("/statics/{path}")).dispatch();
    assert_eq!(served.into_bytes().unwrap(), png());

    let by_query = upload(&app, &png(), None, &format!("?openid={}", f.bob));
    assert_eq!(by_query["code"], 200);
    assert_eq!(
        upload(&app, b"not an image at all", Some(&f.alice), "")["code"],
        303
    );
    assert_eq!(upload(&app, &png(), Some("nobody"), "")["code"], 302);
}

/// An upload without `openid` from `address`, answered raw (for `Retry-After`).
fn anonymous_upload(app: &TestApp, address: &str) -> (Option<String>, Value) {
    let (ct, body) = multipart(&png(), None);
    let response = app
        .client
        .post("/small/imgupload")
        .remote(format!("{address}:4000").parse().unwrap())
        .header(ct)
        .body(body)
        .dispatch();
    let retry = response.headers().get_one("Retry-After").map(String::from);
    (retry, envelope(response))
}

#[test]
fn imgupload_without_openid_is_served_and_limited_per_address() {
    let app = TestApp::with(|f| f.merge(("anonymous_upload_limit", 2)));
    let f = firm(&app);
    for _ in 0..2 {
        let (_, json) = anonymous_upload(&app, "10.0.0.1");
        assert_eq!(json["code"], 200, "seed 000 lists only file: {json}");
        let path = json["data"]["path"].as_str().unwrap();
        let served = app.client.get(format!("/statics/{path}")).dispatch();
        assert_eq!(served.status().code, 200);
        assert_eq!(served.content_type(), Some(ContentType::PNG));
        assert_eq!(served.into_bytes().unwrap(), png());
    }
    let uploads = || {
        let months = std::fs::read_dir(app.dir.path().join("files/uploads")).unwrap();
        months
            .map(|month| std::fs::read_dir(month.unwrap().path()).unwrap().count())
            .sum::<usize>()
    };
    assert_eq!(uploads(), 2);

    let (retry, refused) = anonymous_upload(&app, "10.0.0.1");
    assert_eq!(refused["code"], 429, "{refused}");
    assert!(refused["msg"].as_str().unwrap().contains("请求过于频繁"));
    assert_eq!(refused["data"], json!({}));
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(uploads(), 2, "a refused upload stores nothing");

    let (_, other) = anonymous_upload(&app, "10.0.0.2");
    assert_eq!(other["code"], 200, "another address has its own quota");
    // With openid the caller is known: the per-address limit is not theirs to spend.
    assert_eq!(upload(&app, &png(), Some(&f.alice), "")["code"], 200);
    assert_eq!(upload(&app, &png(), Some("nobody"), "")["code"], 302);
    assert_eq!(uploads(), 4);
}

#[test]
fn imgupload_refuses_files_over_the_limit() {
    let app = TestApp::with(|f| f.merge(("upload_max_bytes", 64)));
    let openid = user(&app, "m", "13900000000");
    let json = upload(&app, &png(), Some(&openid), "");
    assert_eq!(json["code"], 303, "{json}");
}

#[test]
fn the_demo_firm_signs_in_offline_with_the_documented_codes() {
    let app = TestApp::new();
    let db = app.client.rocket().state::<leida::db::Db>().unwrap();
    leida::demo::fill(db).unwrap();
    for table in [
        "sm_user",
        "sm_employee",
        "sm_form",
        "sm_form_log",
        "sm_message",
        "sm_assess",
    ] {
        assert!(
            app.count(&format!("SELECT COUNT(*) FROM {table}")) > 0,
            "{table}"
        );
    }
    let openid = sign_in_as(&app, "design-zhao");
    let own = app.post_form("/small/show", &format!("openid={openid}"));
    assert_eq!(own["data"]["data_count"], 2, "{own}");
    let manager = sign_in_as(&app, "design-manager");
    let all = app.post_form("/small/show", &format!("openid={manager}"));
    assert_eq!(all["data"]["data_count"], 6);
    let done = app.post_form("/small/show", &format!("openid={manager}&status=4"));
    let id = done["data"]["ret_data"][0]["id"].as_i64().unwrap();
    let review = app.post_form("/small/getassess", &format!("orderid={id}"));
    assert_eq!(review["data"]["designerstarts"], 5);
}

fn sign_in_as(app: &TestApp, code: &str) -> String {
    let json = app.post_form("/small/getUserInfo", &format!("code={code}&iv=aXY="));
    assert!(json["data"]["level"].as_i64().unwrap() > 0, "{json}");
    json["data"]["openid"].as_str().unwrap().to_string()
}
