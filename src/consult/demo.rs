//! Demo data for the consulting marketplace: two buyers, two consultants (password
//! `leida-demo`), demands under several tags, and orders in every state worth showing.

use rusqlite::{params, Connection};

use super::status::Status;
use crate::clock;
use crate::error::ApiResult;

const ACCOUNTS: [(&str, &str, &str, i64, &str); 4] = [
    ("user", "buyer", "陈晓明", 1, "13800000001"),
    ("user", "buyer2", "林雨", 0, "13800000002"),
    ("consultant", "consultant", "王律师", 1, "13900000001"),
    ("consultant", "consultant2", "赵会计", 0, "13900000002"),
];

/// (buyer index, title, content, price in fen, tags)
const POSTS: [(usize, &str, &str, i64, &[i64]); 5] = [
    (
        0,
        "劳动合同条款审核",
        "公司新版劳动合同需要律师逐条审核, 约 12 页。",
        80000,
        &[3, 5],
    ),
    (
        0,
        "小微企业年度汇算清缴",
        "去年营收约 300 万, 需要协助完成企业所得税汇算。",
        150000,
        &[2],
    ),
    (
        0,
        "天使轮融资 BP 打磨",
        "SaaS 项目, 希望有投资背景的顾问帮忙梳理商业计划书。",
        300000,
        &[8, 1],
    ),
    (
        1,
        "新品上市推广方案",
        "面向一线城市白领的咖啡新品, 需要线上推广方案。",
        120000,
        &[4],
    ),
    (
        1,
        "小程序技术选型咨询",
        "电商小程序, 预计日活一万, 想听听架构建议。",
        50000,
        &[6, 7],
    ),
];

/// (post index, status, consultant index or none)
const ORDERS: [(usize, Status, Option<usize>); 5] = [
    (0, Status::Completed, Some(2)),
    (1, Status::Accepted, Some(3)),
    (2, Status::Paid, None),
    (3, Status::Unpaid, Some(2)),
    (4, Status::Refunding, None),
];

/// Fills the marketplace; every demo account signs in with the password `hash` is of.
pub fn demo(conn: &Connection, hash: &str) -> ApiResult<()> {
    let now = clock::now();
    let mut accounts = Vec::new();
    for (kind, username, realname, gender, phone) in ACCOUNTS {
        conn.execute(
            "INSERT INTO cs_account (kind, username, password_hash, phone, realname, gender, email, create_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![kind, username, hash, phone, realname, gender, format!("{username}@consult.example"), now],
        )?;
        accounts.push(conn.last_insert_rowid());
    }
    let mut posts = Vec::new();
    for (buyer, title, content, fen, tags) in POSTS {
        conn.execute(
            "INSERT INTO cs_post (user_id, title, content, price_fen, create_date, update_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
            params![accounts[buyer], title, content, fen, now],
        )?;
        let post = conn.last_insert_rowid();
        for tag in tags {
            conn.execute(
                "INSERT INTO cs_post_tag (post_id, tag_id) VALUES (?1, ?2)",
                params![post, tag],
            )?;
        }
        posts.push((post, accounts[buyer], fen));
    }
    for (i, (post, status, consultant)) in ORDERS.into_iter().enumerate() {
        let (post_id, buyer, fen) = posts[post];
        let paid = status != Status::Unpaid;
        conn.execute(
            "INSERT INTO cs_order (order_no, post_id, user_id, consultant_id, price_fen, status,
                 transaction_id, create_date, paid_date, update_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
            params![
                format!("CSDEMO{:04}", i + 1),
                post_id,
                buyer,
                consultant.map(|c| accounts[c]),
                fen,
                status as i64,
                if paid {
                    format!("demo-transaction-{}", i + 1)
                } else {
                    String::new()
                },
                now,
                paid.then(|| now.clone()),
            ],
        )?;
        if status == Status::Refunding {
            let id = conn.last_insert_rowid();
            conn.execute(
                "INSERT INTO pay_refund (app, order_id, out_trade_no, out_refund_no, total_fen,
                     refund_fen, reason, status, create_date, update_date)
                 SELECT 'consult', id, order_no, 'RF' || order_no, price_fen, price_fen,
                     '买家取消订单', 'recorded', ?2, ?2 FROM cs_order WHERE id = ?1",
                params![id, now],
            )?;
        }
    }
    Ok(())
}
