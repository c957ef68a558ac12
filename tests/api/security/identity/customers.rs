//! Customers as companies see them: another company's customer answers exactly like an
//! unknown id; the phone a customer hands over belongs to the company it was given to; a
//! binding's `pid` names only a customer of the same card.

use serde_json::Value;

use crate::common::{Signer, TestApp};

const W: &str = "/zhugeleida/qiyeweixin";

/// Every enterprise request that names a customer, aimed at `id`.
fn probes(app: &TestApp, who: &Signer, id: i64) -> Vec<Value> {
    let get = |path: &str, extra: String| app.get(&who.uri(&format!("{W}/{path}"), &extra));
    let post = |path: String, body: &str| app.post_form(&who.uri(&format!("{W}/{path}"), ""), body);
    vec![
        get("customer", format!("customer_id={id}")),
        get("follow_info", format!("customer_id={id}")),
        get("tag_list", format!("customer_id={id}")),
        get("chat", format!("customer_id={id}")),
        get(&format!("customer/delete/{id}"), String::new()),
        post(format!("customer/update_information/{id}"), "mem=x"),
        post(format!("customer/update_expected_pr/{id}"), "expedted_pr=5"),
        post(format!("follow_info/add/{id}"), "follow_info=x"),
        post(format!("tag_list/add_tag/{id}"), "name=x"),
        post(
            "tag_customer/add/0".into(),
            &format!("name=y&customer_list=[{id}]"),
        ),
        post("chat/send_msg/0".into(), &format!("customer_id={id}&msg=x")),
    ]
}

#[test]
fn another_companys_customer_answers_like_an_unknown_id() {
    let app = TestApp::new();
    let (_, customer) = app.boss_and_customer();
    let stranger = app.admin("stranger", "别的公司");
    let foreign = probes(&app, &stranger, customer.user_id);
    let unknown = probes(&app, &stranger, 999_999);
    for (foreign, unknown) in foreign.iter().zip(&unknown) {
        assert_eq!(foreign["code"], 302, "{foreign}");
        assert_eq!(foreign, unknown, "the answer tells the two apart");
    }
}
