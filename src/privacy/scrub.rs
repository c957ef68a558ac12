//! What other tables hold about a person besides their own rows: messages queued (or sent)
//! about them in the outbox, and their openid inside the raw pay notifies kept as evidence.

use rusqlite::{params, Connection};

use crate::error::ApiResult;

use super::ERASED_NAME;

/// Deletes outbox messages, pending or sent, whose payload contains `needle`: an openid
/// (a message to them), or a Work WeChat line that starts with their name ([`line_about`]).
pub fn forget_messages(c: &Connection, needle: &str) -> ApiResult<usize> {
    if needle.is_empty() {
        return Ok(0);
    }
    Ok(c.execute("DELETE FROM outbox WHERE instr(payload, ?1) > 0", [needle])?)
}

/// The start of a stored Work WeChat text that begins with `name` (how a radar push or a
/// chat line to a salesperson names the customer), for [`forget_messages`]. `None` for
/// names too short to tell one person from another.
pub fn line_about(name: &str) -> Option<String> {
    if name.chars().count() < 2 {
        return None;
    }
    let quoted = serde_json::to_string(name).ok()?;
    Some(format!("\"content\":{}", quoted.strip_suffix('"')?))
}

/// In the pay notifies of these orders (`app` `zhuge` or `consult`), replaces the payer's
/// openid (the `<openid>` element, and `openid` wherever else it appears) with
/// `已注销用户`. Amounts, order and transaction numbers and the verdict stay.
pub fn redact_pay_notifies(
    c: &Connection,
    app: &str,
    out_trade_nos: &[String],
    openid: Option<&str>,
) -> ApiResult<usize> {
    let mut redacted = 0;
    for no in out_trade_nos.iter().filter(|n| !n.is_empty()) {
        let found: Vec<(i64, String)> = c
            .prepare("SELECT id, body FROM pay_notify WHERE app = ?1 AND instr(body, ?2) > 0")?
            .query_map(params![app, no], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (id, body) in found {
            let mut clean = redact_element(&body, "openid");
            if let Some(openid) = openid.filter(|o| !o.is_empty()) {
                clean = clean.replace(openid, ERASED_NAME);
            }
            if clean != body {
                c.execute(
                    "UPDATE pay_notify SET body = ?2 WHERE id = ?1",
                    params![id, clean],
                )?;
                redacted += 1;
            }
        }
    }
    Ok(redacted)
}

/// `<name>...</name>` with its content replaced (CDATA or plain text).
fn redact_element(xml: &str, name: &str) -> String {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let content = start + open.len();
        let Some(len) = rest[content..].find(&close) else {
            break;
        };
        out.push_str(&rest[..content]);
        out.push_str(&format!("<![CDATA[{ERASED_NAME}]]>"));
        rest = &rest[content + len..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::{line_about, redact_element};

    #[test]
    fn the_openid_element_is_replaced_and_the_rest_kept() {
        let xml = "<xml><openid><![CDATA[o-123]]></openid><total_fee>100</total_fee></xml>";
        assert_eq!(
            redact_element(xml, "openid"),
            "<xml><openid><![CDATA[已注销用户]]></openid><total_fee>100</total_fee></xml>"
        );
    }

    #[test]
    fn a_line_names_the_person_at_its_start() {
        assert_eq!(line_about("张三").as_deref(), Some("\"content\":\"张三"));
        assert_eq!(line_about("张"), None);
    }
}
