//! The employee's own card: `mingpian`, `tag_user...`, `qr_code_auth`.

use super::{get, post, salesperson};
use crate::common::TestApp;

#[test]
fn an_employee_sees_and_edits_their_own_card() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let json = get(&app, &boss, "mingpian", "");
    assert_eq!(json["code"], 200, "{json}");
    let card = &json["data"]["ret_data"][0];
    assert_eq!(card["id"], boss.user_id);
    assert_eq!(
        card["username"], "boss",
        "the sign-in name until a card name is set"
    );
    assert_eq!(card["company"], "合众康桥");

    let body = "username=刘总&position=总经理&mingpian_phone=13900001111&is_show_phone=0&sign=靠谱&email=liu@example.com&gender=1";
    let saved = post(&app, &boss, "mingpian", body);
    assert_eq!(saved["code"], 200, "{saved}");
    let card = &get(&app, &boss, "mingpian", "")["data"]["ret_data"][0];
    assert_eq!(card["username"], "刘总");
    assert_eq!(card["login_username"], "boss");
    assert_eq!(card["position"], "总经理");
    assert_eq!(card["sign"], "靠谱");
    assert_eq!(card["gender"], 1);
    assert_eq!(
        card["mingpian_phone"], "13900001111",
        "the owner sees a hidden phone"
    );
    assert_eq!(card["is_show_phone"], false);

    let customer = app.customer("c1");
    let seen = app.get(&customer.uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", boss.user_id),
    ));
    assert_eq!(seen["data"]["ret_data"][0]["username"], "刘总");
    assert_eq!(
        seen["data"]["ret_data"][0]["mingpian_phone"], "",
        "customers do not"
    );
    assert_eq!(app.get("/zhugeleida/qiyeweixin/mingpian")["code"], 400);
}

#[test]
fn card_fields_are_validated_and_a_refusal_saves_nothing() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    for (body, code) in [
        ("position=CEO&mingpian_phone=12345", 303),
        ("position=CEO&email=nope", 303),
        ("position=CEO&gender=7", 303),
        ("position=CEO&gender=male", 301),
        ("position=CEO&is_show_phone=maybe", 301),
    ] {
        let json = post(&app, &boss, "mingpian", body);
        assert_eq!(json["code"], code, "{body}: {json}");
    }
    let long_sign = format!("sign={}", "长".repeat(257));
    assert_eq!(post(&app, &boss, "mingpian", &long_sign)["code"], 303);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_employee WHERE position != ''"),
        0
    );
}

#[test]
fn card_tags_are_added_kept_and_deleted_by_their_owner_only() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let zhang = salesperson(&app, &boss, "zhang");
    let add = |name: &str| post(&app, &boss, "tag_user/add", &format!("name={name}"));
    let json = add("有志青年");
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["data"][0]["name"], "有志青年");
    let first = json["data"][0]["id"].as_i64().unwrap();
    let second = add("靠谱人士")["data"][0]["id"].as_i64().unwrap();
    let third = add("积极少年")["data"][0]["id"].as_i64().unwrap();
    assert_eq!(add("靠谱人士")["code"], 300);
    assert_eq!(post(&app, &boss, "tag_user/add", "")["code"], 303);
    let theirs = post(&app, &zhang, "tag_user/add", "name=靠谱人士");
    assert_eq!(theirs["code"], 200, "names are per card");
    let theirs = theirs["data"][0]["id"].as_i64().unwrap();

    let list = get(&app, &boss, "tag_user", "");
    assert_eq!(list["data"]["user_id"], boss.user_id.to_string());
    assert_eq!(list["data"]["data_count"], 3);
    assert_eq!(list["data"]["ret_data"][1]["name"], "靠谱人士");

    let save = |body: &str| post(&app, &boss, "tag_user/save", body);
    assert_eq!(save(&format!("tag_list=[{first},{theirs}]"))["code"], 403);
    assert_eq!(save("tag_list=[999]")["code"], 302);
    assert_eq!(save("tag_list=1,2")["code"], 301);
    assert_eq!(save("")["code"], 303);
    assert_eq!(
        get(&app, &boss, "tag_user", "")["data"]["data_count"],
        3,
        "refusals keep all"
    );
    assert_eq!(save(&format!("tag_list=[{first},{third}]"))["code"], 200);
    let names: Vec<_> = get(&app, &boss, "tag_user", "")["data"]["ret_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["有志青年", "积极少年"]);

    let delete = |id: i64| post(&app, &boss, "tag_user/delete", &format!("id={id}"));
    assert_eq!(delete(theirs)["code"], 403);
    assert_eq!(delete(second)["code"], 302, "already gone");
    assert_eq!(delete(first)["code"], 200);
    assert_eq!(get(&app, &boss, "tag_user", "")["data"]["data_count"], 1);
    assert_eq!(get(&app, &zhang, "tag_user", "")["data"]["data_count"], 1);
}

#[test]
fn save_phone_sets_the_cards_phone_and_whether_it_shows() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let json = post(
        &app,
        &boss,
        "tag_user/save_phone",
        "mingpian_phone=18511123918&is_show_phone=1",
    );
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["msg"], "保存成功");
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_employee WHERE mingpian_phone = '18511123918' AND is_show_phone = 1"), 1);
    assert_eq!(
        post(&app, &boss, "tag_user/save_phone", "mingpian_phone=110")["code"],
        303
    );
    assert_eq!(
        post(&app, &boss, "tag_user/save_phone", "is_show_phone=0")["code"],
        303
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_employee WHERE is_show_phone = 1"),
        1
    );
}

fn decode_qr(png: &[u8]) -> String {
    let img = image::load_from_memory(png).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the picture");
    grids[0].decode().unwrap().1
}

#[test]
fn qr_code_auth_draws_a_qr_code_that_opens_the_card() {
    let app = TestApp::with(|f| f.merge(("public_url", "https://card.example.com/")));
    let boss = app.admin("boss", "合众康桥");
    let json = get(&app, &boss, "qr_code_auth", "");
    assert_eq!(json["code"], 200, "{json}");
    assert_eq!(json["msg"], "生成小程序二维码成功");
    let url = json["data"]["qr_code"].as_str().unwrap();
    let rel = url.strip_prefix("statics/").expect(url);
    assert!(rel.starts_with("qr/"), "relative, as the seeds: {url}");
    let stored: String = app
        .db()
        .query_row(
            "SELECT qr_code FROM zl_employee WHERE id = ?1",
            [boss.user_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, url);
    let png = std::fs::read(app.dir.path().join("files").join(rel)).unwrap();
    assert_eq!(
        decode_qr(&png),
        format!(
            "https://card.example.com/mp/mingpian?uid={}&source=1",
            boss.user_id
        )
    );
    let served = app.client.get(format!("/statics/{rel}")).dispatch();
    assert_eq!(served.content_type(), Some(rocket::http::ContentType::PNG));
    assert_eq!(served.into_bytes().unwrap(), png);
    assert_eq!(
        post(&app, &boss, "qr_code_auth", "")["code"],
        200,
        "POST too"
    );
    assert_eq!(
        get(&app, &boss, "mingpian", "")["data"]["ret_data"][0]["qr_code"],
        url
    );
}

#[test]
fn a_new_employee_gets_a_qr_code() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let zhang = salesperson(&app, &boss, "zhang");
    let stored: String = app
        .db()
        .query_row(
            "SELECT qr_code FROM zl_employee WHERE id = ?1",
            [zhang.user_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        stored.ends_with(".png") && stored.starts_with("statics/qr/"),
        "{stored}"
    );
}
