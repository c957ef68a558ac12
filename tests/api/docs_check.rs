//! The docs check: README.md, SECURITY.md and docs/*.md stay true to the code. It fails when
//! a route, a configuration key, a `leida` command, a file or a test filter that they name no
//! longer exists, when a relative link or a code block is broken, and when the README's test
//! command is not the one `.ci/run` runs.
//!
//! Routes are read from code spans and `curl` commands. A table of relative paths says where
//! they live with a comment just above it: `<!-- docs-check: routes under /small/ in column 1 -->`.

mod markdown;
mod routes;

use std::collections::BTreeSet;
use std::path::Path;

use markdown::{broken_link, curl_commands, docs, fenced, link_targets, read, spans, Doc, ROOT};
use routes::{curl_method, documented_path, serves, shapes, span_routes};

use crate::common::TestApp;

/// Rocket's own configuration keys: it reads them, `Settings` does not.
const ROCKET_KEYS: &str = "port address log_level limits ip_header keep_alive workers \
    max_blocking ident temp_dir secret_key tls cli_colors shutdown";

/// Rocket's environment variables that are not configuration keys.
const ROCKET_ENV: &[&str] = &["ROCKET_CONFIG", "ROCKET_PROFILE"];

/// Beginnings of paths in the repository that the docs name (scripts, sources, pages).
const REPO_DIRS: &str = "src/ tests/ bench/ examples/ migrations/ assets/ docs/ .ci/";

#[test]
fn every_documented_route_is_served() {
    let app = TestApp::new();
    let routes: Vec<(String, String)> = app
        .client
        .rocket()
        .routes()
        .map(|r| (r.method.as_str().to_string(), r.uri.path().to_string()))
        .collect();
    // Each method written with the path (none written: any method) serves every shape of it.
    let served = |methods: &[String], path: &str| {
        let wanted: Vec<Option<&String>> = match methods {
            [] => vec![None],
            _ => methods.iter().map(Some).collect(),
        };
        shapes(path).iter().all(|(shape, deeper)| {
            wanted.iter().all(|want| {
                let method = |m: &String| want.is_none_or(|w| w == m);
                routes
                    .iter()
                    .any(|(m, r)| method(m) && serves(r, shape, *deeper))
            })
        })
    };
    let mut documented = Vec::new();
    for doc in docs() {
        for span in spans(&doc) {
            documented.extend(
                span_routes(&span)
                    .into_iter()
                    .map(|(m, p)| (span.at.clone(), m, p)),
            );
        }
        for (at, command) in curl_commands(&doc) {
            if let Some(path) = command.split_whitespace().find_map(documented_path) {
                documented.push((at, vec![curl_method(&command)], path));
            }
        }
    }
    assert!(
        documented.len() > 200,
        "only {} routes found: are the docs still read?",
        documented.len()
    );
    let missing: Vec<String> = documented
        .iter()
        .filter(|(_, methods, path)| !served(methods, path))
        .map(|(at, methods, path)| format!("{at}: {} {path}", methods.join("|")))
        .collect();
    assert!(
        missing.is_empty(),
        "documented but not served by leida::build:\n{}",
        missing.join("\n")
    );
}

/// Words that follow `leida` (or `cargo run ... --`) in code: the subcommands the docs name.
fn documented_commands(doc: &Doc) -> Vec<(String, String)> {
    let fence = fenced(doc);
    let mut texts: Vec<(String, String)> = spans(doc).into_iter().map(|s| (s.at, s.text)).collect();
    for (i, line) in doc.lines.iter().enumerate() {
        if fence[i] && !line.trim_start().starts_with('#') {
            texts.push((format!("{}:{}", doc.name, i + 1), line.clone()));
        }
    }
    let binary = |t: &str| {
        t == "leida"
            || ["bin/", "release/", "debug/"]
                .iter()
                .any(|d| t.ends_with(&format!("{d}leida")))
    };
    let word = |t: &str| {
        t.starts_with(|c: char| c.is_ascii_lowercase())
            && t.chars().all(|c| c.is_ascii_lowercase() || c == '-')
    };
    let mut out = Vec::new();
    for (at, text) in texts {
        let tokens: Vec<&str> = text
            .split_whitespace()
            .map(|t| t.trim_matches(['`', '\'', '"']))
            .collect();
        for (i, pair) in tokens.windows(2).enumerate() {
            let cargo_run =
                pair[0] == "--" && tokens[..i].windows(2).any(|w| w == ["cargo", "run"]);
            // `sudo -u leida ...` names the user, not the binary.
            let user = i > 0 && tokens[i - 1] == "-u";
            if (binary(pair[0]) && !user || cargo_run) && word(pair[1]) {
                out.push((at.clone(), pair[1].to_string()));
            }
        }
    }
    out
}

#[test]
fn every_documented_leida_command_exists() {
    let main = read("src/main.rs");
    let accepted: BTreeSet<&str> = main
        .split("Some(\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(
        accepted.contains("admin"),
        "src/main.rs no longer matches on Some(\"...\"): {accepted:?}"
    );
    let unknown: Vec<String> = docs()
        .iter()
        .flat_map(documented_commands)
        .filter(|(_, command)| !accepted.contains(command.as_str()))
        .map(|(at, command)| format!("{at}: leida {command}"))
        .collect();
    assert!(
        unknown.is_empty(),
        "documented but not accepted by src/main.rs:\n{}",
        unknown.join("\n")
    );
}

/// The `ROCKET_<KEY>` variables a line names.
fn rocket_vars(line: &str) -> Vec<String> {
    let name = |rest: &str| {
        rest.split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .next()
            .unwrap_or("")
            .to_string()
    };
    line.split("ROCKET_")
        .skip(1)
        .map(name)
        .filter(|v| !v.is_empty())
        .map(|v| format!("ROCKET_{v}"))
        .collect()
}

#[test]
fn every_documented_configuration_key_exists() {
    let config = read("src/config.rs");
    let settings = &config[config.find("pub struct Settings {").expect("Settings")..];
    let settings = &settings[..settings.find("\n}").expect("end of Settings")];
    let mut known: BTreeSet<String> = settings
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub ")?.split(':').next())
        .map(str::to_string)
        .collect();
    assert!(
        known.contains("db_path"),
        "Settings no longer parses: {known:?}"
    );
    known.extend(
        read("Rocket.toml")
            .lines()
            .filter_map(|l| Some(l.split_once(" = ")?.0.trim().to_string())),
    );
    known.extend(ROCKET_KEYS.split_whitespace().map(str::to_string));

    let mut unknown = Vec::new();
    for doc in docs() {
        for span in spans(&doc).into_iter().filter(|s| s.key_table) {
            for key in span
                .text
                .split(',')
                .map(str::trim)
                .filter(|k| !known.contains(*k))
            {
                unknown.push(format!("{}: `{key}` in a configuration table", span.at));
            }
        }
        for (i, line) in doc.lines.iter().enumerate() {
            for var in rocket_vars(line) {
                if !ROCKET_ENV.contains(&var.as_str())
                    && !known.contains(&var["ROCKET_".len()..].to_ascii_lowercase())
                {
                    unknown.push(format!("{}:{}: {var}", doc.name, i + 1));
                }
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "documented but neither in Settings, Rocket.toml nor Rocket's own keys:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn links_and_code_blocks_are_sound() {
    let docs = docs();
    let mut broken = Vec::new();
    for doc in &docs {
        let fence = fenced(doc);
        let (mut open, mut opened_at) = (false, 0);
        for (i, line) in doc.lines.iter().enumerate() {
            let at = format!("{}:{}", doc.name, i + 1);
            if let Some(info) = line.trim_start().strip_prefix("```") {
                if open && !info.trim().is_empty() {
                    broken.push(format!(
                        "{at}: a code block opens inside the one opened on line {opened_at}"
                    ));
                }
                (open, opened_at) = (!open, i + 1);
            }
            let external = |t: &String| t.contains("://") || t.starts_with("mailto:");
            for target in link_targets(line)
                .into_iter()
                .filter(|t| !fence[i] && !external(t))
            {
                broken.extend(broken_link(&docs, doc, &target).map(|why| format!("{at}: {why}")));
            }
        }
        if open {
            broken.push(format!(
                "{}: the code block opened on line {opened_at} is never closed",
                doc.name
            ));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn every_named_file_and_test_filter_exists() {
    let tests = Path::new(ROOT).join("tests/api");
    let mut test_files = Vec::new();
    let mut dirs = vec![tests.clone()];
    while let Some(dir) = dirs.pop() {
        for path in std::fs::read_dir(&dir)
            .expect("tests/api")
            .flatten()
            .map(|e| e.path())
        {
            test_files.push(
                path.strip_prefix(&tests)
                    .expect("under tests/api")
                    .to_string_lossy()
                    .into_owned(),
            );
            if path.is_dir() {
                dirs.push(path);
            }
        }
    }
    let mut missing = Vec::new();
    for span in docs().iter().flat_map(spans) {
        let tokens: Vec<&str> = span.text.split_whitespace().collect();
        for path in tokens
            .iter()
            .map(|t| t.trim_end_matches([',', ';', ':', '.', ')']))
        {
            let placeholder = path.contains(['*', '<', '{', '…', '$']) || path.contains("00N");
            let in_repo = REPO_DIRS.split_whitespace().any(|d| path.starts_with(d));
            if in_repo && !placeholder && !Path::new(ROOT).join(path).exists() {
                missing.push(format!("{}: {path} does not exist", span.at));
            }
        }
        // `cargo test --test api NAME` runs the tests whose module path contains NAME.
        if let Some(i) = tokens.windows(2).position(|w| w == ["--test", "api"]) {
            if let Some(filter) = tokens
                .get(i + 2)
                .filter(|f| !f.starts_with('-') && !test_files.iter().any(|t| t.contains(**f)))
            {
                missing.push(format!(
                    "{}: `cargo test --test api {filter}` runs no test",
                    span.at
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_readme_test_command_is_what_ci_runs() {
    let readme = docs().into_iter().next().expect("README.md");
    let fence = fenced(&readme);
    // The first code block that shows `cargo run` holds the two commands.
    let block: Vec<&String> = readme
        .lines
        .iter()
        .enumerate()
        .skip_while(|(i, l)| !(fence[*i] && l.starts_with("cargo run")))
        .take_while(|(i, _)| fence[*i])
        .map(|(_, l)| l)
        .collect();
    let command = |prefix: &str| {
        let line = block.iter().find(|l| l.starts_with(prefix))?;
        Some(line.split(" #").next().unwrap_or("").trim().to_string())
    };
    assert_eq!(
        command("cargo run").as_deref(),
        Some("cargo run --release"),
        "the README's run command"
    );
    let test = command("cargo test")
        .expect("the README's first code block with `cargo run` names `cargo test` too");
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == test),
        ".ci/run does not run the README's test command `{test}`:\n{ci}"
    );
}
