//! The console's server side: the live radar stream, the public card page, the bundled files.

use std::time::Duration;

use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::tokio::io::AsyncReadExt;
use rocket::tokio::time::{sleep, timeout};
use serde_json::Value;

use crate::common::{Signer, TestApp};
use leida::zhuge::work::stream::RadarFeed;

pub const STREAM: &str = "/zhugeleida/qiyeweixin/action/stream";

/// Two salespeople of one company and a customer bound to both.
struct Scene {
    app: TestApp,
    boss: Signer,
    other: Signer,
    customer: Signer,
}

fn scene() -> Scene {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let other = app.admin("lihua", "合众康桥");
    let customer = app.customer("c1");
    for uid in [boss.user_id, other.user_id] {
        let bind = customer.uri(
            "/zhugeleida/xiaochengxu/login/binding",
            &format!("uid={uid}"),
        );
        assert_eq!(app.get(&bind)["code"], 200);
    }
    Scene {
        app,
        boss,
        other,
        customer,
    }
}

fn view_card(customer: &Signer, uid: i64) -> String {
    customer.uri("/zhugeleida/xiaochengxu/mingpian", &format!("uid={uid}"))
}

/// Runs `test` against the same database under the async client that streams need, on a
/// new server: a terminated blocking client would hand over a server already told to shut
/// down (which ends its streams at once), so the first server is dropped (releasing its lock
/// on the database) and a second one built on the same files.
pub fn with_async_client<F>(app: TestApp, test: impl FnOnce(Client) -> F)
where
    F: std::future::Future<Output = ()>,
{
    let TestApp { client, dir } = app;
    drop(client);
    let figment = rocket::Config::figment()
        .merge(("db_path", dir.path().join("db").join("leida.db")))
        .merge(("data_dir", dir.path().join("files")))
        .merge(("log_level", "off"))
        .merge(("wechat_appid", ""));
    let rocket = leida::build(figment).expect("server builds");
    let runtime = rocket::tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = Client::tracked(rocket).await.unwrap();
        test(client).await;
    });
}

/// The next `data:` event of a stream, or None after 5 s.
async fn next_event(stream: &mut LocalResponse<'_>) -> Option<Value> {
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = text.find("\n\n") {
            let block: String = text.drain(..end + 2).collect();
            let data: Vec<&str> = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim_start)
                .collect();
            if !data.is_empty() {
                return Some(serde_json::from_str(&data.join("\n")).expect("JSON event"));
            }
            continue;
        }
        let n = timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        text.push_str(std::str::from_utf8(&buf[..n]).expect("utf-8"));
    }
}

pub async fn get_json(client: &Client, uri: String) -> Value {
    client.get(uri).dispatch().await.into_json().await.unwrap()
}

#[test]
fn the_stream_refuses_a_missing_or_wrong_signature() {
    let s = scene();
    let unsigned = s.app.get(STREAM);
    assert_eq!(unsigned["code"], 400, "{unsigned}");
    let forged = Signer {
        user_id: s.boss.user_id,
        token: "not-the-token".into(),
    };
    assert_eq!(s.app.get(&forged.uri(STREAM, ""))["code"], 400);
    // A customer's valid signature is no employee's.
    let as_customer = s.app.get(&s.customer.uri(STREAM, ""));
    assert_eq!(as_customer["code"], 400, "{as_customer}");
    let listeners = s.app.client.rocket().state::<RadarFeed>().unwrap();
    assert_eq!(
        listeners.listeners(),
        0,
        "a refused request holds no stream"
    );
}

#[test]
fn the_stream_refuses_a_disabled_account() {
    let s = scene();
    s.app
        .db()
        .execute(
            "UPDATE zl_employee SET status = 2 WHERE id = ?1",
            [s.other.user_id],
        )
        .unwrap();
    assert_eq!(s.app.get(&s.other.uri(STREAM, ""))["code"], 306);
}

#[test]
fn a_card_view_reaches_only_its_salespersons_stream_shaped_like_action_time() {
    let s = scene();
    let (boss, other, customer) = (&s.boss, &s.other, &s.customer);
    with_async_client(s.app, |client| async move {
        let mut stream = client.get(boss.uri(STREAM, "")).dispatch().await;
        assert_eq!(stream.status(), Status::Ok);
        assert_eq!(stream.content_type(), Some(ContentType::EventStream));
        assert_eq!(stream.headers().get_one("X-Accel-Buffering"), Some("no"));
        // The other salesperson's event comes first and must be skipped.
        assert_eq!(
            get_json(&client, view_card(customer, other.user_id)).await["code"],
            200
        );
        assert_eq!(
            get_json(&client, view_card(customer, boss.user_id)).await["code"],
            200
        );
        let event = next_event(&mut stream).await.expect("an event within 10 s");
        assert_eq!(event["user_id"], boss.user_id);
        assert_eq!(event["customer_id"], customer.user_id);
        assert_eq!(event["action"], 1);
        assert_eq!(event["action_name"], "查看名片");

        let listed = get_json(&client, boss.uri("/zhugeleida/qiyeweixin/action/time", "")).await;
        assert_eq!(
            listed["data"]["ret_data"][0], event,
            "the same shape as action/time"
        );
        assert!(event["log"]
            .as_str()
            .unwrap()
            .ends_with("首次查看您的名片,沟通从此刻开始"));

        // A second view arrives too, and still nothing of the other salesperson's.
        get_json(&client, view_card(customer, other.user_id)).await;
        get_json(&client, view_card(customer, boss.user_id)).await;
        let second = next_event(&mut stream).await.expect("second event");
        assert_eq!(second["user_id"], boss.user_id);
        assert!(second["id"].as_i64() > event["id"].as_i64());
        assert!(second["log"].as_str().unwrap().contains("第2次"));
    });
}

#[test]
fn events_written_before_the_stream_opened_are_not_replayed() {
    let s = scene();
    assert_eq!(
        s.app.get(&view_card(&s.customer, s.boss.user_id))["code"],
        200
    );
    let (boss, customer) = (&s.boss, &s.customer);
    with_async_client(s.app, |client| async move {
        let mut stream = client.get(boss.uri(STREAM, "")).dispatch().await;
        // Give the watcher a tick to see the listener, then act.
        sleep(Duration::from_millis(600)).await;
        get_json(
            &client,
            customer.uri(
                "/zhugeleida/xiaochengxu/mingpian/praise",
                &format!("uid={}", boss.user_id),
            ),
        )
        .await;
        let event = next_event(&mut stream).await.expect("the praise");
        assert_eq!(
            event["action"], 9,
            "the earlier view is history, not news: {event}"
        );
    });
}

#[test]
fn the_stream_ends_when_the_client_goes_away() {
    let s = scene();
    let (boss, other) = (&s.boss, &s.other);
    with_async_client(s.app, |client| async move {
        let feed = client.rocket().state::<RadarFeed>().unwrap();
        let first = client.get(boss.uri(STREAM, "")).dispatch().await;
        let second = client.get(other.uri(STREAM, "")).dispatch().await;
        assert_eq!(feed.listeners(), 2);
        drop(first);
        assert!(
            wait_for(|| feed.listeners() == 1).await,
            "one stream closed"
        );
        drop(second);
        assert!(
            wait_for(|| feed.listeners() == 0).await,
            "every stream closed"
        );
    });
}

async fn wait_for(done: impl Fn() -> bool) -> bool {
    for _ in 0..50 {
        if done() {
            return true;
        }
        sleep(Duration::from_millis(40)).await;
    }
    false
}

// ---- the public card page ----

fn page(app: &TestApp, uri: &str) -> (Status, Option<ContentType>, String, Option<String>) {
    let response = app.client.get(uri.to_string()).dispatch();
    let csp = response
        .headers()
        .get_one("Content-Security-Policy")
        .map(str::to_string);
    (
        response.status(),
        response.content_type(),
        response.into_string().unwrap_or_default(),
        csp,
    )
}

#[test]
fn the_card_page_shows_the_card_as_escaped_html_and_writes_no_event() {
    let s = scene();
    let edit = s.app.post_form(
        &s.boss.uri("/zhugeleida/qiyeweixin/mingpian", ""),
        "username=%3Cscript%3Ealert(1)%3C%2Fscript%3E&position=销售%26总监&mingpian_phone=13900001111&is_show_phone=1&sign=%22靠谱%22",
    );
    assert_eq!(edit["code"], 200, "{edit}");
    let events = s.app.count("SELECT COUNT(*) FROM zl_radar");
    let uri = format!(
        "/mp/mingpian?uid={}&source=1&pid={}",
        s.boss.user_id, s.customer.user_id
    );
    let (status, content_type, body, csp) = page(&s.app, &uri);
    assert_eq!(status, Status::Ok);
    assert_eq!(content_type, Some(ContentType::HTML));
    assert!(
        body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{body}"
    );
    assert!(!body.contains("<script"), "no script tag at all: {body}");
    assert!(body.contains("销售&amp;总监"));
    assert!(body.contains("&quot;靠谱&quot;"));
    assert!(body.contains("合众康桥"));
    assert!(body.contains("href=\"tel:13900001111\""));
    assert!(body.contains(&format!("href=\"/mp/mingpian.vcf?uid={}\"", s.boss.user_id)));
    assert!(csp.unwrap().contains("default-src 'none'"));
    assert_eq!(s.app.count("SELECT COUNT(*) FROM zl_radar"), events);
}

#[test]
fn a_hidden_phone_is_neither_shown_nor_dialled() {
    let s = scene();
    let edit = s.app.post_form(
        &s.boss.uri("/zhugeleida/qiyeweixin/mingpian", ""),
        "mingpian_phone=13900001111&is_show_phone=0",
    );
    assert_eq!(edit["code"], 200, "{edit}");
    let (_, _, body, _) = page(
        &s.app,
        &format!("/mp/mingpian?uid={}&source=1", s.boss.user_id),
    );
    assert!(!body.contains("13900001111"));
    assert!(!body.contains("tel:"));
    let (_, _, vcard, _) = page(&s.app, &format!("/mp/mingpian.vcf?uid={}", s.boss.user_id));
    assert!(!vcard.contains("TEL"));
}

#[test]
fn an_unknown_or_malformed_uid_is_a_404_page() {
    let s = scene();
    for uri in [
        "/mp/mingpian?uid=99999&source=1",
        "/mp/mingpian?uid=abc",
        "/mp/mingpian",
        "/mp/mingpian.vcf?uid=99999",
    ] {
        let (status, content_type, body, _) = page(&s.app, uri);
        assert_eq!(status, Status::NotFound, "{uri}");
        assert_eq!(content_type, Some(ContentType::HTML), "{uri}");
        assert!(body.contains("名片不存在"), "{uri}: {body}");
    }
    s.app
        .db()
        .execute(
            "UPDATE zl_employee SET status = 2 WHERE id = ?1",
            [s.other.user_id],
        )
        .unwrap();
    let (status, ..) = page(&s.app, &format!("/mp/mingpian?uid={}", s.other.user_id));
    assert_eq!(
        status,
        Status::NotFound,
        "a disabled employee's card is gone"
    );
}

#[test]
fn the_vcard_saves_the_contact_with_its_text_escaped() {
    let s = scene();
    let edit = s.app.post_form(
        &s.boss.uri("/zhugeleida/qiyeweixin/mingpian", ""),
        "username=刘总&position=经理,华北;华东&mingpian_phone=13900001111&is_show_phone=1&email=liu@example.com",
    );
    assert_eq!(edit["code"], 200, "{edit}");
    let response = s
        .app
        .client
        .get(format!("/mp/mingpian.vcf?uid={}", s.boss.user_id))
        .dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(
        response.content_type(),
        Some(ContentType::new("text", "vcard"))
    );
    let disposition = response
        .headers()
        .get_one("Content-Disposition")
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let text = response.into_string().unwrap();
    assert!(text.starts_with("BEGIN:VCARD\r\nVERSION:3.0\r\n"), "{text}");
    assert!(text.contains("FN:刘总\r\n"));
    assert!(text.contains("ORG:合众康桥\r\n"));
    assert!(text.contains("TITLE:经理\\,华北\\;华东\r\n"), "{text}");
    assert!(text.contains("TEL;TYPE=CELL:13900001111\r\n"));
    assert!(text.contains("EMAIL:liu@example.com\r\n"));
    assert!(text.ends_with("END:VCARD\r\n"));
}

// ---- the bundled console ----

#[test]
fn the_console_is_served_from_the_binary() {
    let app = TestApp::new();
    for uri in ["/console/", "/console"] {
        let response = app.client.get(uri).dispatch();
        assert_eq!(response.status(), Status::Ok, "{uri}");
        assert_eq!(response.content_type(), Some(ContentType::HTML));
        assert!(response
            .into_string()
            .unwrap()
            .contains("<script type=\"module\""));
    }
    let js = app.client.get("/console/app.js").dispatch();
    assert_eq!(js.status(), Status::Ok);
    assert_eq!(js.content_type(), Some(ContentType::JavaScript));
    let md5 = app
        .client
        .get("/console/md5.js")
        .dispatch()
        .into_string()
        .unwrap();
    assert!(
        md5.contains("License"),
        "the vendored MD5 keeps its licence"
    );
    for outside in [
        "/console/../Cargo.toml",
        "/console/%2e%2e/Cargo.toml",
        "/console/nothing.js",
    ] {
        assert_eq!(
            app.client.get(outside).dispatch().status(),
            Status::NotFound,
            "{outside}"
        );
    }
}
