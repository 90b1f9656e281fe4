//! The service crate's module graph has no circle and no file past the size a reader
//! takes in: each capability is a room of its own, entered through its handle
//! (`app.tickets()`, `app.accounts()`…), and what rooms share lives in modules that
//! depend on nothing of theirs.
//!
//! The graph is read from the source as cargo-modules reads it for `use` edges: an edge
//! M → N for every path `crate::…`, `super::…` or `self::…` in M's file that names module
//! N (a module declaration `mod n;` is not an edge). A child's file naming its parent is
//! an edge like any other, so a parent may not use its children's items either.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The largest file the crate keeps (lines, tests included).
const MAX_LINES: usize = 520;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("the source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/a/b.rs` and `src/a/b/mod.rs` → `["a", "b"]`; `src/lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// Paths written in the code (`crate::a::b::Item`, `super::x`, `use crate::{a, b::c}`),
/// as segments; comments are skipped.
fn paths_in(text: &str) -> Vec<Vec<String>> {
    // A child module named without `self::` (`auth::JwtKeys` in the file that declares
    // `mod auth;`) is read as `self::auth::JwtKeys`.
    let children: Vec<String> = text
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l
                .strip_prefix("pub ")
                .or_else(|| l.strip_prefix("pub(crate) "))
                .unwrap_or(l);
            l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned)
        })
        .collect();
    let mut text = text.to_owned();
    for child in &children {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        let needle = format!("{child}::");
        while let Some(at) = rest.find(&needle) {
            // Not inside a group (`crate::a::{b, queue::c}`), where the prefix is the group's.
            let before = rest[..at].trim_end().chars().next_back();
            let touching = rest[..at].chars().next_back();
            let word_start = !touching.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                && !before.is_some_and(|c| c == '{' || c == ',');
            out.push_str(&rest[..at]);
            if word_start {
                out.push_str("self::");
            }
            out.push_str(&needle);
            rest = &rest[at + needle.len()..];
        }
        out.push_str(rest);
        text = out;
    }
    let mut found = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let bytes = code.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if !code.is_char_boundary(i) {
                i += 1;
                continue;
            }
            let starts_word =
                i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_' || bytes[i - 1] == b':');
            let rest = &code[i..];
            let root = ["crate::", "super::", "self::"]
                .into_iter()
                .find(|r| rest.starts_with(r));
            match root {
                Some(root) if starts_word => {
                    let mut segments = vec![root.trim_end_matches("::").to_owned()];
                    let mut j = i + root.len();
                    loop {
                        let ident: String = code[j..]
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                            .collect();
                        if ident.is_empty() {
                            // `crate::{a, b::c}`: each item of the group is a path too.
                            if code[j..].starts_with('{') {
                                let group = &code[j + 1..code[j..].find('}').map_or(code.len(), |e| j + e)];
                                for item in group.split(',') {
                                    let mut path = segments.clone();
                                    path.extend(
                                        item.trim()
                                            .split("::")
                                            .map(|s| s.trim().to_owned())
                                            .filter(|s| !s.is_empty()),
                                    );
                                    found.push(path);
                                }
                            }
                            break;
                        }
                        j += ident.len();
                        segments.push(ident);
                        if code[j..].starts_with("::") {
                            j += 2;
                        } else {
                            break;
                        }
                    }
                    found.push(segments);
                    i = j.max(i + 1);
                }
                _ => i += 1,
            }
        }
    }
    found
}

/// The module a path names: the longest known module prefix after resolving the root.
fn target(from: &[String], path: &[String], modules: &BTreeSet<Vec<String>>, is_mod_file: bool) -> Option<Vec<String>> {
    let mut base: Vec<String> = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("self") => from.to_vec(),
        Some("super") => {
            let mut b = from.to_vec();
            b.pop();
            b
        }
        _ => return None,
    };
    let _ = is_mod_file;
    let mut rest = &path[1..];
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    let mut best = base.clone();
    let mut candidate = base;
    for seg in rest {
        candidate.push(seg.clone());
        if modules.contains(&candidate) {
            best = candidate.clone();
        } else {
            break;
        }
    }
    Some(best)
}

#[test]
fn the_service_crate_has_no_import_circle_and_no_oversized_file() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let modules: BTreeSet<Vec<String>> = all.iter().map(|f| module_of(&src, f)).collect();
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut oversized = Vec::new();
    for file in &all {
        let text = std::fs::read_to_string(file).expect("readable");
        let lines = text.lines().count();
        if lines > MAX_LINES {
            oversized.push(format!("{} ({lines} lines)", file.display()));
        }
        let from = module_of(&src, file);
        let is_mod_file = file.ends_with("mod.rs") || file.ends_with("lib.rs");
        // Tests inside a file (`mod tests`) may use anything of their parent.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for path in paths_in(code) {
            if let Some(to) = target(&from, &path, &modules, is_mod_file)
                && to != from
            {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    let oversized_report = oversized.join("\n");

    // Depth-first search for a back edge; the circle is printed as module names.
    fn visit(
        node: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
        circles: &mut Vec<String>,
    ) {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                0 => visit(next, edges, state, stack, circles),
                1 => {
                    let at = stack.iter().position(|n| n == next).unwrap_or(0);
                    let names: Vec<String> = stack[at..]
                        .iter()
                        .chain(std::iter::once(next))
                        .map(|m| if m.is_empty() { "crate".to_owned() } else { m.join("::") })
                        .collect();
                    circles.push(names.join(" → "));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
    }
    let mut state = BTreeMap::new();
    let mut circles = Vec::new();
    for module in &modules {
        if state.get(module).copied().unwrap_or(0) == 0 {
            visit(module, &edges, &mut state, &mut Vec::new(), &mut circles);
        }
    }
    assert!(
        circles.is_empty() && oversized_report.is_empty(),
        "import circles in the service crate:\n{}\nfiles over {MAX_LINES} lines:\n{oversized_report}",
        circles.join("\n")
    );
    // The reader saw the crate: an empty graph would pass the checks above.
    assert!(modules.len() >= 20 && edges.values().map(BTreeSet::len).sum::<usize>() >= 30);
}

#[test]
fn the_reader_finds_paths() {
    let paths = paths_in(
        "mod queue;\nuse crate::tickets::{queue::promote, Tickets};\nlet x = super::shared::f(); // crate::not::this\nlet y = queue::Q;",
    );
    let text: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert!(text.contains(&"crate::tickets::queue::promote".to_owned()), "{text:?}");
    assert!(text.contains(&"crate::tickets::Tickets".to_owned()), "{text:?}");
    assert!(text.contains(&"super::shared::f".to_owned()), "{text:?}");
    assert!(!text.iter().any(|t| t.contains("not")), "{text:?}");
    assert!(text.contains(&"self::queue::Q".to_owned()), "{text:?}");
}
