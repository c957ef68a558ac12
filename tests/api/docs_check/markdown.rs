//! Reading the docs: fenced blocks, code spans (with the table column they sit in), `curl`
//! commands, links and headings. Only as much Markdown as these pages use.

use std::collections::BTreeSet;
use std::path::{Component, Path};

pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

pub struct Doc {
    pub name: String,
    pub lines: Vec<String>,
}

/// A code span: where it is, its text, and the prefix its table column gives relative paths.
pub struct Span {
    pub at: String,
    pub text: String,
    pub under: Option<String>,
    pub key_table: bool,
}

pub fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

pub fn docs() -> Vec<Doc> {
    let mut names = vec!["README.md".to_string(), "SECURITY.md".to_string()];
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
pub fn fenced(doc: &Doc) -> Vec<bool> {
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
pub fn spans(doc: &Doc) -> Vec<Span> {
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
pub fn curl_commands(doc: &Doc) -> Vec<(String, String)> {
    let fence = fenced(doc);
    let mut out: Vec<(String, String)> = Vec::new();
    let mut open: Option<(String, String)> = None;
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
pub fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (open, close) in [("](", ')'), ("src=\"", '"')] {
        for rest in line.split(open).skip(1) {
            out.extend(rest.split(close).next().map(str::to_string));
        }
    }
    out
}

/// `a/b/../c` as `a/c`, with `/` separators.
fn normalise(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            Component::ParentDir => drop(parts.pop()),
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

/// What is wrong with a link from `doc` to `target`, if anything.
pub fn broken_link(docs: &[Doc], doc: &Doc, target: &str) -> Option<String> {
    let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
    let rel = match file {
        "" => doc.name.clone(),
        _ => normalise(
            &Path::new(&doc.name)
                .parent()
                .unwrap_or(Path::new(""))
                .join(file),
        ),
    };
    match docs.iter().find(|d| d.name == rel) {
        Some(d) if !fragment.is_empty() && !anchors(d).contains(fragment) => {
            Some(format!("no heading for #{fragment} in {rel}"))
        }
        None if !Path::new(ROOT).join(&rel).exists() => Some(format!("{target} does not exist")),
        _ => None,
    }
}
