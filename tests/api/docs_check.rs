//! The docs check: README.md, SECURITY.md and docs/*.md stay true to the code. It fails when
//! a route, a configuration key, a `leida` command, a test filter or a file that they name no
//! longer exists, when a relative link or a code block is broken, and when the README's test
//! command is not the one `.ci/run` runs.
//!
//! Routes are read from code spans and `curl` commands. A table of relative paths says where
//! they live with a comment just above it: `<!-- docs-check: routes under /small/ in column 1 -->`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::TestApp;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Where documented routes start; any other path (`/etc/...`, `/srv/...`) is not a route.
const PREFIXES: &[&str] = &[
    "/zhugeleida/",
    "/small/",
    "/api/",
    "/auth/",
    "/mp/",
    "/console",
    "/statics",
    "/healthz",
    "/metrics",
    "/openapi.json",
    "/docs",
];

/// Rocket's own configuration keys: it reads them, `Settings` does not.
const ROCKET_KEYS: &[&str] = &[
    "port",
    "address",
    "log_level",
    "limits",
    "ip_header",
    "keep_alive",
    "workers",
    "max_blocking",
    "ident",
    "temp_dir",
    "secret_key",
    "tls",
    "cli_colors",
    "shutdown",
];

/// Rocket's environment variables that are not configuration keys.
const ROCKET_ENV: &[&str] = &["ROCKET_CONFIG", "ROCKET_PROFILE"];

/// Links that are allowed not to resolve in this checkout.
const LINKS_ELSEWHERE: &[&str] = &[
    // Written on the security branch; the README links to it ahead of the merge.
    "SECURITY.md",
];

/// Beginnings of paths in the repository that the docs name (scripts, sources, pages).
const REPO_DIRS: &[&str] = &[
    "src/",
    "tests/",
    "bench/",
    "examples/",
    "migrations/",
    "assets/",
    "docs/",
    ".ci/",
];

struct Doc {
    name: String,
    lines: Vec<String>,
}

/// A code span: where it is, its text, and the prefix its table column gives relative paths.
struct Span {
    at: String,
    text: String,
    under: Option<String>,
    key_table: bool,
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn docs() -> Vec<Doc> {
    let mut names = vec!["README.md".to_string()];
    if Path::new(ROOT).join("SECURITY.md").exists() {
        names.push("SECURITY.md".into());
    }
    let mut pages: Vec<String> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    pages.sort();
    names.extend(pages);
    let docs = names.into_iter().map(|name| Doc {
        lines: read(&name).lines().map(str::to_string).collect(),
        name,
    });
    docs.collect()
}

/// Whether line `i` of `doc` is inside a fenced code block (fence lines count as inside).
fn fenced(doc: &Doc) -> Vec<bool> {
    let mut inside = false;
    doc.lines
        .iter()
        .map(|l| {
            if l.trim_start().starts_with("```") {
                inside = !inside;
                return true;
            }
            inside
        })
        .collect()
}

/// The inline code spans of a piece of text (a paragraph or a table cell).
fn code_spans(text: &str) -> Vec<String> {
    let parts: Vec<&str> = text.split('`').collect();
    let pairs = (parts.len() - 1) / 2;
    parts
        .iter()
        .skip(1)
        .step_by(2)
        .take(pairs)
        .map(|s| s.replace('\n', " ").trim().to_string())
        .collect()
}

/// Table cells, split on `|` outside code spans.
fn cells(row: &str) -> Vec<String> {
    let (mut out, mut cell, mut code) = (Vec::new(), String::new(), false);
    for c in row.trim().trim_start_matches('|').chars() {
        match c {
            '`' => {
                code = !code;
                cell.push(c);
            }
            '|' if !code => out.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    out
}

/// Every code span outside fenced blocks, with the column rules of `docs-check` comments.
fn spans(doc: &Doc) -> Vec<Span> {
    let fence = fenced(doc);
    let (mut out, mut para, mut rule, mut table) = (Vec::new(), String::new(), None, None);
    let (mut key_table, mut para_at) = (false, String::new());
    for (i, line) in doc.lines.iter().enumerate() {
        let at = format!("{}:{}", doc.name, i + 1);
        let row = !fence[i] && line.trim_start().starts_with('|');
        if !row {
            table = None;
        }
        if fence[i] || row || line.trim().is_empty() {
            out.extend(code_spans(&para).into_iter().map(|text| Span {
                at: para_at.clone(),
                text,
                under: None,
                key_table: false,
            }));
            para.clear();
        }
        if let Some(r) = line.trim().strip_prefix("<!-- docs-check: routes under ") {
            let (prefix, column) = r
                .trim_end_matches("-->")
                .trim()
                .split_once(" in column ")
                .expect("rule");
            rule = Some((prefix.to_string(), column.parse::<usize>().expect("column")));
        } else if row {
            let cells = cells(line);
            if table.is_none() {
                key_table = cells.first().is_some_and(|c| c.trim() == "key");
                table = Some(rule.take());
            }
            for (n, cell) in cells.iter().enumerate() {
                let under = match table.as_ref().and_then(|t| t.as_ref()) {
                    Some((prefix, column)) if *column == n + 1 => Some(prefix.clone()),
                    _ => None,
                };
                let key = key_table && n == 0;
                out.extend(code_spans(cell).into_iter().map(|text| Span {
                    at: at.clone(),
                    text,
                    under: under.clone(),
                    key_table: key,
                }));
            }
        } else if !fence[i] {
            if para.is_empty() {
                para_at = at;
            }
            para.push_str(line);
            para.push('\n');
        }
    }
    out.extend(code_spans(&para).into_iter().map(|text| Span {
        at: para_at.clone(),
        text,
        under: None,
        key_table: false,
    }));
    out
}

/// `curl` commands in fenced blocks (continuation lines joined), with where they start.
fn curl_commands(doc: &Doc) -> Vec<(String, String)> {
    let fence = fenced(doc);
    let (mut out, mut open): (Vec<(String, String)>, Option<(String, String)>) = (Vec::new(), None);
    for (i, line) in doc.lines.iter().enumerate() {
        if !fence[i] || line.trim_start().starts_with('#') {
            continue;
        }
        let (at, mut command) = match open.take() {
            Some(started) => started,
            None if line
                .split_whitespace()
                .any(|t| t == "curl" || t.ends_with("(curl")) =>
            {
                (format!("{}:{}", doc.name, i + 1), String::new())
            }
            None => continue,
        };
        command.push_str(line.trim_end().trim_end_matches('\\'));
        command.push(' ');
        if line.trim_end().ends_with('\\') {
            open = Some((at, command));
        } else {
            out.push((at, command));
        }
    }
    out
}

/// A documented path, cleaned of its host, quotes and trailing punctuation, if it is a route.
fn documented_path(token: &str) -> Option<String> {
    let mut t = token
        .trim_start_matches(['"', '\'', '(', '[', '`'])
        .trim_end_matches(['"', '\'', ')', ',', ';', ':', '.', ']', '`']);
    for scheme in ["http://", "https://"] {
        if let Some(rest) = t.strip_prefix(scheme) {
            t = &rest[rest.find('/')?..];
        }
    }
    if t.starts_with('$') || t.starts_with('{') || t.starts_with('…') {
        t = &t[t.find('/')?..];
    }
    let boundary = |p: &str| {
        p.ends_with('/') || matches!(t[p.len()..].chars().next(), None | Some('/' | '?' | '#'))
    };
    PREFIXES
        .iter()
        .any(|p| t.starts_with(p) && boundary(p))
        .then(|| t.to_string())
}

#[derive(Clone, Debug)]
enum Seg {
    Lit(String),
    Any,
}

/// The concrete shapes of a documented path: segments, and whether deeper paths count too.
fn shapes(path: &str) -> Vec<(Vec<Seg>, bool)> {
    let path = path.split(['?', '[', '#']).next().unwrap_or("");
    let mut deeper = path.ends_with('/');
    let mut shapes: Vec<Vec<Seg>> = vec![Vec::new()];
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (n, seg) in segs.iter().enumerate() {
        let choices: Vec<Seg> = if (*seg == "..." || seg.contains('…')) && n + 1 == segs.len() {
            deeper = true;
            continue;
        } else if seg.starts_with('{') && seg.ends_with('}') && seg.contains([',', '|']) {
            seg[1..seg.len() - 1]
                .split([',', '|'])
                .map(|s| Seg::Lit(s.to_string()))
                .collect()
        } else if *seg == "..." || seg.contains(['<', '{', '$', '…', '*']) {
            vec![Seg::Any]
        } else {
            vec![Seg::Lit(seg.to_string())]
        };
        shapes = shapes
            .iter()
            .flat_map(|s| {
                choices
                    .iter()
                    .map(move |c| [s.clone(), vec![c.clone()]].concat())
            })
            .collect();
    }
    shapes.into_iter().map(|s| (s, deeper)).collect()
}

/// Whether Rocket's route path (`/api/<kind>/login`, `/statics/<path..>`) serves the shape.
fn serves(route: &str, doc: &[Seg], deeper: bool) -> bool {
    let route: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    for (i, seg) in route.iter().enumerate() {
        if seg.starts_with('<') && seg.ends_with("..>") {
            return true;
        }
        match doc.get(i) {
            None => return deeper,
            Some(Seg::Any) => {}
            Some(Seg::Lit(lit)) if seg.starts_with('<') || seg == lit => {}
            Some(Seg::Lit(_)) => return false,
        }
    }
    route.len() == doc.len()
}

const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"];

/// The routes a span names: (methods written before it, path).
fn span_routes(span: &Span) -> Vec<(Vec<String>, String)> {
    let tokens: Vec<&str> = span.text.split_whitespace().collect();
    let methods: Vec<String> = match tokens.first() {
        Some(t) if t.split(['|', '/']).all(|m| METHODS.contains(&m)) => {
            t.split(['|', '/']).map(str::to_string).collect()
        }
        _ => Vec::new(),
    };
    if let (Some(prefix), [only]) = (&span.under, tokens.as_slice()) {
        if only.starts_with(|c: char| c.is_ascii_alphabetic()) {
            return vec![(methods, format!("{prefix}{only}"))];
        }
    }
    tokens
        .iter()
        .filter_map(|t| documented_path(t))
        .map(|p| (methods.clone(), p))
        .collect()
}

/// The method a curl command uses, from its flags.
fn curl_method(command: &str) -> String {
    let tokens: Vec<&str> = command.split_whitespace().collect();
    if let Some(i) = tokens.iter().position(|t| *t == "-X" || *t == "--request") {
        return tokens.get(i + 1).unwrap_or(&"GET").to_string();
    }
    let posts = tokens
        .iter()
        .any(|t| ["-d", "-F", "--form"].contains(t) || t.starts_with("--data"));
    if posts { "POST" } else { "GET" }.to_string()
}

#[test]
fn every_documented_route_is_served() {
    let app = TestApp::new();
    let routes: Vec<(String, String)> = app
        .client
        .rocket()
        .routes()
        .map(|r| (r.method.as_str().to_string(), r.uri.path().to_string()))
        .collect();
    let mut missing = Vec::new();
    let mut check = |at: &str, methods: &[String], path: &str| {
        let wanted: Vec<Option<&String>> = match methods {
            [] => vec![None],
            _ => methods.iter().map(Some).collect(),
        };
        let served = shapes(path).iter().all(|(shape, deeper)| {
            wanted.iter().all(|want| {
                routes
                    .iter()
                    .any(|(m, r)| want.is_none_or(|w| w == m) && serves(r, shape, *deeper))
            })
        });
        if !served {
            missing.push(format!("{at}: {} {path}", methods.join("|")));
        }
    };
    let mut seen = 0;
    for doc in docs() {
        for span in spans(&doc) {
            for (methods, path) in span_routes(&span) {
                check(&span.at, &methods, &path);
                seen += 1;
            }
        }
        for (at, command) in curl_commands(&doc) {
            if let Some(path) = command.split_whitespace().find_map(documented_path) {
                check(&at, &[curl_method(&command)], &path);
                seen += 1;
            }
        }
    }
    assert!(
        seen > 300,
        "the docs check found only {seen} routes: is it still reading the docs?"
    );
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
    texts.extend(
        doc.lines
            .iter()
            .enumerate()
            .filter(|(i, l)| fence[*i] && !l.trim_start().starts_with('#'))
            .map(|(i, l)| (format!("{}:{}", doc.name, i + 1), l.clone())),
    );
    let binary = |t: &str| {
        t == "leida"
            || ["bin/leida", "release/leida", "debug/leida"]
                .iter()
                .any(|b| t.ends_with(b))
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
            // `sudo -u leida ...` and `chown leida:` name the user, not the binary.
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
    let toml = read("Rocket.toml");
    known.extend(
        toml.lines()
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, _)| k.trim().to_string()),
    );
    known.extend(ROCKET_KEYS.iter().map(|k| k.to_string()));

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
            for var in line.split("ROCKET_").skip(1).map(|rest| {
                rest.split(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
                    .next()
                    .unwrap_or("")
            }) {
                let (name, key) = (format!("ROCKET_{var}"), var.to_ascii_lowercase());
                if !var.is_empty() && !ROCKET_ENV.contains(&name.as_str()) && !known.contains(&key)
                {
                    unknown.push(format!("{}:{}: {name}", doc.name, i + 1));
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

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(doc: &Doc) -> BTreeSet<String> {
    let fence = fenced(doc);
    doc.lines
        .iter()
        .enumerate()
        .filter(|(i, l)| !fence[*i] && l.starts_with('#'))
        .map(|(_, l)| anchor(l.trim_start_matches('#')))
        .collect()
}

/// The targets of `[text](target)` links and `src="target"` images, outside code.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [("](", ')'), ("src=\"", '"')] {
        for rest in line.split(open).skip(1) {
            out.extend(rest.split(close).next().map(str::to_string));
        }
    }
    out
}

#[test]
fn links_files_test_filters_and_code_blocks_are_sound() {
    let docs = docs();
    let test_files: Vec<String> = walk(&Path::new(ROOT).join("tests/api"));
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
            if fence[i] || line.contains('`') && line.split('`').count() > 2 && !line.contains("](")
            {
                continue;
            }
            for target in link_targets(line)
                .into_iter()
                .filter(|t| !t.contains("://") && !t.starts_with("mailto:"))
            {
                let (file, fragment) = target.split_once('#').unwrap_or((&target, ""));
                let base = Path::new(&doc.name).parent().unwrap_or(Path::new(""));
                let rel = if file.is_empty() {
                    doc.name.clone()
                } else {
                    normalise(&base.join(file))
                };
                if LINKS_ELSEWHERE.contains(&rel.as_str()) {
                    continue;
                }
                match docs.iter().find(|d| d.name == rel) {
                    Some(d) if !fragment.is_empty() && !anchors(d).contains(fragment) => {
                        broken.push(format!("{at}: no heading for #{fragment} in {rel}"))
                    }
                    None if !Path::new(ROOT).join(&rel).exists() => {
                        broken.push(format!("{at}: {target} does not exist"))
                    }
                    _ => {}
                }
            }
        }
        if open {
            broken.push(format!(
                "{}: the code block opened on line {opened_at} is never closed",
                doc.name
            ));
        }
        for span in spans(doc) {
            let tokens: Vec<&str> = span.text.split_whitespace().collect();
            for token in &tokens {
                let path = token.trim_end_matches([',', ';', ':', '.', ')']);
                let placeholder = path.contains(['*', '<', '{', '…', '$']) || path.contains("00N");
                if REPO_DIRS.iter().any(|d| path.starts_with(d))
                    && !placeholder
                    && !Path::new(ROOT).join(path).exists()
                {
                    broken.push(format!("{}: {path} does not exist", span.at));
                }
            }
            if let Some(i) = tokens.windows(2).position(|w| w == ["--test", "api"]) {
                let filter = tokens.get(i + 2).filter(|f| !f.starts_with('-'));
                if let Some(filter) = filter.filter(|f| !test_files.iter().any(|t| t.contains(*f)))
                {
                    broken.push(format!(
                        "{}: `cargo test --test api {filter}` runs no test",
                        span.at
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

/// `a/b/../c` as `a/c`, with `/` separators.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// The paths of every file under `dir`, relative to it (test modules are named by them).
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("test dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.to_string_lossy().into_owned());
        }
    }
    out
}

#[test]
fn the_readme_test_command_is_what_ci_runs() {
    let readme = docs().into_iter().next().expect("README.md");
    let fence = fenced(&readme);
    let block: Vec<&String> = readme
        .lines
        .iter()
        .enumerate()
        .skip_while(|(i, l)| !(fence[*i] && l.starts_with("cargo run")))
        .take_while(|(i, _)| fence[*i])
        .map(|(_, l)| l)
        .collect();
    let command = |prefix: &str| {
        block
            .iter()
            .find(|l| l.starts_with(prefix))
            .map(|l| l.split(" #").next().unwrap_or("").trim().to_string())
    };
    let (run, test) = (command("cargo run"), command("cargo test"));
    assert_eq!(
        run.as_deref(),
        Some("cargo run --release"),
        "the README's run command, in its first code block with cargo run"
    );
    let test =
        test.expect("the README's first code block with `cargo run` also names `cargo test`");
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == test),
        ".ci/run does not run the README's test command `{test}`:\n{ci}"
    );
}
