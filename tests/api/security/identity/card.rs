//! A phone its owner hid (`is_show_phone = 0`) shows nowhere: not as the WeChat fallback
//! on the mini-program card, not on the public card page, not in its vCard.

use crate::common::TestApp;
use crate::zhuge_people::post;

const PHONE: &str = "13912345678";

fn public(app: &TestApp, path: &str) -> String {
    app.client
        .get(path.to_string())
        .dispatch()
        .into_string()
        .unwrap()
}

#[test]
fn a_hidden_phone_is_not_the_wechat_fallback_nor_on_the_public_page_or_vcard() {
    let app = TestApp::new();
    let (boss, customer) = app.boss_and_customer();
    let json = post(
        &app,
        &boss,
        "mingpian",
        &format!("wechat_phone={PHONE}&is_show_phone=0"),
    );
    assert_eq!(json["code"], 200, "{json}");
    let uid = boss.user_id;

    let seen = app.get(&customer.uri("/zhugeleida/xiaochengxu/mingpian", &format!("uid={uid}")));
    let card = &seen["data"]["ret_data"][0];
    assert_eq!(card["mingpian_phone"], "", "{card}");
    assert_eq!(
        card["wechat"], "",
        "the hidden phone came back as the WeChat id: {card}"
    );
    let listed = app.get(&customer.uri("/zhugeleida/xiaochengxu/mingpian/all", ""));
    assert!(!listed.to_string().contains(PHONE), "{listed}");

    let page = public(&app, &format!("/mp/mingpian?uid={uid}"));
    assert!(page.contains("<h1>"), "{page}");
    assert!(
        !page.contains(PHONE),
        "the public page shows the hidden phone"
    );
    let vcard = public(&app, &format!("/mp/mingpian.vcf?uid={uid}"));
    assert!(vcard.starts_with("BEGIN:VCARD"), "{vcard}");
    assert!(!vcard.contains(PHONE), "{vcard}");

    // Shown again, the phone is the WeChat fallback as before; a WeChat id set wins.
    post(&app, &boss, "mingpian", "is_show_phone=1");
    let seen = app.get(&customer.uri("/zhugeleida/xiaochengxu/mingpian", &format!("uid={uid}")));
    assert_eq!(seen["data"]["ret_data"][0]["wechat"], PHONE);
    post(&app, &boss, "mingpian", "wechat=boss-wx&is_show_phone=0");
    let seen = app.get(&customer.uri("/zhugeleida/xiaochengxu/mingpian", &format!("uid={uid}")));
    assert_eq!(seen["data"]["ret_data"][0]["wechat"], "boss-wx");
    assert!(!public(&app, &format!("/mp/mingpian?uid={uid}")).contains(PHONE));
}
