//! Which endpoints are limited, by which quota, and in whose terms a refusal is answered.

/// Whose terms a refusal is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Zhuge,
    Design,
    Consult,
    Repair,
    /// WeChat Pay's notify: XML `FAIL`, so WeChat retries later.
    PayXml,
    /// A public HTML page (or its vCard): HTTP 429.
    Page,
}

impl Answer {
    pub fn name(self) -> &'static str {
        match self {
            Answer::Zhuge => "zhuge",
            Answer::Design => "design",
            Answer::Consult => "consult",
            Answer::Repair => "repair",
            Answer::PayXml => "pay",
            Answer::Page => "page",
        }
    }

    pub fn from_name(name: &str) -> Option<Answer> {
        [
            Answer::Zhuge,
            Answer::Design,
            Answer::Consult,
            Answer::Repair,
            Answer::PayXml,
            Answer::Page,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

/// Which configured quota a rule spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Sign-in and SMS: `login_limit_per_address`, `login_limit_per_account`.
    Login,
    /// WeChat Pay notifies: `notify_limit_per_address`.
    Notify,
    /// The public card page and its vCard: `page_limit_per_address`.
    Page,
    /// SMS codes asked for, a day: `sms_daily_per_address`.
    SmsDaily,
    /// Design chat images uploaded without `openid`: `anonymous_upload_limit`. Only the
    /// handler knows whether `openid` came (it may sit anywhere in a multipart body), so the
    /// handler spends it ([`super::RateLimit::admit`]), never the fairing.
    AnonymousUpload,
}

impl Family {
    /// Whether the request fairing checks this family before the handler runs.
    pub fn checked_by_fairing(self) -> bool {
        self != Family::AnonymousUpload
    }
}

/// A limited endpoint: its path (a prefix when it ends with `/`), quota, answer, and the
/// field naming the account when there is one.
pub struct Rule {
    pub path: &'static str,
    pub family: Family,
    pub answer: Answer,
    pub account: Option<&'static str>,
}

const fn login(path: &'static str, answer: Answer, account: Option<&'static str>) -> Rule {
    Rule {
        path,
        family: Family::Login,
        answer,
        account,
    }
}

const fn other(path: &'static str, family: Family, answer: Answer) -> Rule {
    Rule {
        path,
        family,
        answer,
        account: None,
    }
}

const PHONE: Option<&str> = Some("phone_number");
const USERNAME: Option<&str> = Some("username");

pub const RULES: &[Rule] = &[
    login("/zhugeleida/admin/login", Answer::Zhuge, USERNAME),
    login("/zhugeleida/admin/setup", Answer::Zhuge, None),
    login("/zhugeleida/xiaochengxu/login", Answer::Zhuge, None),
    login(
        "/zhugeleida/qiyeweixin/work_weixin_auth/",
        Answer::Zhuge,
        None,
    ),
    login("/small/getUserInfo", Answer::Design, None),
    login("/api/user/verification_code", Answer::Consult, PHONE),
    login("/api/user/signin", Answer::Consult, PHONE),
    login("/api/user/login", Answer::Consult, USERNAME),
    login("/api/consultant/verification_code", Answer::Consult, PHONE),
    login("/api/consultant/signin", Answer::Consult, PHONE),
    login("/api/consultant/login", Answer::Consult, USERNAME),
    login("/api/login", Answer::Repair, None),
    login("/auth/login", Answer::Repair, None),
    other(
        "/zhugeleida/xiaochengxu/payback",
        Family::Notify,
        Answer::PayXml,
    ),
    other("/api/pay/notify", Family::Notify, Answer::PayXml),
    other("/mp/mingpian", Family::Page, Answer::Page),
    other("/mp/mingpian.vcf", Family::Page, Answer::Page),
    other(
        "/api/user/verification_code",
        Family::SmsDaily,
        Answer::Consult,
    ),
    other(
        "/api/consultant/verification_code",
        Family::SmsDaily,
        Answer::Consult,
    ),
    other("/small/imgupload", Family::AnonymousUpload, Answer::Design),
];

/// The rules of a path (decoded segments joined by `/`), with their index in `RULES`.
pub fn rules_for(path: &str) -> impl Iterator<Item = (usize, &'static Rule)> + '_ {
    RULES.iter().enumerate().filter(move |(_, r)| {
        if r.path.ends_with('/') {
            path.starts_with(r.path)
        } else {
            path == r.path
        }
    })
}
