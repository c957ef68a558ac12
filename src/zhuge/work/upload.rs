//! Uploads by employees (card avatars and photos, website and product pictures), and the
//! company website's pictures (`website`), which the mini-program's `website` shows.

use rocket::form::Form;
use rocket::{get, post, routes, Route, State};
use serde_json::{json, Value};

use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::media::{self, Upload};
use crate::text;
use crate::web::envelope::{ok, Reply};
use crate::web::params::Params;
use crate::zhuge::data::access::require;
use crate::zhuge::data::company::{self, CONTENT, COVER};
use crate::zhuge::principal::Employee;

pub fn routes() -> Vec<Route> {
    routes![upload, website, set_website]
}

/// `multipart/form-data` with a `file` that must decode as a PNG or JPEG image.
#[post("/upload", data = "<form>")]
async fn upload(_me: Employee, form: Form<Upload<'_>>, settings: &State<Settings>) -> Reply {
    let rel = media::store_upload(&form.file, settings).await?;
    ok("上传成功", json!({"picture_url": media::static_path(&rel)}))
}

/// The signer's company website, as seed 001 `website` shows it.
#[get("/website")]
async fn website(me: Employee, db: &State<Db>) -> Reply {
    let content = db.run(move |c| company::website(c, me.company_id)).await?;
    let count = picture_count(&content);
    ok(
        "查询成功",
        json!({"ret_data": content, "data_count": count}),
    )
}

fn picture_count(content: &Value) -> usize {
    [COVER, CONTENT]
        .iter()
        .filter_map(|k| content[*k].as_array())
        .map(Vec::len)
        .sum()
}

/// `cover_picture` and/or `content_picture`: JSON text of a list of URLs, or of
/// `{"picture_url": ...}` objects; each list sent replaces the stored one.
#[post("/website", data = "<p>")]
async fn set_website(me: Employee, p: Params, db: &State<Db>) -> Reply {
    let cover = pictures(&p, COVER)?;
    let content = pictures(&p, CONTENT)?;
    if cover.is_none() && content.is_none() {
        return Err(ApiError::missing(COVER));
    }
    let stored = db
        .tx(move |tx| {
            require(tx, &me, "website")?;
            let mut site = company::website(tx, me.company_id)?;
            for (key, list) in [(COVER, cover), (CONTENT, content)] {
                if let Some(list) = list {
                    site[key] = list;
                }
            }
            company::set_website(tx, me.company_id, &site)?;
            Ok(site)
        })
        .await?;
    ok("保存成功", json!({"ret_data": stored}))
}

/// A picture list in the stored shape `[{"picture_url": "..."}]`.
fn pictures(p: &Params, name: &str) -> ApiResult<Option<Value>> {
    let Some(raw) = p.str(name) else {
        return Ok(None);
    };
    let items: Vec<Value> = serde_json::from_str(raw).map_err(|_| ApiError::wrong_type(name))?;
    if items.len() > text::PICTURES_MAX {
        return Err(ApiError::invalid(
            name,
            &format!("最多 {} 张图片", text::PICTURES_MAX),
        ));
    }
    let urls = items
        .iter()
        .map(|item| match item {
            Value::String(url) => Some(url.as_str()),
            other => other["picture_url"].as_str(),
        })
        .map(|url| match url.map(str::trim) {
            Some(url) if !url.is_empty() && text::URL.fits(url) => Ok(json!({"picture_url": url})),
            _ => Err(ApiError::invalid(name, "每一项必须是图片地址")),
        })
        .collect::<ApiResult<Vec<Value>>>()?;
    Ok(Some(Value::Array(urls)))
}
