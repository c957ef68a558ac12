//! Products: employees publish them, customers see those on sale on a card, and looking,
//! forwarding and asking are radar events. Also the company website.

use serde_json::{json, Value};

use crate::common::{urlencode, Signer, TestApp};

/// An employee whose role holds no permission, made straight in the database.
pub fn salesperson(app: &TestApp, company_of: &Signer, username: &str) -> Signer {
    let db = app.db();
    let company_id: i64 = db
        .query_row(
            "SELECT company_id FROM zl_employee WHERE id = ?1",
            [company_of.user_id],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "INSERT OR IGNORE INTO zl_role (company_id, name, create_date) VALUES (?1, '销售', '2026-01-01T00:00:00.000')",
        [company_id],
    )
    .unwrap();
    let role_id: i64 = db
        .query_row(
            "SELECT id FROM zl_role WHERE company_id = ?1 AND name = '销售'",
            [company_id],
            |r| r.get(0),
        )
        .unwrap();
    let token = format!("token-{username}");
    db.execute(
        "INSERT INTO zl_employee (company_id, role_id, username, token, create_date)
         VALUES (?1, ?2, ?3, ?4, '2026-01-01T00:00:00.000')",
        rusqlite::params![company_id, role_id, username, token],
    )
    .unwrap();
    Signer {
        user_id: db.last_insert_rowid(),
        token,
    }
}

fn content() -> Value {
    json!({
        "cover_data": [{"type": "picture_url", "data": ["statics/p/cover1.png", "statics/p/cover2.png"]}],
        "article_data": [{"type": "title", "data": ["标题"]}, {"type": "content", "data": ["正文"]}],
    })
}

fn add(app: &TestApp, who: &Signer, name: &str, extra: &str) -> Value {
    let body = format!(
        "name={name}&price=998&reason=好用&content={}{extra}",
        urlencode(&content().to_string())
    );
    app.post_form(&who.uri("/zhugeleida/qiyeweixin/product/add/0", ""), &body)
}

struct Scene {
    app: TestApp,
    boss: Signer,
    customer: Signer,
}

fn scene() -> Scene {
    let app = TestApp::new();
    let (boss, customer) = app.boss_and_customer();
    Scene {
        app,
        boss,
        customer,
    }
}

impl Scene {
    fn mini(&self, path: &str, extra: &str) -> Value {
        self.app.get(
            &self
                .customer
                .uri(&format!("/zhugeleida/xiaochengxu/{path}/"), extra),
        )
    }

    fn radar(&self) -> Vec<(i64, String)> {
        let db = self.app.db();
        let mut stmt = db
            .prepare("SELECT action, remark FROM zl_radar ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

#[test]
fn a_published_product_is_seen_forwarded_and_asked_about() {
    let s = scene();
    let added = add(&s.app, &s.boss, "智能名片", "");
    assert_eq!(added["code"], 200, "{added}");
    let id = added["data"]["id"].as_i64().unwrap();
    let uid = format!("uid={}", s.boss.user_id);

    let list = s.mini("product/product_list", &uid);
    assert_eq!(list["data"]["data_count"], 1);
    let item = &list["data"]["ret_data"][0];
    assert_eq!(item["name"], "智能名片");
    assert_eq!(item["status_code"], 1);
    assert_eq!(item["status"], "已发布");
    assert_eq!(
        item["content"],
        json!({"cover_data": content()["cover_data"]}),
        "lists carry the cover only"
    );

    let single = s.mini("product/product_single", &format!("{uid}&product_id={id}"));
    assert_eq!(single["data"]["ret_data"][0]["content"], content());
    assert_eq!(
        s.mini("product/forward_product", &format!("{uid}&product_id={id}"))["msg"],
        "记录转发产品成功"
    );
    assert_eq!(
        s.mini("product/consult_product", &format!("{uid}&product_id={id}"))["msg"],
        "咨询产品成功"
    );

    let radar = s.radar();
    assert_eq!(
        radar,
        vec![
            (2, "正在查看您发布的产品,尽快把握商机".to_string()),
            (2, "正在查看智能名片,尽快把握商机".to_string()),
            (6, "转发了智能名片".to_string()),
            (7, "向您咨询产品".to_string()),
        ]
    );
    let card: String = s
        .app
        .db()
        .query_row("SELECT content FROM zl_chat WHERE send_type = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    let card: Value = serde_json::from_str(&card).unwrap();
    assert_eq!(card["info_type"], 2);
    assert_eq!(card["product_name"], "智能名片");
    assert_eq!(card["product_cover_url"], "statics/p/cover1.png");
}

#[test]
fn customers_see_only_products_on_sale_on_that_card() {
    let s = scene();
    let off = add(&s.app, &s.boss, "下架品", "&status=2")["data"]["id"]
        .as_i64()
        .unwrap();
    let recommended = add(&s.app, &s.boss, "推荐品", "&status=3")["data"]["id"]
        .as_i64()
        .unwrap();
    let seller = salesperson(&s.app, &s.boss, "xiaowang");
    let own = add(&s.app, &seller, "小王的产品", "");
    assert_eq!(own["code"], 200, "{own}");
    let own = own["data"]["id"].as_i64().unwrap();

    let on_boss = s.mini("product/product_list", &format!("uid={}", s.boss.user_id));
    let names: Vec<&str> = on_boss["data"]["ret_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["推荐品"],
        "not off shelf, not another salesperson's own"
    );
    let hidden = s.mini(
        "product/product_single",
        &format!("uid={}&product_id={off}", s.boss.user_id),
    );
    assert_eq!(hidden["code"], 302);
    let on_seller = s.mini("product/product_list", &format!("uid={}", seller.user_id));
    assert_eq!(on_seller["data"]["data_count"], 2);
    assert!(
        s.mini(
            "product/product_single",
            &format!("uid={}&product_id={recommended}", seller.user_id)
        )["code"]
            == 200
    );

    let staff_list = s.app.get(
        &s.boss
            .uri("/zhugeleida/qiyeweixin/product/product_list/", "status=2"),
    );
    assert_eq!(staff_list["data"]["data_count"], 1);
    let all = s.app.get(
        &s.boss
            .uri("/zhugeleida/qiyeweixin/product/product_list/", ""),
    );
    assert_eq!(all["data"]["data_count"], 3);
    let single = s.app.get(&s.boss.uri(
        "/zhugeleida/qiyeweixin/product/product_single/",
        &format!("product_id={own}"),
    ));
    assert_eq!(single["data"]["ret_data"][0]["username"], "xiaowang");
}

#[test]
fn products_are_managed_by_their_owner_or_the_permission() {
    let s = scene();
    let company = add(&s.app, &s.boss, "公司产品", "")["data"]["id"]
        .as_i64()
        .unwrap();
    let seller = salesperson(&s.app, &s.boss, "xiaowang");
    let own = add(&s.app, &seller, "小王的", "")["data"]["id"]
        .as_i64()
        .unwrap();
    let stranger = s.app.admin("other", "别的公司");
    let post = |who: &Signer, path: &str, body: &str| {
        s.app.post_form(
            &who.uri(&format!("/zhugeleida/qiyeweixin/product/{path}"), ""),
            body,
        )
    };

    assert_eq!(
        post(&seller, &format!("update/{company}"), "name=改")["code"],
        403
    );
    assert_eq!(
        post(&seller, &format!("update/{own}"), "name=小王的新品&price=1")["code"],
        200
    );
    assert_eq!(
        post(&s.boss, &format!("change_status/{own}"), "status=2")["code"],
        200,
        "the permission manages all"
    );
    assert_eq!(
        post(&stranger, &format!("update/{company}"), "name=x")["code"],
        403
    );
    assert_eq!(
        post(&stranger, &format!("delete/{company}"), "")["code"],
        403
    );
    let peek = s.app.get(&stranger.uri(
        "/zhugeleida/qiyeweixin/product/product_single",
        &format!("product_id={company}"),
    ));
    assert_eq!(peek["code"], 403);
    assert_eq!(post(&s.boss, "update/9999", "name=x")["code"], 302);
    assert_eq!(
        post(&s.boss, &format!("change_status/{company}"), "status=7")["code"],
        303
    );
    assert_eq!(
        post(&s.boss, &format!("update/{company}"), "content=[1]")["code"],
        301
    );
    let bad_block = urlencode(r#"{"cover_data":[{"type":"video","data":["x"]}]}"#);
    assert_eq!(
        post(
            &s.boss,
            &format!("update/{company}"),
            &format!("content={bad_block}")
        )["code"],
        303
    );
    assert_eq!(
        post(&s.boss, "add/0", "price=1")["code"],
        303,
        "name is required"
    );

    let row: (String, String, i64) = s
        .app
        .db()
        .query_row(
            "SELECT name, price, status FROM zl_product WHERE id = ?1",
            [own],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(row, ("小王的新品".to_string(), "1".to_string(), 2));
    assert_eq!(
        s.app.get(&s.boss.uri(
            &format!("/zhugeleida/qiyeweixin/product/delete/{company}"),
            ""
        ))["code"],
        200
    );
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_product"), 1);
}

#[test]
fn the_website_shows_the_companys_pictures() {
    let s = scene();
    let site = json!({"cover_picture": [{"picture_url": "statics/w/1.png"}],
                      "content_picture": [{"picture_url": "statics/w/2.png"}, {"picture_url": "statics/w/3.png"}]});
    s.app
        .db()
        .execute(
            "UPDATE zl_company SET website_content = ?1",
            [site.to_string()],
        )
        .unwrap();
    let got = s.mini("website", &format!("uid={}", s.boss.user_id));
    assert_eq!(got["code"], 200);
    assert_eq!(got["data"]["ret_data"], site);
    assert_eq!(got["data"]["data_count"], 3);
    assert_eq!(
        s.radar(),
        vec![(4, "查看了您公司的官网,看来TA对您公司感兴趣".to_string())]
    );
    assert_eq!(s.mini("website", "uid=9999")["code"], 302);
}
