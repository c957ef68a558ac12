//! Seed 004 "流程": `POST /api/process/instance` with `action` create (the seed's), and the
//! workflow after it — list, view, assign, accept, finish, confirm, reopen, cancel,
//! comment (see `workflow.rs`). `GET` with the same parameters serves list and view.

use rocket::{get, post, routes, Route, State};
use rusqlite::Connection;
use serde_json::{json, Value};

use super::data::{self, Member};
use super::reply::{ok, Reply};
use super::request::{self, ApplyForm};
use super::user::dict;
use super::workflow::{self, ASSIGNED};
use crate::config::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::outbox::{self, Account, Message};
use crate::text::{self, Limit};
use crate::web::params::Params;

pub fn routes() -> Vec<Route> {
    routes![instance_post, instance_get]
}

const PROCESS: &str = "repair_apply";
const IMAGES_MAX: usize = 9;

#[post("/process/instance", data = "<p>")]
async fn instance_post(
    p: Result<Params, ApiError>,
    me: Result<Member, ApiError>,
    db: &State<Db>,
    settings: &State<Settings>,
) -> Reply {
    let (p, me) = (p?, me?);
    let action = p.text("action")?;
    match action.as_str() {
        "create" => create(p, me, db, settings).await,
        "list" => list(p, me, db).await,
        "view" => view(p, me, db).await,
        other if workflow::ACTIONS.contains(&other) => {
            transition(p, me, other.to_string(), db, settings).await
        }
        _ => Err(ApiError::invalid("action", "未知操作").into()),
    }
}

#[get("/process/instance")]
async fn instance_get(p: Params, me: Result<Member, ApiError>, db: &State<Db>) -> Reply {
    let me = me?;
    match p.opt_text("action").as_deref().unwrap_or("list") {
        "list" => list(p, me, db).await,
        "view" => view(p, me, db).await,
        _ => Err(ApiError::invalid("action", "GET 只能是 list 或 view").into()),
    }
}

fn text(form: &serde_json::Map<String, Value>, key: &str, limit: Limit) -> ApiResult<String> {
    match form.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => {
            limit.check(&format!("form.{key}"), s)?;
            Ok(s.trim().to_string())
        }
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(ApiError::wrong_type(&format!("form.{key}"))),
    }
}

/// `images` are URLs of this server's uploads (`POST /api/process/upload`).
fn images(form: &serde_json::Map<String, Value>, settings: &Settings) -> ApiResult<Vec<String>> {
    let list = match form.get("images") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => return Err(ApiError::wrong_type("form.images")),
    };
    if list.len() > IMAGES_MAX {
        return Err(ApiError::invalid(
            "form.images",
            &format!("最多 {IMAGES_MAX} 张"),
        ));
    }
    let ours = settings.static_url("uploads/");
    list.iter()
        .map(|v| match v.as_str() {
            Some(url) if url.starts_with(&ours) && !url.contains("..") && text::URL.fits(url) => {
                Ok(url.to_string())
            }
            _ => Err(ApiError::invalid("form.images", "只能是本站上传的图片地址")),
        })
        .collect()
}

async fn create(p: Params, me: Member, db: &Db, settings: &Settings) -> Reply {
    if p.text("process_name")? != PROCESS {
        return Err(ApiError::invalid("process_name", "只能是 repair_apply").into());
    }
    let form = dict(&p, "form")?;
    let apply = ApplyForm {
        title: text(&form, "title", text::NAME)?,
        content: text(&form, "content", text::NOTE)?,
        address: text(&form, "address", text::LINE)?,
        phone: text(&form, "phone", text::NAME)?,
        images: images(&form, settings)?,
    };
    if apply.title.is_empty() && apply.content.is_empty() {
        return Err(ApiError::missing("form.title 或 form.content").into());
    }
    let data = db
        .tx(move |tx| {
            let id = request::insert(tx, &me, &apply)?;
            request::one(tx, id)
        })
        .await?;
    ok(data)
}

async fn list(p: Params, me: Member, db: &Db) -> Reply {
    let status = p.opt_text("status");
    if let Some(s) = &status {
        if !workflow::STATES.contains(&s.as_str()) {
            return Err(ApiError::invalid("status", "不是有效的状态").into());
        }
    }
    let page = p.page()?;
    let (rows, total) = db
        .run(move |c| request::list(c, &me, status.as_deref(), page))
        .await?;
    ok(json!({"list": rows, "data_count": total}))
}

async fn view(p: Params, me: Member, db: &Db) -> Reply {
    let id = p.id("id")?;
    let data = db
        .run(move |c| {
            request::visible(c, &me, id)?;
            request::one(c, id)
        })
        .await?;
    ok(data)
}

/// Any workflow action on request `id`; `assign` names `assignee_id`, `finish` needs a
/// `note`, and `comment` its text in `note` (or `content`).
async fn transition(p: Params, me: Member, action: String, db: &Db, settings: &Settings) -> Reply {
    let id = p.id("id")?;
    let note = match p.bounded("note", text::NOTE)? {
        Some(note) => note,
        None => p.bounded("content", text::NOTE)?.unwrap_or_default(),
    };
    if (action == "finish" || action == "comment") && note.is_empty() {
        return Err(ApiError::missing("note").into());
    }
    let assignee = if action == "assign" {
        Some(p.id("assignee_id")?)
    } else {
        None
    };
    let notice = Notice::from(settings);
    let data = db
        .tx(move |tx| {
            let found = request::visible(tx, &me, id)?;
            // A refused move has written nothing, so the empty write is committed as is.
            let to = match workflow::next(&action, found.parties(&me), &found.status) {
                Ok(to) => to,
                Err(refusal) => return Ok(Err(refusal)),
            };
            if let Some(assignee) = assignee {
                check_assignee(tx, assignee)?;
            }
            request::move_to(tx, &found, me.id, &action, to, &note, assignee)?;
            if to == ASSIGNED {
                let to_notify = assignee.or(found.assignee_id);
                if let Some(user) = to_notify {
                    notice.send(tx, id, user)?;
                }
            }
            Ok(Ok(request::one(tx, id)?))
        })
        .await??;
    ok(data)
}

fn check_assignee(c: &Connection, user: i64) -> ApiResult<()> {
    match data::role_of(c, user)?.as_deref() {
        None => Err(ApiError::not_found("维修人员")),
        Some(data::REPAIR) | Some(data::ADMIN) => Ok(()),
        Some(_) => Err(ApiError::invalid("assignee_id", "不是维修人员")),
    }
}

/// The assignee's template message: sent when the config has a template id and an appid,
/// and the assignee has a usable formId; otherwise a log line says why not.
struct Notice {
    appid: String,
    template_id: String,
}

impl Notice {
    fn from(settings: &Settings) -> Notice {
        Notice {
            appid: settings.wechat_appid.clone(),
            template_id: settings.wechat_template_id.clone(),
        }
    }

    fn send(&self, c: &Connection, request_id: i64, user: i64) -> ApiResult<()> {
        if self.appid.is_empty() || self.template_id.is_empty() {
            log::info!("repair request {request_id}: no appid or wechat_template_id configured, assignee not notified");
            return Ok(());
        }
        let Some(form_id) = data::take_form_id(c, user)? else {
            log::info!(
                "repair request {request_id}: assignee {user} has no usable formId, not notified"
            );
            return Ok(());
        };
        let (title, address, phone) = request::summary(c, request_id)?;
        let body = json!({
            "touser": data::openid(c, user)?,
            "template_id": self.template_id,
            "form_id": form_id,
            "page": format!("pages/repair/detail?id={request_id}"),
            "data": {
                "keyword1": {"value": title},
                "keyword2": {"value": address},
                "keyword3": {"value": phone},
                "keyword4": {"value": crate::clock::now()},
            },
        });
        outbox::enqueue(
            c,
            &Message::MiniTemplate {
                account: Account::Config,
                appid: self.appid.clone(),
                body,
            },
        )?;
        Ok(())
    }
}
