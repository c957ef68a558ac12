//! Chat between a customer and the salespeople they are bound to, from both sides; chat
//! notices through formIds; the phone number; radar pushes to Work WeChat.

use leida::wechat::crypto;
use serde_json::{json, Value};

use crate::common::{urlencode, wait_for, FakeServer, Signer, TestApp};

const KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
const IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";

struct Scene {
    app: TestApp,
    boss: Signer,
    customer: Signer,
}

fn scene_in(app: TestApp) -> Scene {
    let (boss, customer) = app.boss_and_customer();
    Scene {
        app,
        boss,
        customer,
    }
}

fn scene() -> Scene {
    scene_in(TestApp::new())
}

fn fake_wechat() -> FakeServer {
    FakeServer::start(|r| {
        let body = match r.path.as_str() {
            "/sns/jscode2session" => {
                json!({"openid": format!("o-{}", r.param("js_code").unwrap_or_default()), "session_key": KEY})
            }
            "/cgi-bin/token" | "/cgi-bin/gettoken" => {
                json!({"errcode": 0, "access_token": "TOKEN", "expires_in": 7200})
            }
            "/wxa/business/getuserphonenumber" => {
                json!({"errcode": 0, "phone_info": {"phoneNumber": "13900001111"}})
            }
            _ => json!({"errcode": 0, "errmsg": "ok"}),
        };
        (200, body.to_string())
    })
}

fn online(fake: &FakeServer) -> TestApp {
    let url = fake.url.clone();
    TestApp::with(move |f| {
        f.merge(("wechat_api", url.clone()))
            .merge(("work_wechat_api", url))
            .merge(("wechat_appid", "wx-card"))
            .merge(("wechat_secret", "s"))
            .merge(("wechat_template_id", "TPL"))
            .merge(("work_wechat_corpid", "corp"))
            .merge(("work_wechat_secret", "cs"))
            .merge(("work_wechat_agentid", "1000002"))
    })
}

impl Scene {
    fn customer_send(&self, prefix: &str, uid: i64, content: &Value) -> Value {
        let uri = self
            .customer
            .uri(&format!("/zhugeleida/{prefix}/chat/send_msg/0"), "");
        self.app.post_form(
            &uri,
            &format!("u_id={uid}&content={}", urlencode(&content.to_string())),
        )
    }

    fn boss_send(&self, body: &str) -> Value {
        let uri = self.boss.uri("/zhugeleida/qiyeweixin/chat/send_msg/0", "");
        self.app.post_form(&uri, body)
    }

    fn mini(&self, path: &str, extra: &str) -> Value {
        self.app.get(
            &self
                .customer
                .uri(&format!("/zhugeleida/xiaochengxu/{path}"), extra),
        )
    }

    fn work(&self, path: &str, extra: &str) -> Value {
        self.app.get(
            &self
                .boss
                .uri(&format!("/zhugeleida/qiyeweixin/{path}"), extra),
        )
    }
}

#[test]
fn a_customer_message_reaches_the_salesperson_once() {
    let s = scene();
    let uid = s.boss.user_id;
    let sent = s.customer_send(
        "xiaochengxu",
        uid,
        &json!({"info_type": 1, "msg": "你好, 想了解一下"}),
    );
    assert_eq!(sent["code"], 200, "{sent}");
    assert_eq!(sent["msg"], "send msg successful");

    let contacts = s.work("contact", "");
    assert_eq!(contacts["data"]["data_count"], 1);
    let row = &contacts["data"]["ret_data"][0];
    assert_eq!(row["customer_id"], s.customer.user_id);
    assert_eq!(row["msg"], "你好, 想了解一下");
    assert_eq!(row["count"], 1);

    let cid = format!("customer_id={}", s.customer.user_id);
    let fresh = s.work("chat/getmsg/0", &cid);
    let items = fresh["data"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{fresh}");
    assert_eq!(items[0]["send_type"], 2);
    assert_eq!(items[0]["name"], "微信用户");
    assert_eq!(
        s.work("chat/getmsg/0", &cid)["data"],
        json!([]),
        "read once"
    );
    assert_eq!(s.work("contact", "")["data"]["ret_data"][0]["count"], 0);

    let msg_num: i64 = s
        .app
        .db()
        .query_row(
            "SELECT is_customer_msg_num FROM zl_relation WHERE customer_id = ?1",
            [s.customer.user_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(msg_num, 1);
}

#[test]
fn the_salespersons_messages_are_counted_and_fetched_by_the_customer() {
    let s = scene();
    let uid = format!("u_id={}", s.boss.user_id);
    // The binding left the greeting unread.
    assert_eq!(
        s.mini("chat/query_num/0", &uid)["data"]["chatinfo_count"],
        1
    );
    let body = format!("customer_id={}&msg=您好", s.customer.user_id);
    assert_eq!(s.boss_send(&body)["code"], 200);
    let ask = format!(
        "customer_id={}&content={}",
        s.customer.user_id,
        urlencode(r#"{"info_type":3}"#)
    );
    assert_eq!(s.boss_send(&ask)["code"], 200);
    assert_eq!(
        s.mini("chat/query_num/0", &uid)["data"]["chatinfo_count"],
        3
    );

    let fresh = s.mini("chat/getmsg/0", &uid);
    let items = fresh["data"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[1]["msg"], "您好", "oldest first");
    assert_eq!(items[2]["content"]["msg"], "您好,请问能否告诉我您的手机号?");
    assert_eq!(items[2]["send_type"], 1);
    assert_eq!(
        s.mini("chat/query_num/0", &uid)["data"]["chatinfo_count"],
        0
    );

    let history = s.mini("chat", &format!("{uid}&length=2"));
    let page = history["data"].as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["content"]["info_type"], 3, "newest first");
    let last_follow: Option<String> = s
        .app
        .db()
        .query_row("SELECT last_follow_time FROM zl_relation", [], |r| r.get(0))
        .unwrap();
    assert!(last_follow.is_some());
}

#[test]
fn content_is_stored_and_returned_whole_and_checked() {
    let s = scene();
    let uid = s.boss.user_id;
    let card = json!({"info_type": 2, "product_cover_url": "statics/p.png",
                      "product_name": "智能名片", "product_price": "998", "extra": [1, 2]});
    // The seed writes chat under /qiyeweixin/: a customer's signature works there too.
    assert_eq!(s.customer_send("qiyeweixin", uid, &card)["code"], 200);
    let history = s.app.get(
        &s.customer
            .uri("/zhugeleida/qiyeweixin/chat", &format!("u_id={uid}")),
    );
    assert_eq!(history["data"][0]["content"], card, "{history}");
    assert_eq!(
        s.work("contact", "")["data"]["ret_data"][0]["msg"],
        "向您咨询:智能名片"
    );

    let bad = s.customer_send("xiaochengxu", uid, &json!("just text"));
    assert_eq!(bad["code"], 301);
    let unknown = s.customer_send("xiaochengxu", uid, &json!({"info_type": 9}));
    assert_eq!(unknown["code"], 303);
    let missing = s.app.post_form(
        &s.customer
            .uri("/zhugeleida/xiaochengxu/chat/send_msg/0", ""),
        &format!("u_id={uid}"),
    );
    assert_eq!(missing["code"], 303);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM zl_chat WHERE send_type = 2"),
        1
    );
}

#[test]
fn nobody_talks_outside_their_relations() {
    let s = scene();
    let stranger = s.app.admin("other", "别的公司");
    let hello = json!({"info_type": 1, "msg": "hi"});
    assert_eq!(
        s.customer_send("xiaochengxu", stranger.user_id, &hello)["code"],
        403
    );
    assert_eq!(s.customer_send("xiaochengxu", 9999, &hello)["code"], 302);
    let read = s.mini("chat", &format!("u_id={}", stranger.user_id));
    assert_eq!(read["code"], 403);

    let cid = format!("customer_id={}", s.customer.user_id);
    let theirs = s
        .app
        .get(&stranger.uri("/zhugeleida/qiyeweixin/chat", &cid));
    assert_eq!(theirs["code"], 302);
    let write = s.app.post_form(
        &stranger.uri("/zhugeleida/qiyeweixin/chat/send_msg/0", ""),
        &format!("{cid}&msg=x"),
    );
    assert_eq!(write["code"], 302);
    assert_eq!(s.work("chat", "customer_id=9999")["code"], 302);
    assert_eq!(
        s.app.count("SELECT COUNT(*) FROM zl_chat"),
        1,
        "only the greeting"
    );
}

#[test]
fn a_salesperson_message_sends_a_notice_with_a_fresh_form_id() {
    let fake = fake_wechat();
    let s = scene_in(online(&fake));
    let form = |id: &str| {
        let uri = s
            .customer
            .uri("/zhugeleida/xiaochengxu/login/send_form_id", "");
        assert_eq!(s.app.post_form(&uri, &format!("formId={id}"))["code"], 200);
    };
    form("F-old");
    form("F-new");
    s.app
        .db()
        .execute(
            "UPDATE zl_form_id SET create_date = '2020-01-01T00:00:00.000' WHERE form_id = 'F-old'",
            [],
        )
        .unwrap();

    let body = format!("customer_id={}&msg=您好", s.customer.user_id);
    assert_eq!(s.boss_send(&body)["code"], 200);
    let sends = || fake.calls("/cgi-bin/message/wxopen/template/send");
    wait_for("the template message", || sends().len() == 1);
    let sent: Value = serde_json::from_str(&sends()[0].body).unwrap();
    assert_eq!(sent["form_id"], "F-new");
    assert_eq!(sent["touser"], "o-c1");
    assert_eq!(sent["template_id"], "TPL");
    assert_eq!(sent["data"]["keyword1"]["value"], "boss");
    assert_eq!(sends()[0].param("access_token").as_deref(), Some("TOKEN"));

    // F-new is spent and F-old too old: the next message sends no notice, and is still sent.
    assert_eq!(s.boss_send(&body)["code"], 200);
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM outbox WHERE kind = 'mini_template'"),
        1
    );
    assert_eq!(
        s.app
            .count("SELECT COUNT(*) FROM zl_chat WHERE send_type = 1"),
        3
    );
}

#[test]
fn the_phone_number_is_decrypted_with_the_session_key_and_saved() {
    let fake = fake_wechat();
    let s = scene_in(online(&fake));
    let uri = s
        .customer
        .uri("/zhugeleida/xiaochengxu/chat/encrypted_phone_number/0", "");
    let sealed = |appid: &str| {
        crypto::encrypt(
            KEY,
            IV,
            &json!({"phoneNumber": "13800138000", "watermark": {"appid": appid}}),
        )
    };
    let post = |data: &str| {
        s.app.post_form(
            &uri,
            &format!(
                "u_id={}&encryptedData={}&iv={}",
                s.boss.user_id,
                urlencode(data),
                urlencode(IV)
            ),
        )
    };
    let phone = || -> String {
        s.app
            .db()
            .query_row(
                "SELECT IFNULL((SELECT given_phone FROM zl_customer_note WHERE customer_id = ?1), '')",
                [s.customer.user_id],
                |r| r.get(0),
            )
            .unwrap()
    };

    let foreign = post(&sealed("wx-other"));
    assert_eq!(foreign["code"], 303, "{foreign}");
    assert_eq!(post("%%%")["code"], 303);
    assert_eq!(phone(), "", "nothing saved");

    let got = post(&sealed("wx-card"));
    assert_eq!(got["code"], 200, "{got}");
    assert_eq!(got["data"]["phoneNumber"], "13800138000");
    assert_eq!(phone(), "13800138000");
    let told = s.work(
        "chat/getmsg/0",
        &format!("customer_id={}", s.customer.user_id),
    );
    assert_eq!(told["data"][0]["msg"], "我的手机号是: 13800138000");

    let by_code = s
        .app
        .post_form(&uri, &format!("u_id={}&code=PHONECODE", s.boss.user_id));
    assert_eq!(by_code["data"]["phoneNumber"], "13900001111", "{by_code}");
    let asked = fake.calls("/wxa/business/getuserphonenumber");
    let asked: Value = serde_json::from_str(&asked[0].body).unwrap();
    assert_eq!(asked, json!({"code": "PHONECODE"}));
}

#[test]
fn every_radar_event_is_pushed_to_the_salespersons_work_wechat() {
    let fake = fake_wechat();
    let s = scene_in(online(&fake));
    s.app
        .db()
        .execute("UPDATE zl_employee SET userid = 'zhangsan'", [])
        .unwrap();
    let view = s.mini("mingpian", &format!("uid={}", s.boss.user_id));
    assert_eq!(view["code"], 200);
    let pushes = || fake.calls("/cgi-bin/message/send");
    wait_for("the radar push", || !pushes().is_empty());
    let push: Value = serde_json::from_str(&pushes()[0].body).unwrap();
    assert_eq!(push["touser"], "zhangsan");
    assert_eq!(push["agentid"], 1000002);
    assert_eq!(
        push["text"]["content"],
        "微信用户首次查看您的名片,沟通从此刻开始"
    );
    assert_eq!(
        fake.calls("/cgi-bin/gettoken")[0]
            .param("corpsecret")
            .as_deref(),
        Some("cs")
    );
}
