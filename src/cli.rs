//! The subcommands: serving, the demo, and creating an administrator.

use std::path::Path;

use crate::config::Settings;
use crate::db::{schema, Db};
use crate::secrets::{key_path, Secrets};
use crate::wechat::WeChat;
use crate::zhuge::data::{admin, setup};
use crate::{demo, ops, password};

pub mod firm;

/// One subcommand: its name, its arguments and what it does (in the operator's language).
pub struct Command {
    pub name: &'static str,
    pub args: &'static str,
    pub about: &'static str,
}

pub const COMMANDS: &[Command] = &[
    Command {
        name: "serve",
        args: "",
        about: "启动服务 (默认命令; 配置见 Rocket.toml 与 ROCKET_* 环境变量)",
    },
    Command {
        name: "demo",
        args: "",
        about: "在空数据库中填入演示数据并启动服务",
    },
    Command {
        name: "admin",
        args: "--username NAME --password PW [--company NAME]",
        about: "创建管理员, 或重置其密码 (公司默认为 默认公司)",
    },
    Command {
        name: "promote",
        args: "design OPENID LEVEL | repair ID ROLE",
        about: "设定设计小程序用户的职位 (customer, designer, service, manager) \
                或报修小程序用户的角色 (normal, repair, admin)",
    },
    Command {
        name: "backup",
        args: "FILE",
        about: "在服务运行时把数据库一致地复制到 FILE",
    },
    Command {
        name: "restore",
        args: "FILE",
        about: "用备份 FILE 替换数据库 (须先停止服务; 需要备份时的密钥)",
    },
    Command {
        name: "check-credentials",
        args: "[--company ID]",
        about: "向微信核对小程序与企业微信的 appid/secret",
    },
    Command {
        name: "export",
        args: "--company ID FILE [--with-children]",
        about: "把一家公司的全部数据 (每表 JSON lines 与图片) 导出为 zip 文件 FILE",
    },
    Command {
        name: "purge",
        args: "--company ID [--with-children]",
        about: "删除一家公司及只属于它的全部数据和文件 (不可恢复, 先导出)",
    },
    Command {
        name: "help",
        args: "[COMMAND]",
        about: "显示帮助; leida COMMAND --help 同样",
    },
];

/// `leida 0.1.0 (commit 0123456789ab)`.
pub fn version() -> String {
    format!(
        "leida {} (commit {})",
        env!("CARGO_PKG_VERSION"),
        env!("LEIDA_COMMIT")
    )
}

fn usage_line(c: &Command) -> String {
    format!("leida {} {}", c.name, c.args)
        .trim_end()
        .to_string()
}

/// Every command, for `leida help`.
pub fn usage() -> String {
    let mut out = format!("{}\n\n用法:\n", version());
    for c in COMMANDS {
        out += &format!("  {}\n      {}\n", usage_line(c), c.about);
    }
    out + "  leida --version\n      显示版本与 git 提交\n"
}

/// One command's help, for `leida COMMAND --help` and `leida help COMMAND`.
pub fn help(name: &str) -> Option<String> {
    let c = COMMANDS.iter().find(|c| c.name == name)?;
    Some(format!("用法: {}\n  {}", usage_line(c), c.about))
}

/// A command's arguments were wrong: what was wrong, then how to call it.
pub(crate) fn wrong_args(name: &str, why: &str) -> String {
    let how = help(name).unwrap_or_default();
    if why.is_empty() {
        how
    } else {
        format!("{why}\n{how}")
    }
}

/// Serves until Ctrl-C; with `demo`, a fresh database is filled with demo data first.
pub async fn serve(with_demo: bool) -> Result<(), String> {
    let figment = rocket::Config::figment();
    let settings = Settings::from_figment(&figment)?;
    let config: rocket::Config = figment.extract().map_err(|e| e.to_string())?;
    crate::logging::install(config.log_level.into());
    let rocket = crate::build(figment.clone())?;
    let db = rocket.state::<Db>().ok_or("数据库未初始化")?;
    let fresh = count_employees(db)? == 0;
    if with_demo {
        if fresh {
            demo::fill(db).map_err(|e| format!("演示数据写入失败: {e}"))?;
        } else {
            println!("数据库已有数据, 不再写入演示数据.");
        }
        println!(
            "演示账号 (控制台与 POST /zhugeleida/admin/login): {} / {}",
            demo::ADMIN_USERNAME,
            demo::ADMIN_PASSWORD
        );
    }
    println!("leida 服务地址: http://{}:{}", config.address, config.port);
    println!(
        "网页控制台: http://{}:{}/console/",
        config.address, config.port
    );
    println!(
        "数据库: {}    文件目录: {}",
        settings.db_path.display(),
        settings.data_dir.display()
    );
    if fresh && !with_demo {
        let secrets = db.secrets().clone();
        let token = db
            .tx_blocking(|tx| setup::pending_token(tx, &secrets))
            .map_err(|e| e.msg.into_owned())?;
        if let Some(token) = token {
            println!("{}", first_steps(&setup_link(&settings, &config, &token)));
        }
    }
    if settings.offline() {
        println!("未配置 wechat_appid: 小程序登录以离线开发模式运行 (code → dev-openid).");
    }
    rocket
        .launch()
        .await
        .map(|_| ())
        .map_err(|e| format!("服务启动失败: {e}"))
}

/// What a fresh database needs from the operator before anyone can manage anything.
pub fn first_steps(link: &str) -> String {
    format!(
        "这是一个新数据库. 在浏览器中打开一次性设置链接, 创建管理员与公司:\n  {link}\n\
         (在创建管理员之前, 每次启动都会显示此链接.) 也可以用命令行:\n  \
         leida admin --username boss --password '至少{min}位的密码'\n\
         设计与报修小程序的管理员不会自动产生: 用户在小程序中登录后, 由运维授予:\n  \
         leida promote design OPENID manager\n  \
         leida promote repair 用户ID admin",
        min = password::MIN_LEN
    )
}

/// `{public_url}/console/#/setup?token=...`, or the listening address without `public_url`.
fn setup_link(settings: &Settings, config: &rocket::Config, token: &str) -> String {
    let base = match settings.public_url.trim_end_matches('/') {
        "" => format!("http://{}:{}", config.address, config.port),
        url => url.to_string(),
    };
    format!("{base}/console/#/setup?token={token}")
}

fn count_employees(db: &Db) -> Result<i64, String> {
    let c = db.reader().map_err(|e| e.to_string())?;
    c.query_row("SELECT COUNT(*) FROM zl_employee", [], |r| r.get(0))
        .map_err(|e| e.to_string())
}

/// `leida admin --username NAME --password PW [--company NAME]`.
pub fn admin(args: &[String]) -> Result<(), String> {
    let mut username = None;
    let mut password = None;
    let mut company = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let slot = match flag.as_str() {
            "--username" => &mut username,
            "--password" => &mut password,
            "--company" => &mut company,
            other => return Err(wrong_args("admin", &format!("未知参数 {other:?}"))),
        };
        *slot = Some(it.next().ok_or_else(|| format!("{flag} 缺少值"))?.clone());
    }
    let username = username
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| wrong_args("admin", "缺少 --username"))?;
    let password = password.ok_or_else(|| wrong_args("admin", "缺少 --password"))?;
    if password.chars().count() < password::MIN_LEN {
        return Err(format!("密码至少 {} 位", password::MIN_LEN));
    }
    let settings = Settings::load()?;
    let db = Db::open_configured(&settings)?;
    let hash = password::hash(&password).map_err(|e| e.to_string())?;
    let id = db
        .tx_blocking(|tx| admin::ensure_admin(tx, username.trim(), &hash, company.as_deref()))
        .map_err(|e| e.msg.into_owned())?;
    println!("{id}");
    Ok(())
}

/// `leida promote design OPENID LEVEL` / `leida promote repair ID ROLE`.
pub fn promote(args: &[String]) -> Result<(), String> {
    let [app, who, role] = args else {
        return Err(wrong_args("promote", ""));
    };
    let settings = Settings::load()?;
    let db = Db::open(&settings.db_path)?;
    let done = db
        .tx_blocking(|tx| ops::promote::promote(tx, app, who, role))
        .map_err(|e| e.msg.into_owned())?;
    println!("{done}");
    Ok(())
}

/// `leida backup FILE`: safe while the server runs.
pub fn backup(args: &[String]) -> Result<(), String> {
    let [file] = args else {
        return Err(wrong_args("backup", ""));
    };
    let settings = Settings::load()?;
    let copied = ops::backup::backup(&settings.db_path, Path::new(file))?;
    println!(
        "已备份 {} → {} ({} 字节, 数据库版本 {})",
        settings.db_path.display(),
        file,
        copied.bytes,
        copied.version
    );
    println!("上传的文件在 {} 下, 另行打包:", settings.data_dir.display());
    println!("  {}", files_backup_command(&settings));
    println!("{}", key_reminder(&settings));
    Ok(())
}

/// The backup's secrets are sealed: without the key they are lost, so say where it is.
fn key_reminder(settings: &Settings) -> String {
    if settings.encryption_key.is_empty() {
        format!(
            "备份中的 secret 已加密, 密钥是 {} (不在备份中): 另行妥善保存, 恢复时需要它",
            key_path(&settings.db_path).display()
        )
    } else {
        "备份中的 secret 已加密, 密钥是配置项 encryption_key (不在备份中): 恢复时需要它".into()
    }
}

/// The documented one-liner that archives `data_dir` without the (live) database files.
pub fn files_backup_command(settings: &Settings) -> String {
    let db_name = settings
        .db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "leida.db".into());
    format!(
        "tar -czf leida-files.tar.gz --exclude='./{db_name}*' -C {} .",
        settings.data_dir.display()
    )
}

/// `leida restore FILE`: refused while a server holds the database.
pub fn restore(args: &[String]) -> Result<(), String> {
    let [file] = args else {
        return Err(wrong_args("restore", ""));
    };
    let settings = Settings::load()?;
    let key = Secrets::load_existing(&settings.db_path, &settings.encryption_key)?;
    let copied = ops::backup::restore(&settings.db_path, Path::new(file), key.as_ref())?;
    println!(
        "已恢复 {} → {} ({} 字节, 数据库版本 {})",
        file,
        settings.db_path.display(),
        copied.bytes,
        copied.version
    );
    if let Some(previous) = copied.previous {
        println!("原数据库保存为 {}", previous.display());
    }
    if copied.version < schema::VERSION {
        println!(
            "备份的版本较旧, 下次启动时自动升级到版本 {}",
            schema::VERSION
        );
    }
    Ok(())
}

/// `leida check-credentials [--company ID]`: fails when any credential is wrong.
pub fn check_credentials(args: &[String]) -> Result<(), String> {
    let company = match args {
        [] => None,
        [flag, id] if flag == "--company" => Some(
            id.parse::<i64>()
                .map_err(|_| format!("--company 须是公司 id (数字), 而不是 {id:?}"))?,
        ),
        _ => return Err(wrong_args("check-credentials", "")),
    };
    let settings = Settings::load()?;
    let db = Db::open_configured(&settings)?;
    let wechat = WeChat::new(&settings);
    let checks = ops::credentials::check(&settings, &db, &wechat, company)
        .map_err(|e| e.msg.into_owned())?;
    for check in &checks {
        println!("{check}");
    }
    if checks.iter().all(|c| c.ok) {
        Ok(())
    } else {
        Err("有凭据未通过检查, 见上".into())
    }
}
