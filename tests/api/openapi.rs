//! The OpenAPI document and the docs page: every mounted route is described, nothing
//! else is, and the page that renders the document is served from the binary.

use std::collections::BTreeSet;

use leida::docs::{Place, ROUTES};
use rocket::http::{ContentType, Status};
use serde_json::Value;

use crate::common::TestApp;

fn mounted(app: &TestApp) -> BTreeSet<(String, String)> {
    app.client
        .rocket()
        .routes()
        .map(|r| (r.method.as_str().to_string(), r.uri.path().to_string()))
        .collect()
}

fn described() -> BTreeSet<(String, String)> {
    ROUTES
        .iter()
        .map(|op| (op.method.to_string(), op.path.to_string()))
        .collect()
}

#[test]
fn every_mounted_route_is_described_and_every_description_is_mounted() {
    let app = TestApp::new();
    let (mounted, described) = (mounted(&app), described());
    let undescribed: Vec<_> = mounted.difference(&described).collect();
    let unmounted: Vec<_> = described.difference(&mounted).collect();
    assert!(
        undescribed.is_empty(),
        "mounted but missing from src/docs/table.rs: {undescribed:#?}"
    );
    assert!(
        unmounted.is_empty(),
        "in src/docs/table.rs but not mounted: {unmounted:#?}"
    );
    assert_eq!(described.len(), ROUTES.len(), "a route is described twice");
}

#[test]
fn every_table_line_parses_and_names_each_parameter_once() {
    for op in ROUTES {
        let params = op.parameters();
        let names: BTreeSet<_> = params.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names.len(),
            params.len(),
            "{} {}: a name repeats",
            op.method,
            op.path
        );
        let in_path = op.path.matches('<').count();
        let path_params = params.iter().filter(|p| p.place == Place::Path).count();
        assert_eq!(in_path, path_params, "{} {}", op.method, op.path);
        assert!(
            !op.summary.is_empty(),
            "{} {}: no summary",
            op.method,
            op.path
        );
    }
}

#[test]
fn the_served_document_lists_every_operation_with_its_parameters() {
    let app = TestApp::new();
    let response = app.client.get("/openapi.json").dispatch();
    assert_eq!(response.status(), Status::Ok);
    assert_eq!(response.content_type(), Some(ContentType::JSON));
    let doc: Value = response.into_json().expect("JSON");
    assert_eq!(doc["openapi"], "3.0.3");
    let operations: usize = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .map(|item| item.as_object().expect("path item").len())
        .sum();
    assert_eq!(operations, ROUTES.len());

    let delete = &doc["paths"]["/zhugeleida/qiyeweixin/user/delete/{id}"]["post"];
    assert_eq!(delete["parameters"][0]["name"], "id");
    assert_eq!(delete["parameters"][0]["in"], "path");
    assert_eq!(delete["security"][0]["rand_str"], serde_json::json!([]));

    let list = &doc["paths"]["/zhugeleida/qiyeweixin/user"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(
        names.contains(&"username") && names.contains(&"current_page"),
        "{names:?}"
    );

    let publish = &doc["paths"]["/api/user/post/publish"]["post"];
    let form = &publish["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"];
    assert_eq!(form["properties"]["price"]["type"], "number");
    assert!(form["required"]
        .as_array()
        .expect("required")
        .contains(&"title".into()));
    assert_eq!(publish["security"][0]["bearer"], serde_json::json!([]));
    assert_eq!(
        publish["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ConsultEnvelope"
    );
    let upload = &doc["paths"]["/zhugeleida/qiyeweixin/upload"]["post"]["requestBody"];
    assert!(
        upload["content"]["multipart/form-data"].is_object(),
        "{upload}"
    );
}

#[test]
fn the_docs_page_and_its_script_come_from_the_binary() {
    let app = TestApp::new();
    let page = app.client.get("/docs").dispatch();
    assert_eq!(page.status(), Status::Ok);
    assert_eq!(page.content_type(), Some(ContentType::HTML));
    let html = page.into_string().expect("html");
    assert!(html.contains("/docs/docs.js"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no outside resources"
    );
    let script = app.client.get("/docs/docs.js").dispatch();
    assert_eq!(script.status(), Status::Ok);
    assert_eq!(script.content_type(), Some(ContentType::JavaScript));
    let js = script.into_string().expect("js");
    assert!(
        js.contains("/openapi.json") && !js.contains("https://"),
        "{js}"
    );
}
