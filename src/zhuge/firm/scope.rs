//! Which rows belong to a firm: for each table, the condition that picks that firm's rows.
//! `?1` is always the JSON array of the firm's company ids (the company, and with
//! `--with-children` its descendants), so every statement stays parameterised.

/// The firm's companies.
const COMPANIES: &str = "(SELECT value FROM json_each(?1))";

/// One table's share of a firm.
pub struct Share {
    pub table: &'static str,
    /// Picks the firm's rows (`WHERE` clause).
    pub filter: String,
    /// Columns never exported: sealed secrets, password hashes, sign-in tokens, WeChat
    /// session keys. They are credentials, not data, and useless outside this server.
    pub omitted: &'static [&'static str],
    /// Whether `leida purge` deletes these rows with a plain `DELETE` (customers, which
    /// other firms may share, are handled apart).
    pub purged: bool,
}

fn employees() -> String {
    format!("(SELECT id FROM zl_employee WHERE company_id IN {COMPANIES})")
}

fn by_company(table: &'static str) -> Share {
    share(table, format!("company_id IN {COMPANIES}"))
}

fn by_employee(table: &'static str) -> Share {
    share(table, format!("user_id IN {}", employees()))
}

fn share(table: &'static str, filter: String) -> Share {
    Share {
        table,
        filter,
        omitted: &[],
        purged: true,
    }
}

/// The customers a firm knows: bound to one of its cards, last bound to it, noted by it
/// or buying from it.
pub fn customers() -> String {
    format!(
        "(SELECT customer_id FROM zl_relation WHERE user_id IN {e}
          UNION SELECT id FROM zl_customer WHERE company_id IN {COMPANIES}
          UNION SELECT customer_id FROM zl_customer_note WHERE company_id IN {COMPANIES}
          UNION SELECT customer_id FROM zl_order WHERE company_id IN {COMPANIES})",
        e = employees()
    )
}

/// The order number inside a stored pay notify (`<out_trade_no>` or its CDATA form).
const NOTIFY_TRADE_NO: &str = "replace(replace(substr(body,
        instr(body, '<out_trade_no>') + 14,
        instr(body, '</out_trade_no>') - instr(body, '<out_trade_no>') - 14),
    '<![CDATA[', ''), ']]>', '')";

/// Every table with rows of the firm, in an order that deletes children before parents.
pub fn shares() -> Vec<Share> {
    let relations = format!(
        "(SELECT id FROM zl_relation WHERE user_id IN {})",
        employees()
    );
    let roles = format!("(SELECT id FROM zl_role WHERE company_id IN {COMPANIES})");
    let tags = format!("(SELECT id FROM zl_tag WHERE company_id IN {COMPANIES})");
    vec![
        share(
            "pay_notify",
            format!(
                "app = 'zhuge' AND instr(body, '<out_trade_no>') > 0 AND {NOTIFY_TRADE_NO} IN
                 (SELECT out_trade_no FROM zl_order WHERE company_id IN {COMPANIES})"
            ),
        ),
        share("zl_follow_info", format!("relation_id IN {relations}")),
        share("zl_tag_customer", format!("tag_id IN {tags}")),
        by_employee("zl_chat"),
        by_employee("zl_radar"),
        by_employee("zl_radar_daily"),
        by_employee("zl_radar_customer_total"),
        by_employee("zl_radar_customer_tally"),
        by_employee("zl_card_view"),
        by_employee("zl_up_down"),
        by_employee("zl_up_down_sign"),
        by_employee("zl_photo"),
        by_employee("zl_user_tag"),
        by_employee("zl_follow_language"),
        by_employee("zl_relation"),
        by_company("zl_customer_note"),
        by_company("zl_order"),
        // After every table that refers to customers: who is still referred to stays.
        Share {
            purged: false,
            omitted: &["session_key", "token"],
            ..share("zl_customer", format!("id IN {}", customers()))
        },
        by_company("zl_goods"),
        by_company("zl_goods_class"),
        Share {
            omitted: &["shangHuMiYao"],
            ..by_company("zl_shop_setting")
        },
        by_company("zl_product"),
        by_company("zl_tag"),
        share("zl_role_permission", format!("role_id IN {roles}")),
        by_company("zl_permission"),
        Share {
            omitted: &["password_hash", "token"],
            ..by_company("zl_employee")
        },
        by_company("zl_role"),
        Share {
            omitted: &["mp_secret", "work_secret"],
            ..share("zl_company", format!("id IN {COMPANIES}"))
        },
    ]
}
