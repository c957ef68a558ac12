//! One zip archive of a firm: `tables/<table>.jsonl` (one JSON object a row, credentials
//! left out), `media/<path>` (its files under `data_dir`), and `manifest.json` saying what
//! is inside. A zip rather than a .tar.gz: the firm's staff open it in Windows' Explorer
//! as it is. Written next to the destination and renamed into place, so a reader never
//! sees half an archive; read in one transaction, so it is the firm as of one moment.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde_json::{json, Map, Value};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::scope::{shares, Share};
use super::{media, Firm};
use crate::error::{ApiError, ApiResult};

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    /// Rows per table, in the archive's order.
    pub tables: Vec<(&'static str, usize)>,
    pub files: usize,
    pub bytes: u64,
}

type Zip = ZipWriter<BufWriter<File>>;

/// Writes the archive of `firm` to `dest` (replaced if it exists).
pub fn export(c: &Connection, data_dir: &Path, firm: &Firm, dest: &Path) -> ApiResult<Exported> {
    let partial = dest.with_extension(format!("partial-{}", std::process::id()));
    let result = write_archive(c, data_dir, firm, &partial).and_then(|(tables, files)| {
        std::fs::rename(&partial, dest)?;
        let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);
        Ok(Exported {
            tables,
            files,
            bytes,
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn write_archive(
    c: &Connection,
    data_dir: &Path,
    firm: &Firm,
    path: &Path,
) -> ApiResult<(Vec<(&'static str, usize)>, usize)> {
    let mut zip = ZipWriter::new(BufWriter::new(File::create(path)?));
    let read = c.unchecked_transaction()?;
    let mut found = BTreeSet::new();
    let mut tables = Vec::new();
    for share in shares() {
        let rows = write_table(&read, &mut zip, &share, &firm.ids_json(), &mut found)?;
        tables.push((share.table, rows));
    }
    read.finish()?;
    let mut files = 0;
    for rel in &found {
        if let Some(file) = media::file(data_dir, rel) {
            // Pictures are compressed already.
            let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
            zip.start_file(format!("media/{rel}"), stored)
                .map_err(zip_error)?;
            std::io::copy(&mut File::open(file)?, &mut zip)?;
            files += 1;
        }
    }
    zip.start_file("manifest.json", deflated())
        .map_err(zip_error)?;
    let manifest = manifest(firm, &tables, files);
    zip.write_all(
        serde_json::to_string_pretty(&manifest)
            .map_err(ApiError::internal)?
            .as_bytes(),
    )?;
    let out = zip.finish().map_err(zip_error)?;
    out.into_inner()
        .map_err(|e| ApiError::internal(e.error()))?
        .sync_all()?;
    Ok((tables, files))
}

fn deflated() -> SimpleFileOptions {
    SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true)
}

fn zip_error(e: zip::result::ZipError) -> ApiError {
    ApiError::internal(e)
}

/// `tables/<table>.jsonl`: the firm's rows of one table; notes the media they name.
fn write_table(
    c: &Connection,
    zip: &mut Zip,
    share: &Share,
    ids: &str,
    found: &mut BTreeSet<String>,
) -> ApiResult<usize> {
    zip.start_file(format!("tables/{}.jsonl", share.table), deflated())
        .map_err(zip_error)?;
    // `table` and `filter` are constants of `scope`, never input.
    let mut stmt = c.prepare(&format!(
        "SELECT * FROM {} WHERE {}",
        share.table, share.filter
    ))?;
    let names: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
    let mut rows = stmt.query([ids])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        let mut object = Map::new();
        for (i, name) in names.iter().enumerate() {
            if share.omitted.contains(&name.as_str()) {
                continue;
            }
            object.insert(name.clone(), value(row.get_ref(i)?, found));
        }
        serde_json::to_writer(&mut *zip, &object).map_err(ApiError::internal)?;
        zip.write_all(b"\n")?;
        count += 1;
    }
    Ok(count)
}

fn value(v: ValueRef<'_>, found: &mut BTreeSet<String>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => n.into(),
        ValueRef::Real(f) => f.into(),
        ValueRef::Text(t) => {
            let text = String::from_utf8_lossy(t).into_owned();
            media::paths_in(&text, found);
            text.into()
        }
        ValueRef::Blob(b) => b
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
            .into(),
    }
}

fn manifest(firm: &Firm, tables: &[(&'static str, usize)], files: usize) -> Value {
    let omitted: Map<String, Value> = shares()
        .into_iter()
        .filter(|s| !s.omitted.is_empty())
        .map(|s| (s.table.to_string(), json!(s.omitted)))
        .collect();
    json!({
        "format": "leida-firm-export/1",
        "company_ids": firm.ids,
        "company_name": firm.name,
        "exported_at": crate::clock::now(),
        "schema_version": crate::db::schema::VERSION,
        "tables": tables.iter().map(|(t, n)| json!({"table": t, "rows": n, "file": format!("tables/{t}.jsonl")})).collect::<Vec<_>>(),
        "media_files": files,
        "omitted_columns": omitted,
        "note": "每个 .jsonl 文件每行一条记录 (JSON). 密码哈希、登录令牌、微信 session_key 和加密保存的 secret/商户密钥不导出. media/ 下是这些记录引用的图片、二维码和海报 (相对 data_dir 的路径).",
    })
}
