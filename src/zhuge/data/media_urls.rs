//! Media URLs are answered relative (`statics/...`), as seeds 001/003 and the original give
//! them (issue 15); versions before stored some absolute (`{public_url}/statics/...`).
//!
//! Those are rewritten once at start-up rather than normalised in every answer: the columns
//! are read by many answers (card views, the console, exports, chat), and a stored value
//! that is already right keeps each of them a plain read. Only values that start with
//! exactly `{public_url}/statics/` change (inside the JSON columns: JSON strings that do);
//! URLs of other hosts are never touched. A second start finds nothing left to change.

use rusqlite::Connection;

use crate::error::ApiResult;

/// Columns that hold one URL: the ones Leida drew itself (QR codes, posters) and the ones
/// clients fill from `upload`'s `picture_url` (avatars, photos).
const URL_COLUMNS: [(&str, &str); 5] = [
    ("zl_employee", "qr_code"),
    ("zl_employee", "avatar"),
    ("zl_relation", "qr_code"),
    ("zl_relation", "poster_url"),
    ("zl_photo", "photo_url"),
];

/// JSON columns whose strings are picture URLs from `upload`.
const JSON_COLUMNS: [(&str, &str); 4] = [
    ("zl_company", "website_content"),
    ("zl_product", "content"),
    ("zl_goods", "pictures"),
    ("zl_shop_setting", "lunbotu"),
];

/// Rewrites the absolute media URLs under `public_url` to `statics/...`; answers how many
/// values changed. Table and column names are the constants above, never input.
pub fn make_relative(c: &Connection, public_url: &str) -> ApiResult<usize> {
    let base = public_url.trim_end_matches('/');
    if base.is_empty() {
        return Ok(0);
    }
    let absolute = format!("{base}/statics/");
    let mut changed = 0;
    for (table, column) in URL_COLUMNS {
        changed += c.execute(
            &format!(
                "UPDATE {table} SET {column} = 'statics/' || substr({column}, length(?1) + 1)
                 WHERE substr({column}, 1, length(?1)) = ?1"
            ),
            [&absolute],
        )?;
    }
    // In JSON the URL is a string: the opening quote anchors it at the string's start.
    let quoted = format!("\"{absolute}");
    for (table, column) in JSON_COLUMNS {
        changed += c.execute(
            &format!(
                "UPDATE {table} SET {column} = replace({column}, ?1, '\"statics/')
                 WHERE instr({column}, ?1) > 0"
            ),
            [&quoted],
        )?;
    }
    Ok(changed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        let mut tables = String::new();
        for (table, column) in URL_COLUMNS.iter().chain(JSON_COLUMNS.iter()) {
            tables.push_str(&format!(
                "CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY);
                 ALTER TABLE {table} ADD COLUMN {column} TEXT NOT NULL DEFAULT '';"
            ));
        }
        c.execute_batch(&tables).unwrap();
        c
    }

    fn insert(c: &Connection, table: &str, column: &str, value: &str) {
        c.execute(
            &format!("INSERT INTO {table} ({column}) VALUES (?1)"),
            [value],
        )
        .unwrap();
    }

    fn value(c: &Connection, table: &str, column: &str) -> Vec<String> {
        let mut stmt = c
            .prepare(&format!("SELECT {column} FROM {table} ORDER BY id"))
            .unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    #[test]
    fn only_urls_under_public_url_statics_become_relative() {
        let c = db();
        for v in [
            "https://card.example.com/statics/qr/a.png",
            "https://card.example.com/statics2/qr/a.png",
            "https://other.example.com/statics/qr/a.png",
            "x https://card.example.com/statics/qr/a.png",
            "statics/qr/b.png",
            "https://card.example.com/statics/qr/a.png?https://card.example.com/statics/",
        ] {
            insert(&c, "zl_employee", "qr_code", v);
        }
        let site = r#"{"cover_picture":[{"picture_url":"https://card.example.com/statics/uploads/1.png"},{"picture_url":"https://other.example.com/statics/uploads/2.png"}],"note":"see https://card.example.com/statics/uploads/1.png"}"#;
        insert(&c, "zl_company", "website_content", site);

        assert_eq!(make_relative(&c, "https://card.example.com/").unwrap(), 3);
        assert_eq!(
            value(&c, "zl_employee", "qr_code"),
            [
                "statics/qr/a.png",
                "https://card.example.com/statics2/qr/a.png",
                "https://other.example.com/statics/qr/a.png",
                "x https://card.example.com/statics/qr/a.png",
                "statics/qr/b.png",
                "statics/qr/a.png?https://card.example.com/statics/",
            ]
        );
        assert_eq!(
            value(&c, "zl_company", "website_content"),
            [
                r#"{"cover_picture":[{"picture_url":"statics/uploads/1.png"},{"picture_url":"https://other.example.com/statics/uploads/2.png"}],"note":"see https://card.example.com/statics/uploads/1.png"}"#
            ]
        );
        assert_eq!(make_relative(&c, "https://card.example.com").unwrap(), 0);
    }

    #[test]
    fn like_wildcards_in_public_url_match_only_themselves() {
        let c = db();
        insert(
            &c,
            "zl_relation",
            "poster_url",
            "http://a_b/statics/posters/1.png",
        );
        insert(
            &c,
            "zl_relation",
            "poster_url",
            "http://axb/statics/posters/1.png",
        );
        assert_eq!(make_relative(&c, "http://a_b").unwrap(), 1);
        assert_eq!(
            value(&c, "zl_relation", "poster_url"),
            ["statics/posters/1.png", "http://axb/statics/posters/1.png"]
        );
    }
}
