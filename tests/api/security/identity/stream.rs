//! An open radar stream outlives the signature that opened it: it re-reads its signer and
//! ends when the employee is deleted, disabled or expired or the token changed; and an
//! employee holds only a few streams at once.

use std::time::Duration;

use rocket::http::{ContentType, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::tokio::io::AsyncReadExt;
use rocket::tokio::time::{sleep, timeout, Instant};

use crate::common::{Signer, TestApp};
use crate::console::{get_json, with_async_client, STREAM};
use crate::zhuge_people::{add_role, add_user};
use leida::zhuge::work::stream::{RadarFeed, PER_EMPLOYEE};

/// Whether the stream ends (the server closes it) within `limit`.
async fn ends_within(stream: &mut LocalResponse<'_>, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

fn open_listeners(client: &Client) -> usize {
    client.rocket().state::<RadarFeed>().unwrap().listeners()
}

const W: &str = "/zhugeleida/qiyeweixin";

#[test]
fn a_stream_ends_once_its_signer_is_deleted_disabled_reset_or_expired() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let role = add_role(&app, &boss, "销售", "[]");
    let deleted = add_user(&app, &boss, "deleted", role);
    let disabled = add_user(&app, &boss, "disabled", role);
    let reset = add_user(&app, &boss, "reset", role);
    let kept = add_user(&app, &boss, "kept", role);
    let expired = app.admin("expired", "过期公司");
    let people: Vec<&Signer> = vec![&deleted, &disabled, &reset, &expired, &kept];
    let (boss, path) = (&boss, app.dir.path().join("db").join("leida.db"));
    with_async_client(app, |client| async move {
        let mut streams = Vec::new();
        for who in &people {
            let stream = client.get(who.uri(STREAM, "")).dispatch().await;
            assert_eq!(stream.content_type(), Some(ContentType::EventStream));
            streams.push(stream);
        }
        assert_eq!(open_listeners(&client), 5);
        let act = |uri: String, body: &'static str| {
            let client = &client;
            async move {
                let json = client
                    .post(uri)
                    .header(ContentType::Form)
                    .body(body)
                    .dispatch()
                    .await
                    .into_json::<serde_json::Value>()
                    .await
                    .unwrap();
                assert_eq!(json["code"], 200, "{json}");
            }
        };
        act(
            boss.uri(&format!("{W}/user/delete/{}", deleted.user_id), ""),
            "",
        )
        .await;
        act(
            boss.uri(&format!("{W}/user/update/{}", disabled.user_id), ""),
            "status=2",
        )
        .await;
        act(
            boss.uri(&format!("{W}/user/update/{}", reset.user_id), ""),
            "password=new-pass-1",
        )
        .await;
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE zl_company SET account_expired_time = '2001-01-01T00:00:00.000'
                 WHERE id = (SELECT company_id FROM zl_employee WHERE id = ?1)",
                [expired.user_id],
            )
            .unwrap();

        let started = Instant::now();
        let mut kept_stream = streams.pop().unwrap();
        for (stream, who) in streams
            .iter_mut()
            .zip(["deleted", "disabled", "reset", "expired"])
        {
            assert!(
                ends_within(stream, Duration::from_secs(12)).await,
                "the {who} employee's stream is still open"
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(11),
            "re-checked within 10 s"
        );
        assert!(
            !ends_within(&mut kept_stream, Duration::from_millis(300)).await,
            "a signer still valid keeps their stream"
        );
        assert_eq!(open_listeners(&client), 1);
    });
}

#[test]
fn an_employee_holds_only_a_few_streams_and_a_closed_one_frees_its_place() {
    let app = TestApp::new();
    let boss = app.admin("boss", "合众康桥");
    let other = app.admin("other", "合众康桥");
    let (boss, other) = (&boss, &other);
    with_async_client(app, |client| async move {
        let mut open = Vec::new();
        for _ in 0..PER_EMPLOYEE {
            let stream = client.get(boss.uri(STREAM, "")).dispatch().await;
            assert_eq!(stream.content_type(), Some(ContentType::EventStream));
            open.push(stream);
        }
        let refused = get_json(&client, boss.uri(STREAM, "")).await;
        assert_eq!(refused["code"], 403, "{refused}");
        assert!(
            refused["msg"].as_str().unwrap().contains("实时雷达"),
            "{refused}"
        );
        assert_eq!(
            open_listeners(&client),
            PER_EMPLOYEE,
            "the refused one holds none"
        );

        let elsewhere = client.get(other.uri(STREAM, "")).dispatch().await;
        assert_eq!(elsewhere.status(), Status::Ok);
        assert_eq!(elsewhere.content_type(), Some(ContentType::EventStream));

        drop(open.pop());
        let mut again = None;
        for _ in 0..50 {
            let stream = client.get(boss.uri(STREAM, "")).dispatch().await;
            if stream.content_type() == Some(ContentType::EventStream) {
                again = Some(stream);
                break;
            }
            sleep(Duration::from_millis(40)).await;
        }
        assert!(again.is_some(), "a closed stream gives its place back");
    });
}
