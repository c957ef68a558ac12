//! `leida export --company ID FILE` and `leida purge --company ID` (issue 17 §2). Both work
//! while the server runs, on the same `db_path`: the export reads in one transaction (as
//! `backup`), the purge is one write transaction, its files deleted after the commit.

use std::path::Path;

use super::wrong_args;
use crate::config::Settings;
use crate::db::Db;
use crate::zhuge::firm::{self, Children};

/// `--company ID` and `--with-children`; the other arguments are returned.
fn firm_args(args: &[String], command: &str) -> Result<(i64, Children, Vec<String>), String> {
    let (mut company, mut children, mut rest) = (None, Children::Refuse, Vec::new());
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--company" => {
                let id = it.next().ok_or("--company 缺少值")?;
                company = Some(
                    id.parse::<i64>()
                        .map_err(|_| format!("--company 须是公司 id (数字), 而不是 {id:?}"))?,
                );
            }
            "--with-children" => children = Children::Include,
            other if other.starts_with("--") => {
                return Err(wrong_args(command, &format!("未知参数 {other:?}")))
            }
            other => rest.push(other.to_string()),
        }
    }
    let company = company.ok_or_else(|| wrong_args(command, "缺少 --company"))?;
    Ok((company, children, rest))
}

/// `leida export --company ID FILE [--with-children]`.
pub fn export(args: &[String]) -> Result<(), String> {
    let (id, children, rest) = firm_args(args, "export")?;
    let [file] = rest.as_slice() else {
        return Err(wrong_args("export", ""));
    };
    let settings = Settings::load()?;
    let db = Db::open_configured(&settings)?;
    let c = db.reader().map_err(|e| e.msg.into_owned())?;
    let firm = firm::firm(&c, id, children).map_err(|e| e.msg.into_owned())?;
    let done = firm::export(&c, &settings.data_dir, &firm, Path::new(file)).map_err(|e| {
        format!(
            "导出失败: {}",
            e.detail.unwrap_or_else(|| e.msg.into_owned())
        )
    })?;
    println!("已导出公司 {} (id {:?}) → {file}", firm.name, firm.ids);
    for (table, rows) in &done.tables {
        println!("  {table}: {rows}");
    }
    println!("  文件 (图片、二维码、海报): {}", done.files);
    println!(
        "共 {} 字节. 密码哈希、登录令牌和加密保存的密钥不在其中.",
        done.bytes
    );
    Ok(())
}

/// `leida purge --company ID [--with-children]`.
pub fn purge(args: &[String]) -> Result<(), String> {
    let (id, children, rest) = firm_args(args, "purge")?;
    if !rest.is_empty() {
        return Err(wrong_args("purge", ""));
    }
    let settings = Settings::load()?;
    let db = Db::open_configured(&settings)?;
    let (name, purged) = db
        .tx_blocking(|tx| {
            let firm = firm::firm(tx, id, children)?;
            Ok((firm.name.clone(), firm::purge(tx, &firm)?))
        })
        .map_err(|e| e.msg.into_owned())?;
    let c = db.reader().map_err(|e| e.msg.into_owned())?;
    let files = firm::remove_unreferenced(&c, &settings.data_dir, purged.files)
        .map_err(|e| e.msg.into_owned())?;
    println!("已删除公司 {name} (id {id}):");
    for (table, rows) in &purged.tables {
        println!("  {table}: {rows}");
    }
    println!("  文件: {files}");
    println!(
        "保留了 {} 位同时是其他公司客户的客户 (只删除了他们与本公司的关系和备注).",
        purged.customers_kept
    );
    Ok(())
}
