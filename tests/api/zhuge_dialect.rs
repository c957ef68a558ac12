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
