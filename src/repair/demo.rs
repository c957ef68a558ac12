//! Demo data for the repair app: an admin, two repairers, residents, and requests in every
//! state with their events. In offline dev mode a demo user signs in with `POST /api/login`
//! and the code named here (`repair-admin`...), since the offline openid is `dev-` + md5(code).

use chrono::Duration;
use rusqlite::{params, Connection};

use super::workflow::{ASSIGNED, CANCELLED, CLOSED, FINISHED, PENDING, PROCESSING};
use crate::clock;
use crate::error::ApiResult;

/// (login code, name, phone, role)
const PEOPLE: [(&str, &str, &str, &str); 6] = [
    ("repair-admin", "物业王主管", "13700002000", "admin"),
    ("repair-li", "李师傅", "13700002001", "repair"),
    ("repair-zhang", "张师傅", "13700002002", "repair"),
    ("repair-zhou", "周阿姨", "13600002001", "normal"),
    ("repair-wu", "吴先生", "13600002002", "normal"),
    ("repair-zheng", "郑老师", "13600002003", "normal"),
];

/// (applicant index, title, content, address, final state)
const REQUESTS: [(usize, &str, &str, &str, &str); 6] = [
    (
        3,
        "厨房水管漏水",
        "水槽下面一直滴水",
        "3 号楼 2 单元 201",
        CLOSED,
    ),
    (
        4,
        "楼道灯不亮",
        "5 楼楼道灯坏了一周",
        "5 号楼 1 单元",
        FINISHED,
    ),
    (
        5,
        "空调不制冷",
        "开机半小时还是热风",
        "教学楼 304",
        PROCESSING,
    ),
    (
        3,
        "门锁卡住",
        "钥匙插进去转不动",
        "3 号楼 2 单元 201",
        ASSIGNED,
    ),
    (
        4,
        "窗户关不严",
        "北面窗户有缝, 漏风",
        "5 号楼 1 单元 602",
        PENDING,
    ),
    (
        5,
        "投影仪",
        "投影仪不亮, 已经找人修好了",
        "教学楼 210",
        CANCELLED,
    ),
];

fn past(days: i64, minutes: i64) -> String {
    let t = clock::now_local() - Duration::days(days) + Duration::minutes(minutes);
    t.format(clock::FORMAT).to_string()
}

pub fn demo(c: &Connection) -> ApiResult<()> {
    let mut ids = Vec::new();
    for (code, name, phone, role) in PEOPLE {
        let openid = format!("dev-{:x}", md5::compute(code));
        c.execute(
            "INSERT INTO rp_user (openid, token, role, name, phone, company, create_date, update_date)
             VALUES (?1, ?2, ?3, ?4, ?5, '阳光小区物业', ?6, ?6)",
            params![openid, clock::token(), role, name, phone, past(40, 0)],
        )?;
        ids.push(c.last_insert_rowid());
    }
    for (n, (applicant, title, content, address, state)) in REQUESTS.iter().enumerate() {
        let days = 12 - 2 * n as i64;
        let assignee = (*state != PENDING && *state != CANCELLED).then(|| ids[1 + n % 2]);
        c.execute(
            "INSERT INTO rp_request (applicant_id, assignee_id, title, content, address, phone, status,
                 create_date, update_date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
            params![ids[*applicant], assignee, title, content, address, PEOPLE[*applicant].2, state, past(days, 0)],
        )?;
        let id = c.last_insert_rowid();
        for (k, (actor, action, from, to, note)) in trail(ids[*applicant], ids[0], assignee, state)
            .into_iter()
            .enumerate()
        {
            c.execute(
                "INSERT INTO rp_event (request_id, actor_id, action, from_status, to_status, note, create_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, actor, action, from, to, note, past(days, 90 * k as i64)],
            )?;
        }
    }
    Ok(())
}

type Event = (
    i64,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// The events that led a request to `state`.
fn trail(applicant: i64, admin: i64, assignee: Option<i64>, state: &str) -> Vec<Event> {
    let mut events: Vec<Event> = vec![(applicant, "create", None, PENDING, "")];
    if state == CANCELLED {
        events.push((applicant, "cancel", Some(PENDING), CANCELLED, "已经修好了"));
        return events;
    }
    let Some(fixer) = assignee else {
        return events;
    };
    let steps: [Event; 4] = [
        (admin, "assign", Some(PENDING), ASSIGNED, ""),
        (fixer, "accept", Some(ASSIGNED), PROCESSING, ""),
        (
            fixer,
            "finish",
            Some(PROCESSING),
            FINISHED,
            "已更换配件, 请确认",
        ),
        (applicant, "confirm", Some(FINISHED), CLOSED, ""),
    ];
    for step in steps {
        events.push(step);
        if step.3 == state {
            break;
        }
    }
    events
}
