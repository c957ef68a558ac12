//! Which documented paths are routes, and whether a route of Rocket's serves them.

use super::markdown::Span;

/// Where documented routes start; any other path (`/etc/...`, `/srv/...`) is not a route.
const PREFIXES: &str = "/zhugeleida/ /small/ /api/ /auth/ /mp/ /console /statics /healthz \
    /metrics /openapi.json /docs";

/// A documented path, cleaned of its host, quotes and trailing punctuation, if it is a route.
pub fn documented_path(token: &str) -> Option<String> {
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
        .split_whitespace()
        .any(|p| t.starts_with(p) && boundary(p))
        .then(|| t.to_string())
}

#[derive(Clone, Debug)]
pub enum Seg {
    Lit(String),
    Any,
}

/// The concrete shapes of a documented path: segments, and whether deeper paths count too.
pub fn shapes(path: &str) -> Vec<(Vec<Seg>, bool)> {
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
pub fn serves(route: &str, doc: &[Seg], deeper: bool) -> bool {
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
pub fn span_routes(span: &Span) -> Vec<(Vec<String>, String)> {
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
pub fn curl_method(command: &str) -> String {
    let tokens: Vec<&str> = command.split_whitespace().collect();
    if let Some(i) = tokens.iter().position(|t| *t == "-X" || *t == "--request") {
        return tokens.get(i + 1).unwrap_or(&"GET").to_string();
    }
    let posts = tokens
        .iter()
        .any(|t| ["-d", "-F", "--form"].contains(t) || t.starts_with("--data"));
    if posts { "POST" } else { "GET" }.to_string()
}
