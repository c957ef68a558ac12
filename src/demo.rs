//! `leida demo`: believable data for a fresh database, so every screen has something to show.

use chrono::Duration;
use rusqlite::{params, Connection};
use serde_json::json;

use crate::clock;
use crate::db::Db;
use crate::error::ApiResult;
use crate::zhuge::data::{company, radar};

pub const ADMIN_USERNAME: &str = "boss";
pub const ADMIN_PASSWORD: &str = "leida-demo";

const COMPANY: &str = "合众康桥";
const SALES: [(&str, &str, &str, &str); 3] = [
    ("zhangcong", "张聪", "销售经理", "15931788975"),
    ("lihua", "李华", "客户经理", "18511123918"),
    ("wangfang", "王芳", "技术顾问", "13811112222"),
];
const CUSTOMERS: [(&str, &str, &str); 8] = [
    ("赵欣鹏", "北京", "男"),
    ("钱晓燕", "上海", "女"),
    ("孙建国", "杭州", "男"),
    ("周婷", "深圳", "女"),
    ("吴昊", "成都", "男"),
    ("郑雪", "武汉", "女"),
    ("冯磊", "南京", "男"),
    ("陈静", "广州", "女"),
];

/// Fills an empty database; everything lands in one transaction or nothing does.
pub fn fill(db: &Db) -> ApiResult<()> {
    let admin_hash = crate::password::hash(ADMIN_PASSWORD)?;
    db.tx_blocking(|tx| {
        let company_id = company::ensure(tx, COMPANY)?;
        tx.execute(
            "UPDATE zl_company SET address = '北京市通州区新华大街 88 号', area = '北京',
                 website_content = ?2 WHERE id = ?1",
            params![company_id, website().to_string()],
        )?;
        let admin = crate::zhuge::data::admin::ensure_admin(tx, ADMIN_USERNAME, &admin_hash, Some(COMPANY))?;
        tx.execute(
            "UPDATE zl_employee SET memo_name = '刘总', position = '总经理', mingpian_phone = '13900001111',
                 sign = '用心做好每一个产品', email = 'boss@hezhong.example' WHERE id = ?1",
            [admin],
        )?;
        let role = sales_role(tx, company_id)?;
        let mut sales = vec![admin];
        for (login, name, position, phone) in SALES {
            tx.execute(
                "INSERT INTO zl_employee (company_id, role_id, username, password_hash, token, memo_name,
                     position, mingpian_phone, wechat, email, sign, create_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, '专业、靠谱、准时', ?11)",
                params![company_id, role, login, admin_hash, clock::token(), name, position, phone,
                        format!("wx_{login}"), format!("{login}@hezhong.example"), past(40, 0)],
            )?;
            sales.push(tx.last_insert_rowid());
        }
        for (i, (name, city, sex)) in CUSTOMERS.iter().enumerate() {
            let customer = add_customer(tx, company_id, i, name, city, sex)?;
            for (j, &uid) in sales.iter().enumerate().filter(|(j, _)| (i + j) % 2 == 0) {
                bind_with_history(tx, uid, customer, i + j)?;
            }
        }
        add_products(tx, company_id, sales[1])?;
        add_tags(tx, company_id)?;
        add_card_details(tx, &sales)?;
        add_customer_details(tx)?;
        add_shop(tx, company_id, sales[1])?;
        crate::consult::demo(tx, &admin_hash)?;
        crate::design::demo(tx)?;
        crate::repair::demo(tx)?;
        crate::zhuge::work::user::demo(tx)?;
        crate::zhuge::data::follow::demo(tx)?;
        Ok(())
    })
}

fn sales_role(c: &Connection, company_id: i64) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_role (company_id, name, create_date) VALUES (?1, '销售', ?2)",
        params![company_id, clock::now()],
    )?;
    Ok(c.last_insert_rowid())
}

/// A time `days` days and `minutes` minutes ago, in the stored format.
fn past(days: i64, minutes: i64) -> String {
    let t = clock::now_local() - Duration::days(days) - Duration::minutes(minutes);
    t.format(clock::FORMAT).to_string()
}

fn add_customer(
    c: &Connection,
    company_id: i64,
    i: usize,
    name: &str,
    city: &str,
    sex: &str,
) -> ApiResult<i64> {
    c.execute(
        "INSERT INTO zl_customer (company_id, openid, user_type, token, username, sex, city, province,
             country, language, create_date)
         VALUES (?1, ?2, 2, ?3, ?4, ?5, ?6, ?6, '中国', 'zh_CN', ?7)",
        params![company_id, format!("demo-openid-{i}"), clock::token(), name,
                if sex == "男" { 1 } else { 2 }, city, past(30, i as i64 * 7)],
    )?;
    Ok(c.last_insert_rowid())
}

/// A relation with a believable past: card views, likes, a chat, a follow-up.
fn bind_with_history(c: &Connection, uid: i64, customer: i64, seed: usize) -> ApiResult<()> {
    c.execute(
        "INSERT INTO zl_relation (user_id, customer_id, source, expected_time, expedted_pr, create_date)
         VALUES (?1, ?2, ?3, date('now', '+' || ?4 || ' days'), ?5, ?6)",
        params![uid, customer, 1 + (seed % 2) as i64, 10 + seed as i64, (seed * 13 % 90) as i64 + 10, past(20, 0)],
    )?;
    let relation = c.last_insert_rowid();
    let plan: [(i64, &str); 6] = [
        (radar::VIEW_CARD, "首次查看您的名片,沟通从此刻开始"),
        (radar::VIEW_CARD, "查看您的名片第2次,把握深度交流的机会"),
        (radar::PRAISE, "觉得您非常靠谱"),
        (radar::COPY_WECHAT, "复制了您的微信,留意微信新朋友消息"),
        (radar::FORWARD, "转发了你的名片,你的人脉圈正在裂变"),
        (radar::CALL, "拨打您的手机"),
    ];
    let steps = 2 + seed % 5;
    for (k, (action, remark)) in plan.iter().take(steps).enumerate() {
        let when = past((steps - k) as i64 * 2, (seed * 17 + k * 5) as i64);
        c.execute(
            "INSERT INTO zl_radar (user_id, customer_id, action, remark, is_new_msg, create_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![uid, customer, action, remark, k + 1 == steps, when],
        )?;
        c.execute(
            "UPDATE zl_employee SET popularity = popularity + (?2 = 1) WHERE id = ?1",
            params![uid, action],
        )?;
    }
    for (send_type, msg) in [
        (1, "您好,欢迎进入我的名片,有什么可以帮到您的吗?"),
        (2, "你们的产品支持定制吗?"),
        (1, "支持的,我稍后把方案发给您"),
    ] {
        c.execute(
            "INSERT INTO zl_chat (user_id, customer_id, send_type, content, is_customer_new_msg, is_user_new_msg, create_date)
             VALUES (?1, ?2, ?3, ?4, 0, 0, ?5)",
            params![uid, customer, send_type, json!({"info_type": 1, "msg": msg}).to_string(), past(1, 60 - send_type * 10)],
        )?;
    }
    c.execute(
        "INSERT INTO zl_follow_info (relation_id, follow_info, create_date) VALUES (?1, '计划近期安排拜访', ?2)",
        params![relation, past(1, 0)],
    )?;
    Ok(())
}

fn add_products(c: &Connection, company_id: i64, author: i64) -> ApiResult<()> {
    let products = [
        ("智能名片 标准版", "980", "一张名片, 连接每一位客户", 3),
        (
            "销售雷达 企业版",
            "2980-9800",
            "客户每一次查看, 你都第一时间知道",
            1,
        ),
        ("小程序商城 基础版", "1280", "开店只需五分钟", 1),
    ];
    for (i, (name, price, reason, status)) in products.iter().enumerate() {
        let content = json!({
            "cover_data": [{"type": "picture_url", "data": ["statics/imgs/setAvator.jpg"]}],
            "article_data": [
                {"type": "title", "data": [name]},
                {"type": "content", "data": [reason]},
            ],
        });
        c.execute(
            "INSERT INTO zl_product (company_id, user_id, name, price, reason, content, status, recommend_index, create_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![company_id, if i == 0 { None } else { Some(author) }, name, price, reason,
                    content.to_string(), status, 10 - i as i64, past(15 - i as i64, 0)],
        )?;
    }
    Ok(())
}

fn add_tags(c: &Connection, company_id: i64) -> ApiResult<()> {
    let groups: [(&str, &[&str]); 3] = [
        ("关注点", &["在意质量", "在意价格"]),
        ("级别", &["重要客户", "一般客户"]),
        ("自定义", &["90后"]),
    ];
    for (group, tags) in groups {
        c.execute(
            "INSERT INTO zl_tag (company_id, name) VALUES (?1, ?2)",
            params![company_id, group],
        )?;
        let parent = c.last_insert_rowid();
        for tag in tags {
            c.execute(
                "INSERT INTO zl_tag (company_id, name, parent_id) VALUES (?1, ?2, ?3)",
                params![company_id, tag, parent],
            )?;
            c.execute(
                "INSERT INTO zl_tag_customer (tag_id, customer_id)
                 SELECT ?1, id FROM zl_customer WHERE company_id = ?2 AND id % 3 = ?3",
                params![c.last_insert_rowid(), company_id, tag.len() as i64 % 3],
            )?;
        }
    }
    Ok(())
}

/// Photo walls and card tags; likes that match the counters.
fn add_card_details(c: &Connection, sales: &[i64]) -> ApiResult<()> {
    for &uid in sales {
        for (order, name) in ["专业", "靠谱", "准时"].iter().enumerate() {
            c.execute(
                "INSERT INTO zl_user_tag (user_id, name) VALUES (?1, ?2)",
                params![uid, name],
            )?;
            c.execute(
                "INSERT INTO zl_photo (user_id, photo_type, photo_url, order_num, create_date)
                 VALUES (?1, 1, 'statics/imgs/Avator.jpg', ?2, ?3)",
                params![uid, order as i64, past(10, 0)],
            )?;
        }
    }
    c.execute_batch(
        "INSERT INTO zl_card_view (user_id, customer_id, views)
             SELECT user_id, customer_id, COUNT(*) FROM zl_radar WHERE action = 1 GROUP BY user_id, customer_id;
         INSERT INTO zl_up_down (user_id, customer_id, up)
             SELECT DISTINCT user_id, customer_id, 1 FROM zl_radar WHERE action = 9;
         INSERT INTO zl_up_down_sign (user_id, customer_id, create_date)
             SELECT user_id, customer_id, create_date FROM zl_relation WHERE customer_id % 3 = 0;
         UPDATE zl_employee SET
             praise = (SELECT COUNT(*) FROM zl_up_down u WHERE u.user_id = zl_employee.id AND u.up = 1),
             sign_num = (SELECT COUNT(*) FROM zl_up_down_sign s WHERE s.user_id = zl_employee.id),
             forward = (SELECT COUNT(*) FROM zl_radar r WHERE r.user_id = zl_employee.id AND r.action = 6);",
    )?;
    Ok(())
}

/// What salespeople noted about customers, and formIds their mini-programs handed over.
fn add_customer_details(c: &Connection) -> ApiResult<()> {
    c.execute_batch(
        "INSERT INTO zl_customer_note (company_id, customer_id, sex, given_phone, company, position,
                                       address, mem)
             SELECT DISTINCT e.company_id, cu.id, cu.sex, printf('1390000%04d', 1000 + cu.id),
                    cu.city || '某科技有限公司', '采购经理',
                    cu.city || '市中心', '对价格敏感'
             FROM zl_customer cu JOIN zl_relation r ON r.customer_id = cu.id
             JOIN zl_employee e ON e.id = r.user_id;",
    )?;
    c.execute(
        "INSERT INTO zl_form_id (customer_id, form_id, create_date) SELECT id, 'demo-form-' || id, ?1 FROM zl_customer",
        [past(1, 0)],
    )?;
    Ok(())
}

/// A shop with two classes, three goods (one off shelf) and one paid order.
fn add_shop(c: &Connection, company_id: i64, seller: i64) -> ApiResult<()> {
    let now = clock::now();
    c.execute(
        "INSERT INTO zl_shop_setting (company_id, shangChengName, create_date) VALUES (?1, '合众康桥商城', ?2)",
        params![company_id, now],
    )?;
    c.execute(
        "INSERT INTO zl_goods_class (company_id, classificationName, create_date) VALUES (?1, '软件服务', ?2)",
        params![company_id, now],
    )?;
    let parent = c.last_insert_rowid();
    c.execute(
        "INSERT INTO zl_goods_class (company_id, classificationName, parentClassification, create_date)
         VALUES (?1, '名片套餐', ?2, ?3)",
        params![company_id, parent, now],
    )?;
    let class = c.last_insert_rowid();
    for (name, fen, status) in [
        ("智能名片年卡", 98000, 1),
        ("雷达加购包", 29900, 1),
        ("旧版套餐", 1000, 2),
    ] {
        c.execute(
            "INSERT INTO zl_goods (company_id, classificationId, goodsName, goodsPrice, goodsStatus, create_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![company_id, class, name, fen, status, now],
        )?;
    }
    let goods = c.last_insert_rowid() - 2;
    c.execute(
        "INSERT INTO zl_order (out_trade_no, company_id, goods_id, customer_id, user_id, goods_name, amount,
             appid, mch_id, status, transaction_id, create_date, paid_date)
         SELECT 'DEMO' || strftime('%Y%m%d%H%M%S', 'now') || id, ?1, ?2, id, ?3, '智能名片年卡', 98000,
                'wx-demo', '1900000109', 8, 'demo-transaction-' || id, ?4, ?4
         FROM zl_customer ORDER BY id LIMIT 1",
        params![company_id, goods, seller, now],
    )?;
    // A customer's refund request waiting for the seller (the console's 退款 page).
    c.execute(
        "INSERT INTO pay_refund (app, order_id, company_id, appid, mch_id, out_trade_no, out_refund_no,
             total_fen, refund_fen, reason, reason_id, status, create_date, update_date)
         SELECT 'zhuge', id, company_id, appid, mch_id, out_trade_no, 'RFDEMO' || id, amount, amount,
                '年卡买重复了', 2, 'requested', ?2, ?2
         FROM zl_order WHERE company_id = ?1 ORDER BY id LIMIT 1",
        params![company_id, now],
    )?;
    c.execute(
        "UPDATE zl_order SET status = 4 WHERE id IN (SELECT order_id FROM pay_refund WHERE app = 'zhuge')",
        [],
    )?;
    Ok(())
}

fn website() -> serde_json::Value {
    json!({
        "cover_picture": [{"picture_url": "statics/imgs/setAvator.jpg"}],
        "content_picture": [{"picture_url": "statics/imgs/Avator.jpg"}],
    })
}
