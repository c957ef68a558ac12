//! The `leida` command: serve (default), `demo`, `admin`, `promote`, `backup`, `restore`,
//! `check-credentials`, `export`, `purge`, `help`, `--version`. See `leida help`.

use std::process::ExitCode;

fn main() -> ExitCode {
    limit_malloc_arenas();
    raise_open_files_limit();
    rocket::execute(run())
}

async fn run() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str);
    let rest = args.get(1..).unwrap_or_default();
    if rest.iter().any(|a| a == "--help" || a == "-h") {
        return print_help(command);
    }
    let result = match command {
        None | Some("serve") => leida::cli::serve(false).await,
        Some("demo") | Some("--demo") => leida::cli::serve(true).await,
        Some("admin") => leida::cli::admin(rest),
        Some("promote") => leida::cli::promote(rest),
        Some("backup") => leida::cli::backup(rest),
        Some("restore") => leida::cli::restore(rest),
        Some("check-credentials") => leida::cli::check_credentials(rest),
        Some("export") => leida::cli::firm::export(rest),
        Some("purge") => leida::cli::firm::purge(rest),
        Some("help") | Some("--help") | Some("-h") => {
            return print_help(rest.first().map(String::as_str));
        }
        Some("--version") | Some("-V") | Some("version") => {
            println!("{}", leida::cli::version());
            Ok(())
        }
        Some(other) => Err(format!("未知命令 {other:?}; 可用的命令见 leida help")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("leida: {}", msg.trim_end());
            ExitCode::FAILURE
        }
    }
}

/// `leida help [COMMAND]`, `leida COMMAND --help`.
fn print_help(command: Option<&str>) -> ExitCode {
    match command.and_then(leida::cli::help) {
        Some(text) => println!("{text}"),
        None if command.is_none_or(|c| c == "help" || c.starts_with('-')) => {
            print!("{}", leida::cli::usage())
        }
        None => {
            eprintln!(
                "leida: 未知命令 {:?}; 可用的命令见 leida help",
                command.unwrap_or("")
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// glibc gives every thread that finds the heap busy an arena of its own, up to eight per
/// core, and each arena keeps the memory it once held. Under load the server runs ~40
/// threads (Rocket's workers and the blocking pool around SQLite), and a 10-minute soak at
/// 64 connections grew from 52 to 121 MB, still climbing. With one arena per core the same
/// load stays flat once the caches are full, for perhaps up to 10 % of throughput
/// (docs/benchmarks.md, Memory and malloc arenas). `MALLOC_ARENA_MAX` in the environment
/// still wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let arenas = libc::c_int::try_from(cores).unwrap_or(2);
    // SAFETY: mallopt only retunes the allocator; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, arenas);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn limit_malloc_arenas() {}

/// Every client connection holds a file descriptor, and Rocket 0.5 neither times out a
/// client that never finishes its headers nor caps connections (its listener is private).
/// Under the usual soft limit of 1024, a thousand half-sent requests left no descriptor to
/// accept `/healthz` with. The soft limit is raised to the hard one (often 524288 under
/// systemd); the timeouts and the connection cap belong to the proxy in front (README).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn raise_open_files_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: both calls only read or write the struct passed, before any other thread exists.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn raise_open_files_limit() {}
