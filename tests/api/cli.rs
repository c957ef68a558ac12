//! The `leida` command line: its version, its help, and how it refuses a wrong command.

use std::process::{Command, Output};

fn leida(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_leida"))
        .args(args)
        .env("ROCKET_DB_PATH", dir.path().join("leida.db"))
        .env("ROCKET_DATA_DIR", dir.path().join("files"))
        .output()
        .expect("run leida")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn version_names_the_package_version_and_the_commit() {
    for flag in ["--version", "-V"] {
        let out = leida(&[flag]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let want = format!("leida {} (commit ", env!("CARGO_PKG_VERSION"));
        assert!(text.starts_with(&want), "{text:?}");
        let commit = text
            .trim_end()
            .trim_end_matches(')')
            .rsplit(' ')
            .next()
            .unwrap();
        assert!(
            commit == "unknown" || commit.chars().all(|c| c.is_ascii_hexdigit()),
            "{text:?}"
        );
    }
}

#[test]
fn help_lists_every_command_and_each_command_has_its_own() {
    let out = leida(&["help"]);
    assert!(out.status.success());
    let all = stdout(&out);
    for command in [
        "serve",
        "demo",
        "admin",
        "promote",
        "backup",
        "restore",
        "check-credentials",
    ] {
        assert!(
            all.contains(&format!("leida {command}")),
            "{command} in {all}"
        );
        let out = leida(&[command, "--help"]);
        assert!(out.status.success(), "{command} --help");
        let own = stdout(&out);
        assert!(own.starts_with(&format!("用法: leida {command}")), "{own}");
        assert_eq!(stdout(&leida(&["help", command])), own);
    }
    assert_eq!(stdout(&leida(&["--help"])), all);
}

#[test]
fn a_wrong_command_or_argument_fails_with_a_line_that_ends() {
    for args in [
        &["frobnicate"][..],
        &["help", "frobnicate"],
        &["backup"],
        &["admin", "--nope", "x"],
        &["check-credentials", "--company", "x"],
    ] {
        let out = leida(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = stderr(&out);
        assert!(err.starts_with("leida: "), "{args:?}: {err:?}");
        assert!(
            err.ends_with('\n') && !err.ends_with("\n\n"),
            "{args:?}: {err:?}"
        );
    }
    let err = stderr(&leida(&["backup"]));
    assert!(err.contains("用法: leida backup FILE"), "{err}");
}
