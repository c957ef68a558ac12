//! The `leida` command: serve (default), `demo`, `admin`, `backup`, `restore`,
//! `check-credentials`. See `leida help`.

use std::process::ExitCode;

#[rocket::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        None | Some("serve") => leida::cli::serve(false).await,
        Some("demo") | Some("--demo") => leida::cli::serve(true).await,
        Some("admin") => leida::cli::admin(&args[1..]),
        Some("backup") => leida::cli::backup(&args[1..]),
        Some("restore") => leida::cli::restore(&args[1..]),
        Some("check-credentials") => leida::cli::check_credentials(&args[1..]),
        Some("help") | Some("--help") | Some("-h") => {
            println!("{}", leida::cli::USAGE);
            Ok(())
        }
        Some(other) => Err(format!("未知命令 {other:?}\n\n{}", leida::cli::USAGE)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("leida: {msg}");
            ExitCode::FAILURE
        }
    }
}
