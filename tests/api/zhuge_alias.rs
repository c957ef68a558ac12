//! The original 2018 server's routes kept as aliases (issue 15): each does what its canonical
//! route does, to the database; and the original's lenient input (Python flags, a product
//! block's `data` as one string).

use rusqlite::params;
use serde_json::{json, Value};

use crate::common::{urlencode, Signer, TestApp};

const WORK: &str = "/zhugeleida/qiyeweixin";
const ADMIN: &str = "/zhugeleida/admin";

fn post(app: &TestApp, who: &Signer, path: &str, body: &str) -> Value {
    app.post_form(&who.uri(path, ""), body)
}

fn card(app: &TestApp, id: i64) -> (Option<String>, Option<String>, Option<String>, bool) {
    app.db()
        .query_row(
            "SELECT memo_name, avatar, mingpian_phone, is_show_phone FROM zl_employee WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
}

#[test]
fn enterprise_card_routes_of_the_original_write_the_card() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");

    let saved = post(
        &app,
        &boss,
        &format!("{WORK}/mingpian/save_phone"),
        "mingpian_phone=13900001111&is_show_phone=False",
    );
    assert_eq!(saved["code"], 200, "{saved}");
    let (_, _, phone, shown) = card(&app, boss.user_id);
    assert_eq!(phone.as_deref(), Some("13900001111"));
    assert!(!shown, "Python's False hides the phone");

    let saved = post(
        &app,
        &boss,
        &format!("{WORK}/mingpian/save_info"),
        "memo_name=王经理&avator_picture_url=statics/imgs/a.jpg&mingpian_phone=13800002222&is_show_phone=True",
    );
    assert_eq!(saved["code"], 200, "{saved}");
    let (memo, avatar, phone, shown) = card(&app, boss.user_id);
    assert_eq!(
        memo.as_deref(),
        Some("王经理"),
        "memo_name is the card name"
    );
    assert_eq!(avatar.as_deref(), Some("statics/imgs/a.jpg"));
    assert_eq!(phone.as_deref(), Some("13800002222"));
    assert!(shown);
    let view = app.get(&boss.uri(&format!("{WORK}/mingpian"), ""));
    assert_eq!(view["data"]["ret_data"][0]["username"], "王经理", "{view}");

    let drawn = post(
        &app,
        &boss,
        &format!("{WORK}/mingpian/create_small_program_qr_code"),
        "",
    );
    assert_eq!(drawn["code"], 200, "{drawn}");
    let stored: Option<String> = app
        .db()
        .query_row(
            "SELECT qr_code FROM zl_employee WHERE id = ?1",
            [boss.user_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored.as_deref(), drawn["data"]["qr_code"].as_str());
    assert!(stored.is_some());

    let unsigned = app.post_form(
        &format!("{WORK}/mingpian/save_phone?user_id={}", boss.user_id),
        "mingpian_phone=13700003333",
    );
    assert_eq!(unsigned["code"], 400, "unsigned: {unsigned}");
    assert_eq!(card(&app, boss.user_id).2.as_deref(), Some("13800002222"));
}

#[test]
fn flags_take_every_spelling_and_refuse_garbage() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let mingpian = format!("{WORK}/mingpian");
    for (raw, want) in [
        ("True", true),
        ("False", false),
        ("true", true),
        ("false", false),
        ("1", true),
        ("0", false),
    ] {
        let saved = post(&app, &boss, &mingpian, &format!("is_show_phone={raw}"));
        assert_eq!(saved["code"], 200, "{raw}: {saved}");
        assert_eq!(card(&app, boss.user_id).3, want, "{raw}");
    }
    for raw in ["yes", "TRUE1", "2"] {
        let refused = post(&app, &boss, &mingpian, &format!("is_show_phone={raw}"));
        assert_eq!(refused["code"], 301, "{raw}: {refused}");
        assert!(!card(&app, boss.user_id).3, "{raw} changed nothing");
    }
}

fn stored_content(app: &TestApp, id: i64) -> Value {
    let raw: String = app
        .db()
        .query_row("SELECT content FROM zl_product WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    serde_json::from_str(&raw).unwrap()
}

#[test]
fn product_blocks_with_a_plain_string_are_stored_as_lists() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let content = json!({
        "cover_data": [{"type": "picture_url", "data": "statics/p/1.jpg"}],
        "article_data": [{"type": "content", "data": "好茶"}, {"type": "title", "data": ["标题"]}],
    });
    let added = post(
        &app,
        &boss,
        &format!("{WORK}/product/add/0"),
        &format!(
            "name=龙井&price=99&content={}",
            urlencode(&content.to_string())
        ),
    );
    assert_eq!(added["code"], 200, "{added}");
    let id = added["data"]["id"].as_i64().unwrap();
    let want = json!({
        "cover_data": [{"type": "picture_url", "data": ["statics/p/1.jpg"]}],
        "article_data": [{"type": "content", "data": ["好茶"]}, {"type": "title", "data": ["标题"]}],
    });
    assert_eq!(stored_content(&app, id), want);
    let single = app.get(&boss.uri(
        &format!("{WORK}/product/product_single"),
        &format!("product_id={id}"),
    ));
    assert_eq!(single["data"]["ret_data"][0]["content"], want, "{single}");

    let update = json!({"article_data": [{"type": "content", "data": "新茶"}]});
    let updated = post(
        &app,
        &boss,
        &format!("{WORK}/product/update/{id}"),
        &format!("content={}", urlencode(&update.to_string())),
    );
    assert_eq!(updated["code"], 200, "{updated}");
    assert_eq!(
        stored_content(&app, id)["article_data"],
        json!([{"type": "content", "data": ["新茶"]}])
    );

    let bad = json!({"article_data": [{"type": "content", "data": 5}]});
    let refused = post(
        &app,
        &boss,
        &format!("{WORK}/product/update/{id}"),
        &format!("content={}", urlencode(&bad.to_string())),
    );
    assert_eq!(refused["code"], 303, "{refused}");
    assert_eq!(
        stored_content(&app, id)["article_data"][0]["data"],
        json!(["新茶"])
    );
}

#[test]
fn admin_console_routes_of_the_original_manage_products_and_roles() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let content = json!({"article_data": [{"type": "content", "data": "说明"}]});
    let added = post(
        &app,
        &boss,
        &format!("{ADMIN}/product/add/7"),
        &format!(
            "name=铁观音&price=120&content={}",
            urlencode(&content.to_string())
        ),
    );
    assert_eq!(added["code"], 200, "{added}");
    let id = added["data"]["id"].as_i64().unwrap();
    assert_eq!(
        stored_content(&app, id)["article_data"][0]["data"],
        json!(["说明"])
    );
    let updated = post(
        &app,
        &boss,
        &format!("{ADMIN}/product/update/{id}"),
        "name=大红袍",
    );
    assert_eq!(updated["code"], 200, "{updated}");
    let status = post(
        &app,
        &boss,
        &format!("{ADMIN}/product/change_status/{id}"),
        "status=2",
    );
    assert_eq!(status["code"], 200, "{status}");
    let (name, st): (String, i64) = app
        .db()
        .query_row(
            "SELECT name, status FROM zl_product WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((name.as_str(), st), ("大红袍", 2));
    let list = app.get(&boss.uri(&format!("{ADMIN}/product/product_list"), ""));
    let canonical = app.get(&boss.uri(&format!("{WORK}/product/product_list"), ""));
    assert_eq!(list, canonical);
    assert_eq!(list["data"]["ret_data"][0]["name"], "大红袍", "{list}");
    let single = app.get(&boss.uri(
        &format!("{ADMIN}/product/product_single"),
        &format!("product_id={id}"),
    ));
    assert_eq!(single["data"]["ret_data"][0]["id"], id, "{single}");
    let deleted = post(&app, &boss, &format!("{ADMIN}/product/delete/{id}"), "");
    assert_eq!(deleted["code"], 200, "{deleted}");
    assert_eq!(
        app.count(&format!("SELECT COUNT(*) FROM zl_product WHERE id = {id}")),
        0
    );

    let role = post(&app, &boss, &format!("{ADMIN}/role/add/3"), "name=销售");
    assert_eq!(role["code"], 200, "{role}");
    let role_id = role["data"]["role_id"].as_i64().unwrap();
    let renamed = post(
        &app,
        &boss,
        &format!("{ADMIN}/role/update/{role_id}"),
        "name=大客户销售",
    );
    assert_eq!(renamed["code"], 200, "{renamed}");
    let name: String = app
        .db()
        .query_row("SELECT name FROM zl_role WHERE id = ?1", [role_id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(name, "大客户销售");
    let roles = app.get(&boss.uri(&format!("{ADMIN}/role"), ""));
    assert_eq!(roles, app.get(&boss.uri(&format!("{WORK}/role"), "")));
    let gone = post(&app, &boss, &format!("{ADMIN}/role/delete/{role_id}"), "");
    assert_eq!(gone["code"], 200, "{gone}");
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM zl_role WHERE id = {role_id}"
        )),
        0
    );

    let unsigned = app.post_form(&format!("{ADMIN}/role/add/0"), "name=黑客");
    assert_eq!(unsigned["code"], 400, "{unsigned}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_role WHERE name = '黑客'"),
        0
    );
}

#[test]
fn admin_console_routes_of_the_original_manage_the_shop() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let class = post(
        &app,
        &boss,
        &format!("{ADMIN}/goodsClassOper/add/9"),
        "classificationName=茶叶",
    );
    assert_eq!(class["code"], 200, "{class}");
    let class_id = class["data"]["id"].as_i64().unwrap();
    let renamed = post(
        &app,
        &boss,
        &format!("{ADMIN}/goodsClassOper/update/{class_id}"),
        "classificationName=名茶",
    );
    assert_eq!(renamed["code"], 200, "{renamed}");
    let tree = app.get(&boss.uri(&format!("{ADMIN}/goodsClassShow"), ""));
    assert_eq!(tree["data"][0]["name"], "名茶", "{tree}");

    let goods = post(
        &app,
        &boss,
        &format!("{ADMIN}/mallManagementOper/add/0"),
        &format!("goodsName=龙井&goodsPrice=9.9&parentName={class_id}"),
    );
    assert_eq!(goods["code"], 200, "{goods}");
    let goods_id = goods["data"]["id"].as_i64().unwrap();
    let in_class: Option<i64> = app
        .db()
        .query_row(
            "SELECT classificationId FROM zl_goods WHERE id = ?1",
            [goods_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(in_class, Some(class_id), "parentName is the class");
    let updated = post(
        &app,
        &boss,
        &format!("{ADMIN}/mallManagementOper/update/{goods_id}"),
        "goodsName=明前龙井",
    );
    assert_eq!(updated["code"], 200, "{updated}");
    let shown = app.get(&boss.uri(
        &format!("{ADMIN}/mallManagementShow"),
        &format!("goodsGroup={class_id}"),
    ));
    assert_eq!(shown["data"]["data_count"], 1, "{shown}");
    assert_eq!(
        shown["data"]["ret_data"][0]["goodsName"], "明前龙井",
        "{shown}"
    );

    let named = post(
        &app,
        &boss,
        &format!("{ADMIN}/jiChuSheZhiOper/jichushezhi"),
        "shangChengName=康桥商城",
    );
    assert_eq!(named["code"], 200, "{named}");
    let merchant = post(
        &app,
        &boss,
        &format!("{ADMIN}/jiChuSheZhiOper/zhifupeizhi"),
        "shangHuHao=1900000109",
    );
    assert_eq!(merchant["code"], 200, "{merchant}");
    let (shop, mch): (String, String) = app
        .db()
        .query_row(
            "SELECT shangChengName, shangHuHao FROM zl_shop_setting s JOIN zl_employee e
             ON e.company_id = s.company_id WHERE e.id = ?1",
            params![boss.user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((shop.as_str(), mch.as_str()), ("康桥商城", "1900000109"));

    let refunds = app.get(&boss.uri(&format!("{ADMIN}/tuiKuanDingDanShow"), ""));
    assert_eq!(refunds["code"], 200, "{refunds}");
    assert_eq!(
        refunds,
        app.get(&boss.uri("/zhugeleida/xiaochengxu/tuiKuanDingDanShow", ""))
    );
    let unknown = post(
        &app,
        &boss,
        &format!("{ADMIN}/tuiKuanDingDanOper/updateStatus/999"),
        "status=2",
    );
    let canonical = post(
        &app,
        &boss,
        "/zhugeleida/xiaochengxu/tuiKuanDingDanOper/updateStatus/999",
        "status=2",
    );
    assert_eq!(unknown["code"], canonical["code"], "{unknown}");
    assert_ne!(unknown["code"], 200);

    let deleted = post(
        &app,
        &boss,
        &format!("{ADMIN}/mallManagementOper/delete/{goods_id}"),
        "",
    );
    assert_eq!(deleted["code"], 200, "{deleted}");
    let deleted = post(
        &app,
        &boss,
        &format!("{ADMIN}/goodsClassOper/delete/{class_id}"),
        "",
    );
    assert_eq!(deleted["code"], 200, "{deleted}");
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_goods_class"), 0);

    let customer = app.customer("c1");
    app.bind(&customer, boss.user_id);
    let refused = post(
        &app,
        &customer,
        &format!("{ADMIN}/goodsClassOper/add/0"),
        "classificationName=伪造",
    );
    assert_eq!(
        refused["code"], 403,
        "a customer cannot manage the shop: {refused}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM zl_goods_class"), 0);
}

#[test]
fn the_originals_trailing_slash_reaches_the_product_list() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let listed = app.get(&boss.uri(&format!("{WORK}/product/product_list/"), ""));
    assert_eq!(listed["code"], 200, "{listed}");
}
