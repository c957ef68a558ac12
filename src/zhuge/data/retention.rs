//! What the card app deletes when old (issue 17 §3): spent or stale formIds, and, when
//! `radar_keep_days` is set, radar events older than that. The radar's numbers come from
//! tallies kept by triggers (migration 004) that count a deleted event down; an event
//! pruned for age must leave them as they are, so each batch first adds back what the
//! delete trigger will take away, in the same transaction.

use rusqlite::{params, Connection};

use crate::error::ApiResult;
use crate::retention::{Rules, BATCH};
use crate::zhuge::data::notice::FORM_ID_DAYS;

/// Deletes formIds that are spent or older than WeChat keeps them.
pub fn prune_form_ids(c: &Connection, rules: &Rules) -> ApiResult<usize> {
    let stale = rules.days_ago(FORM_ID_DAYS as u32);
    Ok(c.prepare_cached(
        "DELETE FROM zl_form_id WHERE id IN (
             SELECT id FROM zl_form_id WHERE used = 1 OR create_date <= ?1 LIMIT ?2)",
    )?
    .execute(params![stale, BATCH as i64])?)
}

/// Deletes one batch of radar events from before midnight `radar_keep_days` ago, their
/// tallies unchanged; nothing when `radar_keep_days` is 0.
pub fn prune_radar(c: &Connection, rules: &Rules) -> ApiResult<usize> {
    if rules.radar_keep_days == 0 {
        return Ok(0);
    }
    let before = rules.midnight_days_ago(rules.radar_keep_days);
    // The batch: old events up to the id of the BATCH-th oldest (ids grow with time, so
    // the scan in id order meets the old ones first).
    let last: Option<i64> = c
        .prepare_cached(
            "SELECT MAX(id) FROM (SELECT id FROM zl_radar WHERE create_date < ?1
                                  ORDER BY id LIMIT ?2)",
        )?
        .query_row(params![before, BATCH as i64], |r| r.get(0))?;
    let Some(last) = last else {
        return Ok(0);
    };
    for compensate in COMPENSATE {
        c.prepare_cached(compensate)?
            .execute(params![before, last])?;
    }
    Ok(
        c.prepare_cached("DELETE FROM zl_radar WHERE id <= ?2 AND create_date < ?1")?
            .execute(params![before, last])?,
    )
}

/// What the delete trigger `zl_radar_tally_delete` subtracts for the batch
/// (`id <= ?2 AND create_date < ?1`), added first.
const COMPENSATE: [&str; 3] = [
    "INSERT INTO zl_radar_daily (user_id, day, action, n)
         SELECT user_id, substr(create_date, 1, 10), action, COUNT(*) FROM zl_radar
         WHERE id <= ?2 AND create_date < ?1 GROUP BY 1, 2, 3
     ON CONFLICT (user_id, day, action) DO UPDATE SET n = n + excluded.n",
    "INSERT INTO zl_radar_customer_total (user_id, customer_id, total)
         SELECT user_id, customer_id, COUNT(*) FROM zl_radar
         WHERE id <= ?2 AND create_date < ?1 GROUP BY 1, 2
     ON CONFLICT (user_id, customer_id) DO UPDATE SET total = total + excluded.total",
    "INSERT INTO zl_radar_customer_tally (user_id, customer_id, action, n)
         SELECT user_id, customer_id, action, COUNT(*) FROM zl_radar
         WHERE id <= ?2 AND create_date < ?1 GROUP BY 1, 2, 3
     ON CONFLICT (user_id, customer_id, action) DO UPDATE SET n = n + excluded.n",
];
