//! `/mp/mingpian?uid=..&source=1[&pid=..]`: the URL a card's QR code carries (SPEC §7),
//! shown as a small HTML card to someone without the mini-program, with a vCard to save.
//! Nobody is signed in here, so viewing writes no radar event.

use rocket::http::{ContentType, Header, Status};
use rocket::response::content::RawHtml;
use rocket::{get, routes, Responder, Route, State};
use serde_json::Value;

use crate::db::Db;
use crate::zhuge::data::employee;

pub fn routes() -> Vec<Route> {
    routes![page, vcard]
}

/// Every HTML answer here: no script may run, whatever a card contains.
#[derive(Responder)]
pub struct Html {
    body: (Status, RawHtml<String>),
    csp: Header<'static>,
}

impl Html {
    fn new(status: Status, body: String) -> Html {
        Html {
            body: (status, RawHtml(body)),
            csp: Header::new(
                "Content-Security-Policy",
                "default-src 'none'; img-src * data:; style-src 'unsafe-inline'",
            ),
        }
    }
}

#[derive(Responder)]
pub enum VCard {
    Found(
        (ContentType, String),
        Header<'static>, // Content-Disposition
    ),
    Refused(Html),
}

/// The enabled employee's card; a missing, malformed or unknown `uid` is a 404 page and a
/// database failure a 500 page (logged), never a false "not found".
async fn card_of(db: &Db, uid: Option<&str>) -> Result<Value, Html> {
    let Some(uid) = uid.and_then(|u| u.trim().parse::<i64>().ok()) else {
        return Err(not_found());
    };
    match db.run(move |c| employee::card(c, uid)).await {
        Ok(Some(card)) => Ok(card),
        Ok(None) => Err(not_found()),
        Err(err) => {
            log::error!("card page {uid}: {err}");
            Err(Html::new(
                Status::InternalServerError,
                layout(
                    "服务器错误",
                    "<main class=\"card\"><h1>服务器错误</h1><p>请稍后再试。</p></main>",
                ),
            ))
        }
    }
}

#[get("/mingpian?<uid>")]
async fn page(uid: Option<&str>, db: &State<Db>) -> Html {
    match card_of(db, uid).await {
        Ok(card) => Html::new(Status::Ok, card_html(&card)),
        Err(page) => page,
    }
}

#[get("/mingpian.vcf?<uid>")]
async fn vcard(uid: Option<&str>, db: &State<Db>) -> VCard {
    let card = match card_of(db, uid).await {
        Ok(card) => card,
        Err(page) => return VCard::Refused(page),
    };
    let id = card["id"].as_i64().unwrap_or_default();
    VCard::Found(
        (ContentType::new("text", "vcard"), vcard_text(&card)),
        Header::new(
            "Content-Disposition",
            format!("attachment; filename=\"card-{id}.vcf\""),
        ),
    )
}

fn not_found() -> Html {
    Html::new(
        Status::NotFound,
        layout(
            "名片不存在",
            "<main class=\"card\"><h1>名片不存在</h1><p>这张名片不存在或已停用。</p></main>",
        ),
    )
}

fn field<'a>(card: &'a Value, name: &str) -> &'a str {
    card[name].as_str().unwrap_or_default()
}

/// Text for HTML content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// Only web and site-relative addresses become an image source; a stored `statics/...`
/// path (relative to the server's base) is served at `/statics/...`.
fn safe_url(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if url.starts_with("statics/") {
        return Some(format!("/{url}"));
    }
    (lower.starts_with("https://") || lower.starts_with("http://") || url.starts_with('/'))
        .then(|| url.to_string())
}

/// Digits and a leading `+` only, for `tel:`.
fn dialable(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

fn card_html(card: &Value) -> String {
    let name = field(card, "username");
    let avatar = match safe_url(field(card, "mingpian_avatar")) {
        Some(url) => format!("<img class=\"avatar\" src=\"{}\" alt=\"\">", escape(&url)),
        None => format!(
            "<div class=\"avatar initial\">{}</div>",
            escape(&name.chars().next().unwrap_or('名').to_string())
        ),
    };
    let mut lines = String::new();
    let mut line = |label: &str, value: &str| {
        if !value.is_empty() {
            lines += &format!("<dt>{label}</dt><dd>{}</dd>", escape(value));
        }
    };
    let phone = field(card, "mingpian_phone");
    line("电话", phone);
    line("微信", field(card, "wechat"));
    line("邮箱", field(card, "email"));
    line("地址", field(card, "address"));
    let sign = field(card, "sign");
    let sign = if sign.is_empty() {
        String::new()
    } else {
        format!("<p class=\"sign\">{}</p>", escape(sign))
    };
    let call = match dialable(phone) {
        d if d.is_empty() => String::new(),
        d => format!("<a class=\"button\" href=\"tel:{d}\">拨打电话</a>"),
    };
    let id = card["id"].as_i64().unwrap_or_default();
    let body = format!(
        "<main class=\"card\">{avatar}<h1>{name}</h1><p class=\"position\">{position}</p>\
         <p class=\"company\">{company}</p>{sign}<dl>{lines}</dl>\
         <nav>{call}<a class=\"button\" href=\"/mp/mingpian.vcf?uid={id}\">保存到通讯录</a></nav>\
         <p class=\"hint\">在微信中扫码可打开小程序名片</p></main>",
        name = escape(name),
        position = escape(field(card, "position")),
        company = escape(field(card, "company")),
    );
    layout(&format!("{} 的名片", name), &body)
}

fn layout(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

const STYLE: &str = "*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,\"PingFang SC\",\"Noto Sans CJK SC\",sans-serif;\
background:#eef2f7;color:#1d2733}.card{max-width:420px;width:calc(100% - 24px);margin:24px auto;padding:28px 24px;background:#fff;\
border-radius:14px;box-shadow:0 4px 18px #0001;text-align:center}.avatar{width:96px;height:96px;border-radius:50%;\
object-fit:cover;display:block;margin:0 auto 12px}.initial{background:#2f6fed;color:#fff;font-size:44px;\
line-height:96px}h1{margin:4px 0;font-size:24px}.position,.company{margin:2px 0;color:#5b6775}\
.sign{margin:14px 0;padding:10px;background:#f5f7fa;border-radius:8px;color:#39434e}\
dl{display:grid;grid-template-columns:auto minmax(0,1fr);gap:6px 12px;text-align:left;margin:16px 0}\
dt{color:#8a96a3}dd{margin:0;word-break:break-all}nav{display:flex;gap:10px;justify-content:center;flex-wrap:wrap}\
.button{flex:1;min-width:120px;padding:11px 14px;border-radius:8px;background:#2f6fed;color:#fff;\
text-decoration:none}.button+.button{background:#16a36a}.hint{margin-top:18px;font-size:13px;color:#8a96a3}";

/// vCard 3.0 text value: backslash, comma, semicolon and line breaks escaped.
fn vcard_value(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(',', "\\,")
        .replace(';', "\\;")
        .replace("\r\n", "\\n")
        .replace(['\n', '\r'], "\\n")
}

fn vcard_text(card: &Value) -> String {
    let mut lines = vec![
        "BEGIN:VCARD".to_string(),
        "VERSION:3.0".to_string(),
        format!("FN:{}", vcard_value(field(card, "username"))),
        format!("N:{};;;;", vcard_value(field(card, "username"))),
    ];
    let mut add = |key: &str, value: &str| {
        if !value.is_empty() {
            lines.push(format!("{key}:{}", vcard_value(value)));
        }
    };
    add("ORG", field(card, "company"));
    add("TITLE", field(card, "position"));
    add("TEL;TYPE=CELL", field(card, "mingpian_phone"));
    add("EMAIL", field(card, "email"));
    add("NOTE", field(card, "sign"));
    let address = field(card, "address");
    if !address.is_empty() {
        lines.push(format!("ADR;TYPE=WORK:;;{};;;;", vcard_value(address)));
    }
    lines.push("END:VCARD".to_string());
    lines.join("\r\n") + "\r\n"
}
