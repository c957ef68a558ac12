//! `zhuge_dialect`: one client session of the original 2018 server's clients, played in both
//! dialects, every answer's shape (keys and JSON types, recursively) checked against the
//! golden shapes in `fixtures/zhuge_shapes/` — `original.json` taken from the original's
//! views, `seed.json` from seeds 001/003 plus the keys the original added. A golden key must
//! be there with its type; Leida's own extra keys may stay.

use serde_json::{json, Value};

use crate::common::{urlencode, Signer, TestApp};

const ORIGINAL: &str = include_str!("fixtures/zhuge_shapes/original.json");
const SEED: &str = include_str!("fixtures/zhuge_shapes/seed.json");

/// The problems of `actual` against the golden `shape`, each with its JSON path.
fn shape_errors(path: &str, shape: &Value, actual: &Value, errors: &mut Vec<String>) {
    match shape {
        Value::String(types) => {
            let fits = types.split('|').any(|t| match t {
                "str" => actual.is_string(),
                "int" => actual.is_i64() || actual.is_u64(),
                "num" => actual.is_number(),
                "bool" => actual.is_boolean(),
                "null" => actual.is_null(),
                "any" => true,
                other => panic!("unknown type {other} in the golden shape at {path}"),
            });
            if !fits {
                errors.push(format!("{path}: want {types}, got {actual}"));
            }
        }
        Value::Object(fields) => {
            let Some(object) = actual.as_object() else {
                errors.push(format!("{path}: want an object, got {actual}"));
                return;
            };
            for (key, field) in fields {
                let (name, optional) = match key.strip_suffix('?') {
                    Some(name) => (name, true),
                    None => (key.as_str(), false),
                };
                if name.starts_with('<') {
                    continue; // a pattern (`"<action>?"`), not a key
                }
                match object.get(name) {
                    Some(value) => shape_errors(&format!("{path}.{name}"), field, value, errors),
                    None if optional => {}
                    None => errors.push(format!("{path}: missing key {name}")),
                }
            }
        }
        Value::Array(element) => {
            let Some(items) = actual.as_array() else {
                errors.push(format!("{path}: want a list, got {actual}"));
                return;
            };
            if let Some(element) = element.first() {
                for (i, item) in items.iter().enumerate() {
                    shape_errors(&format!("{path}[{i}]"), element, item, errors);
                }
            }
        }
        other => panic!("unexpected golden shape at {path}: {other}"),
    }
}

/// A session's answers, by the golden files' keys (`"GET /zhugeleida/..."`).
struct Session {
    app: TestApp,
    answers: Vec<(String, Value)>,
}

impl Session {
    fn record(&mut self, key: &str, answer: Value) -> Value {
        self.answers.push((key.to_string(), answer.clone()));
        answer
    }

    fn get(&mut self, key: &str, who: &Signer, extra: &str) -> Value {
        let path = key.strip_prefix("GET ").expect("a GET key");
        let answer = self.app.get(&who.uri(path, extra));
        self.record(key, answer)
    }

    fn post(&mut self, key: &str, path: &str, who: &Signer, body: &str) -> Value {
        let answer = self.app.post_form(&who.uri(path, ""), body);
        self.record(key, answer)
    }

    /// Every recorded answer that breaks its golden shape (or is not a success).
    fn mismatches(&self, golden: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        for (key, answer) in &self.answers {
            let Some(expected) = golden.get(key) else {
                errors.push(format!("{key}: no golden shape"));
                continue;
            };
            if answer["code"] != expected["code"] {
                errors.push(format!("{key}: code {} ({answer})", answer["code"]));
                continue;
            }
            shape_errors(key, &expected["data"], &answer["data"], &mut errors);
        }
        errors
    }
}

fn product_content() -> String {
    let content = json!({
        "cover_data": [{"type": "picture_url", "data": ["statics/imgs/setAvator.jpg"]}],
        "article_data": [{"type": "content", "data": "说明"}],
    });
    urlencode(&content.to_string())
}

/// The session of issue 15 §3, as a client of the original plays it.
fn play(dialect: &str) -> Session {
    let app = TestApp::with(|f| f.merge(("zhuge_dialect", dialect)));
    let boss = app.admin("boss", "合众康桥");
    let mut s = Session {
        app,
        answers: Vec::new(),
    };
    let login = s.app.post_form(
        "/zhugeleida/admin/login",
        "username=boss&password=S3cret-pw",
    );
    s.record("POST /zhugeleida/admin/login", login);
    let company = s
        .app
        .count("SELECT company_id FROM zl_employee WHERE username = 'boss'");

    // The salesperson sets up the card.
    s.get("GET /zhugeleida/qiyeweixin/mingpian", &boss, "");
    s.post(
        "POST /zhugeleida/qiyeweixin/mingpian/save_phone",
        "/zhugeleida/qiyeweixin/mingpian/save_phone",
        &boss,
        "mingpian_phone=13900001111&is_show_phone=True",
    );
    s.post(
        "POST /zhugeleida/qiyeweixin/mingpian/save_info",
        "/zhugeleida/qiyeweixin/mingpian/save_info",
        &boss,
        "memo_name=王经理&position=销售总监&email=wang@example.com&country=中国",
    );
    let tag = s.post(
        "POST /zhugeleida/qiyeweixin/tag_user/add",
        "/zhugeleida/qiyeweixin/tag_user/add",
        &boss,
        "name=靠谱",
    );
    let tag_id = tag["data"][0]["id"].as_i64().expect("tag id");
    s.post(
        "POST /zhugeleida/qiyeweixin/tag_user/save",
        "/zhugeleida/qiyeweixin/tag_user/save",
        &boss,
        &format!("tag_list=[{tag_id}]"),
    );
    s.get("GET /zhugeleida/qiyeweixin/tag_user", &boss, "");
    s.get("GET /zhugeleida/qiyeweixin/qr_code_auth", &boss, "");
    let product = s.app.post_form(
        &boss.uri("/zhugeleida/qiyeweixin/product/add/0", ""),
        &format!(
            "name=智能名片&price=998&reason=好用&content={}",
            product_content()
        ),
    );
    assert_eq!(product["code"], 200, "{product}");
    let product_id = s.app.count("SELECT MAX(id) FROM zl_product");

    // A customer opens the card from its QR code.
    let login = s.app.get(&format!(
        "/zhugeleida/xiaochengxu/login?code=c1&user_type=2&company_id={company}&uid={}",
        boss.user_id
    ));
    s.record("GET /zhugeleida/xiaochengxu/login", login.clone());
    let me = Signer {
        user_id: login["data"]["cid"].as_i64().expect("cid"),
        token: login["data"]["token"].as_str().expect("token").into(),
    };
    let uid = format!("uid={}", boss.user_id);
    s.get("GET /zhugeleida/xiaochengxu/login/binding", &me, &uid);
    s.post(
        "POST /zhugeleida/xiaochengxu/login/send_user_info",
        "/zhugeleida/xiaochengxu/login/send_user_info",
        &me,
        "nickName=张三&avatarUrl=statics/imgs/Avator.jpg&gender=1&page=1",
    );
    for action in [
        "mingpian",
        "mingpian/all",
        "mingpian/calling",
        "mingpian/save_wechat",
        "mingpian/save_phone",
        "mingpian/praise",
        "mingpian/forward",
        "mingpian/up_sign",
        "mingpian/create_poster",
        "mingpian/save_poster",
        "product/product_list",
    ] {
        s.get(&format!("GET /zhugeleida/xiaochengxu/{action}"), &me, &uid);
    }
    let product = format!("{uid}&product_id={product_id}");
    for action in ["product_single", "forward_product", "consult_product"] {
        let key = format!("GET /zhugeleida/xiaochengxu/product/{action}");
        s.get(&key, &me, &product);
    }

    // Chat both ways, the product message among them.
    let hello = urlencode(&json!({"info_type": 1, "msg": "你好"}).to_string());
    s.post(
        "POST /zhugeleida/xiaochengxu/chat/send_msg/0",
        "/zhugeleida/xiaochengxu/chat/send_msg/0",
        &me,
        &format!("u_id={}&content={hello}&send_type=2", boss.user_id),
    );
    let with_boss = format!("u_id={}", boss.user_id);
    let with_me = format!("customer_id={}", me.user_id);
    s.get("GET /zhugeleida/qiyeweixin/contact", &boss, "");
    s.get("GET /zhugeleida/qiyeweixin/chat/getmsg/0", &boss, &with_me);
    s.post(
        "POST /zhugeleida/qiyeweixin/chat/send_msg/0",
        "/zhugeleida/qiyeweixin/chat/send_msg/0",
        &boss,
        &format!("{with_me}&msg=您好&send_type=1"),
    );
    s.get(
        "GET /zhugeleida/xiaochengxu/chat/query_num/0",
        &me,
        &with_boss,
    );
    s.get("GET /zhugeleida/xiaochengxu/chat/getmsg/0", &me, &with_boss);
    s.get("GET /zhugeleida/xiaochengxu/chat", &me, &with_boss);
    s.get("GET /zhugeleida/qiyeweixin/chat", &boss, &with_me);

    // The salesperson works the customer.
    s.get("GET /zhugeleida/qiyeweixin/tongxunlu", &boss, "");
    s.get("GET /zhugeleida/qiyeweixin/customer", &boss, &with_me);
    let cid = me.user_id;
    s.post(
        "POST /zhugeleida/qiyeweixin/tag_list/add_tag/{cid}",
        &format!("/zhugeleida/qiyeweixin/tag_list/add_tag/{cid}"),
        &boss,
        "name=意向",
    );
    s.get("GET /zhugeleida/qiyeweixin/tag_list", &boss, &with_me);
    let tag = s.app.count("SELECT MAX(id) FROM zl_tag");
    s.post(
        "POST /zhugeleida/qiyeweixin/tag_list/customer_tag/{cid}",
        &format!("/zhugeleida/qiyeweixin/tag_list/customer_tag/{cid}"),
        &boss,
        &format!("tag_list=[{tag}]"),
    );
    s.get("GET /zhugeleida/qiyeweixin/tag_customer", &boss, "");
    for view in [
        "action/time",
        "action/customer",
        "action/count",
        "action/get_new_log",
    ] {
        s.get(&format!("GET /zhugeleida/qiyeweixin/{view}"), &boss, "");
    }
    s.post(
        "POST /zhugeleida/qiyeweixin/follow_info/add/{cid}",
        &format!("/zhugeleida/qiyeweixin/follow_info/add/{cid}"),
        &boss,
        "follow_info=已电话沟通",
    );
    s.get("GET /zhugeleida/qiyeweixin/follow_info", &boss, &with_me);
    s.post(
        "POST /zhugeleida/qiyeweixin/follow_language/add/0",
        "/zhugeleida/qiyeweixin/follow_language/add/0",
        &boss,
        "custom_language=明天回访",
    );
    s.get("GET /zhugeleida/qiyeweixin/follow_language", &boss, "");
    s.post(
        "POST /zhugeleida/qiyeweixin/customer/update_expected_pr/{cid}",
        &format!("/zhugeleida/qiyeweixin/customer/update_expected_pr/{cid}"),
        &boss,
        "expedted_pr=80",
    );
    s.post(
        "POST /zhugeleida/qiyeweixin/customer/update_expected_time/{cid}",
        &format!("/zhugeleida/qiyeweixin/customer/update_expected_time/{cid}"),
        &boss,
        "expected_time=2026-12-31",
    );
    s
}

fn assert_matches(session: &Session, golden: &str) {
    let golden: Value = serde_json::from_str(golden).expect("golden JSON");
    let errors = session.mismatches(&golden);
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn the_original_dialect_answers_as_the_original_server() {
    assert_matches(&play("original"), ORIGINAL);
}

#[test]
fn the_seed_dialect_answers_as_the_seeds_with_the_original_keys_added() {
    assert_matches(&play("seed"), SEED);
}

/// A firm in one dialect: `boss` and customer `c1`, bound.
fn firm(dialect: &str) -> (TestApp, Signer, Signer) {
    let app = TestApp::with(|f| f.merge(("zhuge_dialect", dialect)));
    let (boss, customer) = app.boss_and_customer();
    (app, boss, customer)
}

fn company_of(app: &TestApp, boss: &Signer) -> i64 {
    app.count(&format!(
        "SELECT company_id FROM zl_employee WHERE id = {}",
        boss.user_id
    ))
}

fn card_view(app: &TestApp, customer: &Signer, boss: &Signer) -> Value {
    let uri = customer.uri(
        "/zhugeleida/xiaochengxu/mingpian",
        &format!("uid={}", boss.user_id),
    );
    app.get(&uri)
}

#[test]
fn a_company_overrides_the_configured_dialect_and_can_go_back() {
    let (app, boss, customer) = firm("seed");
    assert!(card_view(&app, &customer, &boss)["data"]["ret_data"].is_array());
    let update = format!(
        "/zhugeleida/qiyeweixin/company/update/{}",
        company_of(&app, &boss)
    );
    let set =
        |value: &str| app.post_form(&boss.uri(&update, ""), &format!("zhuge_dialect={value}"));

    assert_eq!(set("original")["code"], 200);
    let card = card_view(&app, &customer, &boss);
    assert_eq!(card["data"]["ret_data"]["id"], boss.user_id, "{card}");
    let listed = app.get(&boss.uri("/zhugeleida/qiyeweixin/company", ""));
    assert_eq!(listed["data"]["ret_data"][0]["zhuge_dialect"], "original");

    let refused = set("django");
    assert_eq!(refused["code"], 303, "{refused}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_company WHERE dialect = 'original'"),
        1
    );

    assert_eq!(set("")["code"], 200);
    let card = card_view(&app, &customer, &boss);
    assert!(card["data"]["ret_data"].is_array(), "{card}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_company WHERE dialect IS NOT NULL"),
        0
    );
}

#[test]
fn an_unknown_configured_dialect_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let figment = rocket::Config::figment()
        .merge(("db_path", dir.path().join("leida.db")))
        .merge(("data_dir", dir.path().join("files")))
        .merge(("zhuge_dialect", "django"));
    let err = leida::build(figment).expect_err("refused");
    assert!(err.contains("zhuge_dialect"), "{err}");
}

fn send_as_customer(app: &TestApp, customer: &Signer, boss: &Signer, msg: &str) {
    let content = urlencode(&json!({"info_type": 1, "msg": msg}).to_string());
    let uri = customer.uri("/zhugeleida/xiaochengxu/chat/send_msg/0", "");
    let sent = app.post_form(&uri, &format!("u_id={}&content={content}", boss.user_id));
    assert_eq!(sent["code"], 200, "{sent}");
}

#[test]
fn the_original_chat_reads_oldest_first_greeting_on_top_and_echoes_what_was_sent() {
    let (app, boss, customer) = firm("original");
    send_as_customer(&app, &customer, &boss, "你好");
    send_as_customer(&app, &customer, &boss, "在吗");
    let with_boss = format!("u_id={}", boss.user_id);

    // The sender's own messages come back from getmsg, as the original's clients expect;
    // the salesperson's unread count is still only the customer's messages.
    let echoed = app.get(&customer.uri("/zhugeleida/xiaochengxu/chat/getmsg/0", &with_boss));
    let texts: Vec<&str> = echoed["data"]["ret_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 3, "{echoed}");
    assert!(texts[0].starts_with("您好,我是合众康桥的boss"), "{texts:?}");
    assert_eq!(&texts[1..], ["你好", "在吗"]);
    let num = app.get(&customer.uri("/zhugeleida/xiaochengxu/chat/query_num/0", &with_boss));
    assert_eq!(num["data"]["chatinfo_count"], 0, "{num}");
    let contact = app.get(&boss.uri("/zhugeleida/qiyeweixin/contact", ""));
    assert_eq!(contact["data"]["ret_data"][0]["count"], 2, "{contact}");

    let page = app.get(&customer.uri(
        "/zhugeleida/xiaochengxu/chat",
        &format!("{with_boss}&length=2"),
    ));
    let data = &page["data"];
    assert_eq!(data["data_count"], 3, "{page}");
    let items = data["ret_data"].as_array().unwrap();
    assert_eq!(
        (items[0]["msg"].as_str(), items[1]["msg"].as_str()),
        (Some("你好"), Some("在吗"))
    );
    assert_eq!(data["user_name"], "boss");
    let first = app.get(&customer.uri(
        "/zhugeleida/xiaochengxu/chat",
        &format!("{with_boss}&length=2&current_page=2"),
    ));
    assert_eq!(
        first["data"]["ret_data"][0]["is_first_info"], true,
        "{first}"
    );
    assert_eq!(items[0]["is_first_info"], false);

    // The salesperson reading page 1 marks the whole conversation read.
    let with_me = format!("customer_id={}&length=1", customer.user_id);
    app.get(&boss.uri("/zhugeleida/qiyeweixin/chat", &with_me));
    let unread = "SELECT COUNT(*) FROM zl_chat WHERE is_user_new_msg = 1";
    assert_eq!(app.count(unread), 0);
}

#[test]
fn the_seed_chat_is_a_bare_list_newest_first_and_marks_only_the_page() {
    let (app, boss, customer) = firm("seed");
    send_as_customer(&app, &customer, &boss, "你好");
    send_as_customer(&app, &customer, &boss, "在吗");
    let with_boss = format!("u_id={}", boss.user_id);
    let mine = app.get(&customer.uri("/zhugeleida/xiaochengxu/chat/getmsg/0", &with_boss));
    assert_eq!(
        mine["data"].as_array().unwrap().len(),
        1,
        "only the greeting: {mine}"
    );
    let page = app.get(&customer.uri("/zhugeleida/xiaochengxu/chat", &with_boss));
    let items = page["data"].as_array().unwrap();
    assert_eq!(items[0]["msg"], "在吗");
    assert_eq!(items[2]["is_first_info"], true);
    let with_me = format!("customer_id={}&length=1", customer.user_id);
    app.get(&boss.uri("/zhugeleida/qiyeweixin/chat", &with_me));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_chat WHERE is_user_new_msg = 1"),
        1
    );
}

fn radar_actions(app: &TestApp, what: &str) -> Vec<i64> {
    let conn = app.db();
    let mut stmt = conn
        .prepare("SELECT action FROM zl_radar WHERE remark LIKE ?1 ORDER BY id")
        .unwrap();
    stmt.query_map([what], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_product_forward_is_action_2_in_the_original_and_6_in_the_seed() {
    for (dialect, action) in [("original", 2), ("seed", 6)] {
        let (app, boss, customer) = firm(dialect);
        let added = app.post_form(
            &boss.uri("/zhugeleida/qiyeweixin/product/add/0", ""),
            &format!("name=名片&price=1&content={}", product_content()),
        );
        assert_eq!(added["code"], 200, "{added}");
        let product = app.count("SELECT MAX(id) FROM zl_product");
        let extra = format!("uid={}&product_id={product}", boss.user_id);
        let uri = customer.uri("/zhugeleida/xiaochengxu/product/forward_product", &extra);
        assert_eq!(app.get(&uri)["code"], 200);
        assert_eq!(radar_actions(&app, "转发了名片"), [action], "{dialect}");
    }
}

#[test]
fn the_original_radar_by_time_pages_by_ten_and_marks_what_matches_read() {
    let (app, boss, customer) = firm("original");
    let uid = format!("uid={}", boss.user_id);
    for _ in 0..12 {
        app.get(&customer.uri("/zhugeleida/xiaochengxu/mingpian/calling", &uid));
    }
    let page = app.get(&boss.uri("/zhugeleida/qiyeweixin/action/time", ""));
    assert_eq!(
        page["data"]["ret_data"].as_array().unwrap().len(),
        10,
        "{page}"
    );
    assert_eq!(page["data"]["data_count"], 12);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_radar WHERE is_new_msg = 1"),
        0
    );

    let (app, boss, customer) = firm("seed");
    app.get(&customer.uri(
        "/zhugeleida/xiaochengxu/mingpian/calling",
        &format!("uid={}", boss.user_id),
    ));
    app.get(&boss.uri("/zhugeleida/qiyeweixin/action/time", ""));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM zl_radar WHERE is_new_msg = 1"),
        1
    );
}

#[test]
fn the_original_names_cards_by_username_where_it_did() {
    let (app, boss, customer) = firm("original");
    let renamed = app.post_form(
        &boss.uri("/zhugeleida/qiyeweixin/mingpian", ""),
        "username=王经理",
    );
    assert_eq!(renamed["code"], 200, "{renamed}");
    let other = app.customer("c2");
    app.bind(&other, boss.user_id);
    let greeting: String = app
        .db()
        .query_row(
            "SELECT content FROM zl_chat WHERE customer_id = ?1",
            [other.user_id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(greeting.contains("合众康桥的boss,"), "{greeting}");
    let all = app.get(&customer.uri("/zhugeleida/xiaochengxu/mingpian/all", ""));
    assert_eq!(all["data"]["ret_data"][0]["username"], "boss", "{all}");
    let uid = format!("uid={}", boss.user_id);
    let poster = app.get(&customer.uri("/zhugeleida/xiaochengxu/mingpian/create_poster", &uid));
    assert_eq!(poster["data"]["username"], "boss", "{poster}");
    // The card itself shows the card name, in both dialects.
    assert_eq!(
        card_view(&app, &customer, &boss)["data"]["ret_data"]["username"],
        "王经理"
    );
}

#[test]
fn login_tells_the_card_the_build_and_the_tab_bar() {
    let (app, boss, _) = firm("seed");
    let company = company_of(&app, &boss);
    let update = format!("/zhugeleida/qiyeweixin/company/update/{company}");
    let set = app.post_form(&boss.uri(&update, ""), "mp_version=1.2.0&shopping_type=2");
    assert_eq!(set["code"], 200, "{set}");
    assert_eq!(
        app.post_form(&boss.uri(&update, ""), "shopping_type=3")["code"],
        303
    );

    let login = |query: &str| app.get(&format!("/zhugeleida/xiaochengxu/login?code=c9&{query}"));
    let released = login(&format!("company_id={company}&user_version=1.2.0"));
    let data = &released["data"];
    assert_eq!(data["is_release_version_num"], true, "{released}");
    assert_eq!(data["uid"], boss.user_id, "the company's first card");
    let tabs: Vec<&str> = data["buttom_navigation_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["to_url"].as_str().unwrap())
        .collect();
    assert_eq!(
        tabs,
        [
            "pages/mingpian/index",
            "pages/mingpian/msg",
            "pages/store/store",
            "pages/guanwang/index"
        ]
    );
    let preview = login(&format!("company_id={company}&user_version=1.3.0-beta"));
    assert_eq!(preview["data"]["is_release_version_num"], false);
    let no_company = login("");
    assert_eq!(no_company["data"]["is_release_version_num"], false);
    let unknown_card = login(&format!("company_id={company}&uid=999"));
    assert_eq!(unknown_card["data"]["uid"], Value::Null, "{unknown_card}");
}

#[test]
fn sign_in_tells_whether_the_password_was_chosen_and_modify_password_chooses_it() {
    let (app, boss, _) = firm("seed");
    let company = company_of(&app, &boss);
    let update = format!("/zhugeleida/qiyeweixin/company/update/{company}");
    let qr = "weChatQrCode=statics/uploads/work-qr.png";
    assert_eq!(app.post_form(&boss.uri(&update, ""), qr)["code"], 200);
    let sign_in = |password: &str| {
        app.post_form(
            "/zhugeleida/admin/login",
            &format!("username=boss&password={password}"),
        )
    };
    let first = sign_in("S3cret-pw");
    assert_eq!(first["data"]["is_reset_password"], false, "{first}");
    assert_eq!(first["data"]["weChatQrCode"], "statics/uploads/work-qr.png");
    assert_eq!(first["data"]["set_avatar"], first["data"]["avatar"]);

    let modify = boss.uri("/zhugeleida/admin/modify_password", "");
    let mismatch = app.post_form(&modify, "password1=New-pass-1&password2=New-pass-2");
    assert_eq!(mismatch["code"], 303, "{mismatch}");
    let short = app.post_form(&modify, "password1=a&password2=a");
    assert_eq!(short["code"], 303, "{short}");
    assert_eq!(sign_in("New-pass-1")["code"], 401);
    let changed = app.post_form(&modify, "password1=New-pass-1&password2=New-pass-1");
    assert_eq!(changed["code"], 200, "{changed}");
    assert_eq!(sign_in("S3cret-pw")["code"], 401);
    let again = sign_in("New-pass-1");
    assert_eq!(again["data"]["is_reset_password"], true, "{again}");
    // The client that changed it is still signed in.
    assert_eq!(
        app.get(&boss.uri("/zhugeleida/qiyeweixin/mingpian", ""))["code"],
        200
    );
    let unsigned = app.post_form(
        "/zhugeleida/admin/modify_password",
        "password1=x-New-pass&password2=x-New-pass",
    );
    assert_ne!(unsigned["code"], 200);
}

#[test]
fn the_original_address_book_pages_by_ten_newest_binding_first() {
    for (dialect, rows) in [("original", 10), ("seed", 11)] {
        let (app, boss, first) = firm(dialect);
        let mut last = first.user_id;
        for i in 2..=11 {
            let customer = app.customer(&format!("c{i}"));
            app.bind(&customer, boss.user_id);
            last = customer.user_id;
        }
        // The first customer is the most likely to close, so the seed's order puts it on top.
        let pr = format!(
            "/zhugeleida/qiyeweixin/customer/update_expected_pr/{}",
            first.user_id
        );
        assert_eq!(
            app.post_form(&boss.uri(&pr, ""), "expedted_pr=90")["code"],
            200
        );
        let book = app.get(&boss.uri("/zhugeleida/qiyeweixin/tongxunlu", ""));
        let list = book["data"]["ret_data"].as_array().unwrap();
        assert_eq!(list.len(), rows, "{dialect}: {book}");
        let top = if dialect == "original" {
            last
        } else {
            first.user_id
        };
        assert_eq!(list[0]["customer_id"], top, "{dialect}");
    }
}
