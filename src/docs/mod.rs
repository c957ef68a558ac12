//! The API described: an OpenAPI 3 document built from the route table in `table.rs`,
//! served at `/openapi.json`, and a page at `/docs` that renders it (bundled in the
//! binary, no CDN).

pub mod table;

use std::sync::OnceLock;

use rocket::http::ContentType;
use rocket::serde::json::Json;
use rocket::{get, routes, Route};
use serde_json::{json, Map, Value};

use crate::web::headers::{hardened, Hardened};

pub use table::ROUTES;

pub fn routes() -> Vec<Route> {
    routes![openapi, page, script, style]
}

/// Which app answers: it decides the envelope of every answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// Server-wide routes (health, files, these docs): no envelope.
    Server,
    /// Zhuge Leida: `{"code": 200, "msg", "data"}`.
    Zhuge,
    /// Design forms: `{"code": 200, "msg", "data"}`.
    Design,
    /// Repair requests: `{"code": 0, "msg", "data"}`.
    Repair,
    /// Consulting marketplace: `{"code": 0, "msg", "content": [...]}`.
    Consult,
}

impl App {
    pub fn tag(self) -> &'static str {
        match self {
            App::Server => "server",
            App::Zhuge => "zhuge",
            App::Design => "design",
            App::Repair => "repair",
            App::Consult => "consult",
        }
    }

    /// The `code` of a successful answer; `None` for routes without an envelope.
    pub fn success_code(self) -> Option<i64> {
        match self {
            App::Server => None,
            App::Zhuge | App::Design => Some(200),
            App::Repair | App::Consult => Some(0),
        }
    }

    /// The key that holds the payload next to `code` and `msg`.
    pub fn payload_key(self) -> Option<&'static str> {
        match self {
            App::Server => None,
            App::Zhuge | App::Design | App::Repair => Some("data"),
            App::Consult => Some("content"),
        }
    }

    fn envelope_schema(self) -> Option<&'static str> {
        match self {
            App::Server => None,
            App::Zhuge | App::Design => Some("Envelope"),
            App::Repair => Some("RepairEnvelope"),
            App::Consult => Some("ConsultEnvelope"),
        }
    }
}

/// Who may call a route, and how the caller proves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Public,
    /// Zhuge employee: `user_id`, `timestamp`, `rand_str = md5(timestamp + token)` in the query.
    Employee,
    /// Zhuge mini-program customer: the same signature with the customer's id and token.
    Customer,
    /// Design forms: the `openid` parameter that `getUserInfo` returned.
    Openid,
    /// Consulting buyer: `Authorization: Bearer <token>` from `/api/user/login`.
    Buyer,
    /// Consultant: `Authorization: Bearer <token>` from `/api/consultant/login`.
    Consultant,
    /// Repair app member: `Authorization: Bearer <token>` from `/api/login`.
    Member,
}

impl Caller {
    fn security(self) -> Option<Value> {
        match self {
            Caller::Public | Caller::Openid => None,
            Caller::Employee | Caller::Customer => {
                Some(json!([{"user_id": [], "timestamp": [], "rand_str": []}]))
            }
            Caller::Buyer | Caller::Consultant | Caller::Member => Some(json!([{"bearer": []}])),
        }
    }

    fn note(self) -> &'static str {
        match self {
            Caller::Public => "",
            Caller::Employee => "调用者: 员工签名 (企业微信/后台登录的 token)。",
            Caller::Customer => "调用者: 客户签名 (小程序 login 的 token)。",
            Caller::Openid => "调用者: 参数 openid (getUserInfo 返回)。",
            Caller::Buyer => "调用者: 买家 Bearer token (/api/user/login)。",
            Caller::Consultant => "调用者: 顾问 Bearer token (/api/consultant/login)。",
            Caller::Member => "调用者: Bearer token (/api/login)。",
        }
    }
}

/// One mounted route.
#[derive(Debug, Clone, Copy)]
pub struct Op {
    pub method: &'static str,
    /// As mounted, in Rocket's syntax (`/user/delete/<id>`).
    pub path: &'static str,
    pub app: App,
    pub caller: Caller,
    pub summary: &'static str,
    /// `name[:type][!][=example]`, space separated (see `table.rs`).
    pub params: &'static str,
}

pub const fn op(
    method: &'static str,
    path: &'static str,
    app: App,
    caller: Caller,
    summary: &'static str,
    params: &'static str,
) -> Op {
    Op {
        method,
        path,
        app,
        caller,
        summary,
        params,
    }
}

/// The type of a parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Int,
    /// A positive integer.
    Id,
    /// A decimal number (a price in yuan).
    Num,
    /// `YYYY-MM-DD`.
    Date,
    /// JSON text (an object or a list).
    Json,
    /// A multipart file.
    File,
    /// The whole body is XML.
    Xml,
}

impl Kind {
    fn parse(raw: &str) -> Option<Kind> {
        Some(match raw {
            "str" => Kind::Str,
            "int" => Kind::Int,
            "id" => Kind::Id,
            "num" => Kind::Num,
            "date" => Kind::Date,
            "json" => Kind::Json,
            "file" => Kind::File,
            "xml" => Kind::Xml,
            _ => return None,
        })
    }

    fn schema(self) -> Value {
        match self {
            Kind::Str => json!({"type": "string"}),
            Kind::Int => json!({"type": "integer"}),
            Kind::Id => json!({"type": "integer", "minimum": 1}),
            Kind::Num => json!({"type": "number"}),
            Kind::Date => json!({"type": "string", "format": "date"}),
            Kind::Json => json!({"type": "string", "description": "JSON 文本"}),
            Kind::File => json!({"type": "string", "format": "binary"}),
            Kind::Xml => json!({"type": "string", "description": "XML"}),
        }
    }
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Path,
    /// Query string (GET), or the body (POST/DELETE: urlencoded or JSON; the query works too).
    Field,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    pub kind: Kind,
    pub required: bool,
    /// Read only in some modes of the route (`action=update`...), ignored in the others.
    pub conditional: bool,
    pub example: Option<String>,
    pub place: Place,
}

/// How the body of a request is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    None,
    /// urlencoded or JSON fields.
    Fields,
    Multipart,
    Xml,
}

impl Op {
    /// Path parameters first, then the fields; panics on a malformed table line (a test
    /// reads every line, so a typo fails the suite, never a request).
    pub fn parameters(&self) -> Vec<Param> {
        let mut out: Vec<Param> = self
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('<')?.strip_suffix('>'))
            .map(path_param)
            .collect();
        out.extend(self.params.split_whitespace().map(|spec| {
            parse_field(spec)
                .unwrap_or_else(|| panic!("{} {}: bad parameter {spec:?}", self.method, self.path))
        }));
        out
    }

    pub fn body(&self) -> Body {
        let params = self.parameters();
        if params.iter().any(|p| p.kind == Kind::Xml) {
            Body::Xml
        } else if params.iter().any(|p| p.kind == Kind::File) {
            Body::Multipart
        } else if self.method == "GET" {
            Body::None
        } else {
            Body::Fields
        }
    }

    /// `/user/delete/{id}`; `<path..>` becomes `{path}`.
    pub fn openapi_path(&self) -> String {
        self.path
            .split('/')
            .map(
                |seg| match seg.strip_prefix('<').and_then(|s| s.strip_suffix('>')) {
                    Some(name) => format!("{{{}}}", param_name(name)),
                    None => seg.to_string(),
                },
            )
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// `<path..>` is `path`, `<_kind>` (a parameter the handler ignores) is `kind`. Ids are
/// `<id>` and `<…_id>`; other path parameters are text.
fn param_name(segment: &str) -> &str {
    segment.trim_end_matches("..").trim_start_matches('_')
}

fn path_param(segment: &str) -> Param {
    let name = param_name(segment);
    let kind = if name == "id" || name.ends_with("_id") {
        Kind::Id
    } else {
        Kind::Str
    };
    Param {
        name: name.to_string(),
        kind,
        required: true,
        conditional: false,
        example: (name == "kind").then(|| "user".to_string()),
        place: Place::Path,
    }
}

fn parse_field(spec: &str) -> Option<Param> {
    let (head, example) = match spec.split_once('=') {
        Some((head, example)) => (head, Some(example.to_string())),
        None => (spec, None),
    };
    let (head, required, conditional) = if let Some(head) = head.strip_suffix('!') {
        (head, true, false)
    } else if let Some(head) = head.strip_suffix('~') {
        (head, false, true)
    } else {
        (head, false, false)
    };
    let (name, kind) = match head.split_once(':') {
        Some((name, kind)) => (name, Kind::parse(kind)?),
        None => (head, Kind::Str),
    };
    (!name.is_empty()).then(|| Param {
        name: name.to_string(),
        kind,
        required,
        conditional,
        example,
        place: Place::Field,
    })
}

/// The whole document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(build_document)
}

fn build_document() -> Value {
    let mut paths = Map::new();
    for op in ROUTES {
        let entry = paths.entry(op.openapi_path()).or_insert_with(|| json!({}));
        entry[op.method.to_ascii_lowercase()] = operation(op);
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Leida",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "一个程序、一个 SQLite 文件: 诸葛雷达 (名片/雷达/商城), 设计需求单, 报修, 咨询市场。\
                每个应用的回答都是 HTTP 200 加上它自己的信封: 成功时 code 为 200 (诸葛雷达, 设计) 或 0 (报修, 咨询), \
                拒绝时为其它值 (301 类型错误, 302 不存在, 303 参数错误, 400 未登录/签名错误, 403 无权限, 404 无此接口...)。",
        },
        "tags": [
            {"name": "zhuge", "description": "诸葛雷达: /zhugeleida/admin, /zhugeleida/xiaochengxu (小程序), /zhugeleida/qiyeweixin (企业微信)"},
            {"name": "design", "description": "设计需求单: /small"},
            {"name": "repair", "description": "报修: /api 与 /auth (同一组接口)"},
            {"name": "consult", "description": "咨询市场: /api/user, /api/consultant, /api/pay"},
            {"name": "server", "description": "服务器本身"},
        ],
        "paths": paths,
        "components": components(),
    })
}

fn operation(op: &Op) -> Value {
    let params = op.parameters();
    let mut parameters: Vec<Value> = params
        .iter()
        .filter(|p| p.place == Place::Path)
        .map(|p| json!({"name": p.name, "in": "path", "required": true, "schema": p.kind.schema()}))
        .collect();
    let fields: Vec<&Param> = params.iter().filter(|p| p.place == Place::Field).collect();
    let mut out = json!({
        "tags": [op.app.tag()],
        "summary": op.summary,
        "description": op.caller.note(),
        "responses": {"200": response(op.app)},
    });
    match op.body() {
        Body::None => parameters.extend(fields.iter().map(|p| {
            let mut q = json!({"name": p.name, "in": "query", "required": p.required, "schema": p.kind.schema()});
            if p.conditional {
                q["description"] = json!(CONDITIONAL);
            }
            if let Some(example) = &p.example {
                q["example"] = json!(example);
            }
            q
        })),
        Body::Fields => {
            let schema = object_schema(&fields);
            out["requestBody"] = json!({
                "required": fields.iter().any(|p| p.required),
                "content": {
                    "application/x-www-form-urlencoded": {"schema": schema},
                    "application/json": {"schema": schema},
                },
            });
        }
        Body::Multipart => {
            out["requestBody"] = json!({
                "required": true,
                "content": {"multipart/form-data": {"schema": object_schema(&fields)}},
            });
        }
        Body::Xml => {
            out["requestBody"] = json!({
                "required": true,
                "content": {"text/xml": {"schema": {"type": "string"}}},
            });
        }
    }
    if matches!(op.caller, Caller::Employee | Caller::Customer) {
        parameters.extend(
            ["user_id", "timestamp", "rand_str"]
                .map(|name| json!({"$ref": format!("#/components/parameters/{name}")})),
        );
    }
    if !parameters.is_empty() {
        out["parameters"] = json!(parameters);
    }
    if let Some(security) = op.caller.security() {
        out["security"] = security;
    }
    out
}

const CONDITIONAL: &str = "仅在部分 action 下使用";

fn object_schema(fields: &[&Param]) -> Value {
    let mut properties = Map::new();
    for p in fields {
        let mut schema = p.kind.schema();
        if let Some(example) = &p.example {
            schema["example"] = json!(example);
        }
        if p.conditional {
            schema["description"] = json!(CONDITIONAL);
        }
        properties.insert(p.name.clone(), schema);
    }
    let required: Vec<&str> = fields
        .iter()
        .filter(|p| p.required)
        .map(|p| p.name.as_str())
        .collect();
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = json!(required);
    }
    schema
}

fn response(app: App) -> Value {
    match app.envelope_schema() {
        Some(name) => json!({
            "description": "成功或拒绝, 见 code",
            "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}},
        }),
        None => json!({"description": "OK"}),
    }
}

fn components() -> Value {
    let envelope = |success: i64, payload: &str, payload_schema: Value| {
        json!({
            "type": "object",
            "required": ["code", "msg", payload],
            "properties": {
                "code": {"type": "integer", "description": format!("{success} 表示成功, 其它为拒绝")},
                "msg": {"type": "string"},
                payload: payload_schema,
            },
        })
    };
    let query_key = |name: &str, what: &str| json!({"type": "apiKey", "in": "query", "name": name, "description": what});
    let query_param = |name: &str, kind: Value| json!({"name": name, "in": "query", "required": true, "schema": kind});
    json!({
        "schemas": {
            "Envelope": envelope(200, "data", json!({"type": "object"})),
            "RepairEnvelope": envelope(0, "data", json!({"nullable": true})),
            "ConsultEnvelope": envelope(0, "content", json!({"type": "array", "items": {}})),
        },
        "parameters": {
            "user_id": query_param("user_id", json!({"type": "integer"})),
            "timestamp": query_param("timestamp", json!({"type": "integer", "description": "毫秒"})),
            "rand_str": query_param("rand_str", json!({"type": "string", "description": "md5(timestamp + token)"})),
        },
        "securitySchemes": {
            "user_id": query_key("user_id", "员工或客户的 id"),
            "timestamp": query_key("timestamp", "毫秒时间戳, 与服务器相差不超过 auth_max_skew_secs"),
            "rand_str": query_key("rand_str", "md5(timestamp + token), 小写十六进制"),
            "bearer": {"type": "http", "scheme": "bearer"},
        },
    })
}

#[get("/openapi.json")]
fn openapi() -> Json<&'static Value> {
    Json(document())
}

#[get("/docs")]
fn page() -> Hardened<(ContentType, &'static str)> {
    hardened((
        ContentType::HTML,
        include_str!("../../assets/docs/index.html"),
    ))
}

#[get("/docs/docs.js")]
fn script() -> Hardened<(ContentType, &'static str)> {
    hardened((
        ContentType::JavaScript,
        include_str!("../../assets/docs/docs.js"),
    ))
}

#[get("/docs/docs.css")]
fn style() -> Hardened<(ContentType, &'static str)> {
    hardened((ContentType::CSS, include_str!("../../assets/docs/docs.css")))
}
