//! Demo data for the design app: a manager, customer service, designers, customers, and
//! forms in every status with their history, rooms and a review. In offline dev mode a
//! demo user signs in with `getUserInfo` and the code named here (`design-manager`...),
//! because the offline openid is `dev-` + md5(code).

use chrono::Duration;
use rusqlite::{params, Connection};

use super::data::form::{self, DONE, IN_PROGRESS, NEW};
use super::data::user::{CUSTOMER, DESIGNER, MANAGER, SERVICE};
use crate::clock;
use crate::error::ApiResult;

/// (login code, nickname, phone, level)
const PEOPLE: [(&str, &str, &str, i64); 7] = [
    ("design-manager", "王经理", "13900001000", MANAGER),
    ("design-service", "客服小李", "13900001001", SERVICE),
    ("design-chen", "设计师陈", "13900001002", DESIGNER),
    ("design-lin", "设计师林", "13900001003", DESIGNER),
    ("design-zhao", "赵先生", "13800001001", CUSTOMER),
    ("design-qian", "钱女士", "13800001002", CUSTOMER),
    ("design-sun", "孙先生", "13800001003", CUSTOMER),
];

/// (customer index, title, content, final status, designer index)
const FORMS: [(usize, &str, &str, i64, usize); 6] = [
    (
        4,
        "三居室现代简约",
        "120 平米, 预算 20 万, 希望客厅开阔, 主卧带衣帽间",
        DONE,
        2,
    ),
    (4, "厨房翻新", "开放式厨房, 需要中岛台", IN_PROGRESS, 3),
    (
        5,
        "小户型收纳设计",
        "50 平米一居室, 希望多做收纳",
        form::ASSIGNED,
        2,
    ),
    (5, "卫生间干湿分离", "老房改造, 卫生间 4 平米", NEW, 0),
    (
        6,
        "别墅庭院景观",
        "前后院共 200 平米, 想要日式风格",
        IN_PROGRESS,
        2,
    ),
    (6, "儿童房", "8 岁女孩, 粉色系, 要有书桌", NEW, 0),
];

fn past(days: i64, minutes: i64) -> String {
    let t = clock::now_local() - Duration::days(days) - Duration::minutes(minutes);
    t.format(clock::FORMAT).to_string()
}

pub fn demo(c: &Connection) -> ApiResult<()> {
    let mut ids = Vec::new();
    for (i, (code, name, phone, level)) in PEOPLE.iter().enumerate() {
        let openid = format!("dev-{:x}", md5::compute(code));
        c.execute(
            "INSERT INTO sm_user (openid, nickname, phone, phone_verified, level, create_date)
             VALUES (?1, ?2, ?3, 1, ?4, ?5)",
            params![openid, name, phone, level, past(30 - i as i64, 0)],
        )?;
        ids.push(c.last_insert_rowid());
        if *level > CUSTOMER && *level < MANAGER {
            c.execute(
                "INSERT INTO sm_employee (phone, level, name, added_by, create_date) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![phone, level, name, ids[0], past(30, 0)],
            )?;
        }
    }
    for (n, (customer, title, content, status, designer)) in FORMS.iter().enumerate() {
        let days = 20 - 3 * n as i64;
        add_form(
            c,
            &ids,
            (*customer, title, content, *status, *designer),
            days,
        )?;
    }
    Ok(())
}

fn add_form(
    c: &Connection,
    ids: &[i64],
    (customer, title, content, status, designer): (usize, &str, &str, i64, usize),
    days: i64,
) -> ApiResult<()> {
    let (customer, service) = (ids[customer], ids[1]);
    let designer = (status > NEW).then(|| ids[designer]);
    c.execute(
        "INSERT INTO sm_form (customer_id, title, content, status, designer_id, service_id, create_date, update_date)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![customer, title, content, status, designer, designer.map(|_| service), past(days, 0), past(days - 1, 0)],
    )?;
    let id = c.last_insert_rowid();
    let log = |actor: i64, from: Option<i64>, to: i64, note: &str, minutes: i64| {
        c.execute(
            "INSERT INTO sm_form_log (form_id, actor_id, from_status, to_status, note, create_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, actor, from, to, note, past(days, -minutes)],
        )
    };
    log(customer, None, NEW, "提交需求", 0)?;
    if let Some(designer) = designer {
        log(
            service,
            Some(NEW),
            form::ASSIGNED,
            &format!("指派设计师 {designer}"),
            60,
        )?;
        for to in (IN_PROGRESS..=status).filter(|s| *s > form::ASSIGNED) {
            log(designer, Some(to - 1), to, form::status_name(to), 120 * to)?;
        }
    }
    let talk = [
        (customer, "你好, 想尽快出方案"),
        (service, "您好, 已为您安排设计师, 明天联系您"),
        (customer, "好的, 谢谢"),
    ];
    for (k, (who, text)) in talk.iter().enumerate() {
        c.execute(
            "INSERT INTO sm_message (room_id, sender_id, content, create_date) VALUES (?1, ?2, ?3, ?4)",
            params![id, who, text, past(days, -(k as i64) * 30)],
        )?;
    }
    if status == DONE {
        c.execute(
            "INSERT INTO sm_assess (form_id, customer_id, employe_id, designer_stars, service_stars, content, create_date)
             VALUES (?1, ?2, ?3, 5, 4, '方案很用心, 施工也准时', ?4)",
            params![id, customer, designer, past(days - 2, 0)],
        )?;
    }
    Ok(())
}
