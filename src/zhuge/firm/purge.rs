//! Erasing a firm: its companies, employees, their cards, customers' ties and notes,
//! products, shop, orders, radar and chats, queued messages and cached tokens, in one
//! transaction. A customer stays while anything of another firm still refers to them (a
//! tie, a note, an order, a forward); then only their ties to this firm go. The firm's
//! files are deleted by the caller after the commit ([`super::remove_unreferenced`]).

use std::collections::BTreeSet;

use rusqlite::{params, Connection};

use super::scope::{customers, shares};
use super::{media, Firm};
use crate::error::ApiResult;

/// What a purge deleted.
#[derive(Debug, Default)]
pub struct Purged {
    /// Rows per table.
    pub tables: Vec<(String, usize)>,
    /// Customers who stay because another firm knows them.
    pub customers_kept: usize,
    /// Media paths the deleted rows named: candidates for deletion after the commit.
    pub files: BTreeSet<String>,
}

/// Deletes `firm` inside the caller's transaction `tx`.
pub fn purge(tx: &Connection, firm: &Firm) -> ApiResult<Purged> {
    let ids = firm.ids_json();
    let mut purged = Purged::default();
    for share in shares() {
        let select = format!("SELECT * FROM {} WHERE {}", share.table, share.filter);
        media::paths_of_rows(tx, &select, &ids, &mut purged.files)?;
    }
    let known: Vec<i64> = collect_ids(tx, &format!("SELECT * FROM {}", customers()), &ids)?;
    let outbox = tx.execute(
        "DELETE FROM outbox WHERE json_extract(payload, '$.account.company')
             IN (SELECT value FROM json_each(?1))",
        [&ids],
    )?;
    purged.tables.push(("outbox".into(), outbox));
    let tokens = forget_tokens(tx, &ids)?;
    purged.tables.push(("wechat_token".into(), tokens));
    for share in shares() {
        if !share.purged {
            let (form_ids, deleted, kept) = customers_step(tx, &known, &ids)?;
            purged.tables.push(("zl_form_id".into(), form_ids));
            purged.tables.push(("zl_customer".into(), deleted));
            purged.customers_kept = kept;
            continue;
        }
        // `table` and `filter` are constants of `scope`, never input.
        let sql = format!("DELETE FROM {} WHERE {}", share.table, share.filter);
        let n = tx.execute(&sql, [&ids])?;
        purged.tables.push((share.table.to_string(), n));
    }
    Ok(purged)
}

fn collect_ids(c: &Connection, sql: &str, ids: &str) -> ApiResult<Vec<i64>> {
    let mut stmt = c.prepare(sql)?;
    let rows = stmt.query_map([ids], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Cached access tokens of the firm's own apps: a cache, refetched by whoever needs one.
fn forget_tokens(tx: &Connection, ids: &str) -> ApiResult<usize> {
    Ok(tx.execute(
        "DELETE FROM wechat_token WHERE EXISTS (
             SELECT 1 FROM zl_company co WHERE co.id IN (SELECT value FROM json_each(?1)) AND (
                 (co.mp_appid != '' AND substr(key, 1, length(co.mp_appid) + 6) = 'mini:' || co.mp_appid || ':')
              OR (co.work_corp_id != '' AND substr(key, 1, length(co.work_corp_id) + 6) = 'work:' || co.work_corp_id || ':')))",
        [ids],
    )?)
}

/// After the firm's ties are gone: customers nothing else refers to are deleted (their
/// formIds with them); the others stay, their `company_id` moved off the firm to the
/// company of their newest remaining card (or none). Answers (formIds, deleted, kept).
fn customers_step(tx: &Connection, known: &[i64], ids: &str) -> ApiResult<(usize, usize, usize)> {
    let referred = referred_sql(tx)?;
    let (mut form_ids, mut deleted, mut kept) = (0, 0, 0);
    for &customer in known {
        let still: bool = tx.query_row(&referred, [customer], |r| r.get(0))?;
        if still {
            kept += 1;
            tx.execute(
                "UPDATE zl_customer SET company_id = (
                     SELECT e.company_id FROM zl_relation r JOIN zl_employee e ON e.id = r.user_id
                     WHERE r.customer_id = zl_customer.id ORDER BY r.id DESC LIMIT 1)
                 WHERE id = ?1 AND company_id IN (SELECT value FROM json_each(?2))",
                params![customer, ids],
            )?;
        } else {
            form_ids += tx.execute("DELETE FROM zl_form_id WHERE customer_id = ?1", [customer])?;
            deleted += tx.execute("DELETE FROM zl_customer WHERE id = ?1", [customer])?;
        }
    }
    Ok((form_ids, deleted, kept))
}

/// `SELECT EXISTS (…)`: whether any row of any table refers to customer `?1`, formIds
/// (the customer's own, deleted with them) aside. Built from the schema's foreign keys,
/// so a table added later is heeded without a change here.
fn referred_sql(c: &Connection) -> ApiResult<String> {
    let mut stmt = c.prepare(
        "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
         WHERE m.type = 'table' AND f.\"table\" = 'zl_customer' AND m.name != 'zl_form_id'",
    )?;
    let refs: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let clauses: Vec<String> = refs
        .iter()
        .map(|(table, column)| {
            format!("EXISTS (SELECT 1 FROM \"{table}\" WHERE \"{column}\" = ?1)")
        })
        .collect();
    if clauses.is_empty() {
        return Ok("SELECT 0".into());
    }
    Ok(format!("SELECT {}", clauses.join(" OR ")))
}
