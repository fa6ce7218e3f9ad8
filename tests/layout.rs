//! The layout ARCHITECTURE.md promises, checked on the source itself so it cannot drift:
//! nothing in the core imports the façade except the façade; the core's modules have no
//! import circles; only `src-tauri` knows Tauri; and the files that must stay small (the
//! façade's, the shell's) do.
//!
//! A module and the modules inside it count as one room here (`store` and `store::customers`
//! may name each other, as a `mod.rs` and its children do); every other reference between
//! modules is an edge, whether written as a `use` or as a path in the code.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `store/customers.rs` → `["store", "customers"]`; `store/mod.rs` → `["store"]`;
/// `lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> =
        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The text with comments and string literals blanked, so a path in a doc comment or a
/// message is not taken for an import.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                    }
                    if !escaped && c == '"' {
                        break;
                    }
                    escaped = !escaped && c == '\\';
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every module path a file names: `crate::a::b::{c, d::e}` gives `a::b::c` and `a::b::d::e`;
/// `super::x` is resolved against the file's own module.
fn referenced_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for anchor in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(at) = code[from..].find(anchor) {
            let start = from + at;
            from = start + anchor.len();
            if code[..start].chars().next_back().is_some_and(ident_char) {
                continue;
            }
            let base: Vec<String> = if anchor == "crate::" {
                Vec::new()
            } else {
                // In `a/b.rs` and in `a/b/mod.rs` (both module a::b), `super` is `a`.
                module[..module.len().saturating_sub(1)].to_vec()
            };
            expand(&code[from..], base, &mut found);
        }
    }
    found
}

/// Reads one path (with `{…}` groups) at the start of `rest`, appending each full path.
fn expand(rest: &str, base: Vec<String>, found: &mut Vec<Vec<String>>) {
    let mut path = base;
    let mut i = 0;
    let bytes: Vec<char> = rest.chars().collect();
    loop {
        if i < bytes.len() && bytes[i] == '{' {
            // A group: each item at its top-level commas is a path of its own.
            let mut depth = 0;
            let mut item = String::new();
            for &c in &bytes[i + 1..] {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(item.trim(), path.clone(), found);
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            if !item.trim().is_empty() {
                expand(item.trim(), path, found);
            }
            return;
        }
        let start = i;
        while i < bytes.len() && ident_char(bytes[i]) {
            i += 1;
        }
        if i > start {
            path.push(bytes[start..i].iter().collect());
        }
        if i + 1 < bytes.len() && bytes[i] == ':' && bytes[i + 1] == ':' {
            i += 2;
            continue;
        }
        break;
    }
    found.push(path);
}

/// The names `lib.rs` re-exports (`pub use console::Console;`), by the module that has them.
fn reexports(lib: &str) -> BTreeMap<String, Vec<String>> {
    let mut map = BTreeMap::new();
    for statement in code_only(lib).split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else { continue };
        let mut found = Vec::new();
        expand(rest, Vec::new(), &mut found);
        for mut path in found {
            if let Some(name) = path.pop() {
                map.insert(name, path);
            }
        }
    }
    map
}

/// The core's modules and, for each, the modules it names outside its own room.
fn core_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = root().join("crates/core/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.retain(|f| !f.starts_with(src.join("bin")));
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(&src, f)).collect();
    let reexports = reexports(&fs::read_to_string(src.join("lib.rs")).unwrap());
    let mut graph = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let code = code_only(&fs::read_to_string(file).unwrap());
        // Unit tests may reach anywhere; they are not part of the layering.
        let code = code.split("#[cfg(test)]").next().unwrap_or("");
        let edges: &mut BTreeSet<Vec<String>> = graph.entry(module.clone()).or_default();
        for mut path in referenced_paths(&module, code) {
            // `crate::Console` is `crate::console::Console`, re-exported.
            if let Some(home) = path.first().and_then(|name| reexports.get(name)) {
                path.splice(0..0, home.iter().cloned());
            }
            // The longest prefix that is a module of ours.
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| modules.contains(p))
                .unwrap_or_default();
            let same_room = target.starts_with(&module) || module.starts_with(&target);
            if !target.is_empty() && !same_room {
                edges.insert(target);
            }
        }
    }
    graph
}

fn show(module: &[String]) -> String {
    if module.is_empty() { "crate".into() } else { module.join("::") }
}

/// Strongly connected components of more than one module (Tarjan's algorithm).
fn circles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        index: BTreeMap<&'g [String], usize>,
        low: BTreeMap<&'g [String], usize>,
        stack: Vec<&'g [String]>,
        on_stack: BTreeSet<&'g [String]>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g [String]) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_slice();
                if !self.graph.contains_key(w) {
                    continue;
                }
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(show(w));
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_slice()) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn the_parser_reads_grouped_and_relative_paths() {
    let module = vec!["store".to_string(), "customers".to_string()];
    let code = code_only(
        "use crate::{a::b, c::{d, e::f}};\n// crate::comment\nlet x = \"crate::text\";\nsuper::g::h();",
    );
    let found: BTreeSet<String> =
        referenced_paths(&module, &code).iter().map(|p| p.join("::")).collect();
    let expected: BTreeSet<String> =
        ["a::b", "c::d", "c::e::f", "store::g::h"].into_iter().map(String::from).collect();
    assert_eq!(found, expected);
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let m = |s: &str| vec![s.to_string()];
    let graph = BTreeMap::from([
        (m("a"), BTreeSet::from([m("b")])),
        (m("b"), BTreeSet::from([m("c")])),
        (m("c"), BTreeSet::from([m("a")])),
        (m("d"), BTreeSet::from([m("a")])),
    ]);
    assert_eq!(circles(&graph), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
}

#[test]
fn nothing_in_the_core_imports_the_facade_but_the_facade() {
    let graph = core_graph();
    let facade = vec!["console".to_string()];
    let importers: Vec<String> = graph
        .iter()
        .filter(|(module, edges)| !module.starts_with(&facade) && edges.contains(&facade))
        .map(|(module, _)| show(module))
        .collect();
    // lib.rs re-exports `Console` for the crates above the core; it is not a service.
    let importers: Vec<String> = importers.into_iter().filter(|m| m != "crate").collect();
    assert!(importers.is_empty(), "modules importing the façade: {importers:?}");
}

#[test]
fn the_core_has_no_import_circles() {
    let found = circles(&core_graph());
    assert!(found.is_empty(), "import circles between the core's modules: {found:?}");
}

#[test]
fn only_the_shell_knows_tauri() {
    for krate in ["crates/core", "crates/local", "crates/admin", "crates/sim"] {
        let manifest = fs::read_to_string(root().join(krate).join("Cargo.toml")).unwrap();
        let deps = manifest.lines().filter(|l| !l.trim_start().starts_with('#'));
        let tauri: Vec<&str> = deps.filter(|l| l.contains("tauri")).collect();
        assert!(tauri.is_empty(), "{krate} depends on Tauri: {tauri:?}");
    }
}

/// Files that must stay small: the façade's (a permission check and one service call per
/// operation) and the shell's (it only maps).
#[test]
fn the_facade_and_the_shell_stay_small() {
    const MOST_LINES: usize = 300;
    let mut files = Vec::new();
    rust_files(&root().join("crates/core/src/console"), &mut files);
    rust_files(&root().join("src-tauri/src"), &mut files);
    let large: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let lines = fs::read_to_string(f).unwrap().lines().count();
            let rel = f.strip_prefix(root()).unwrap().display().to_string();
            (lines > MOST_LINES).then(|| format!("{rel}: {lines} lines"))
        })
        .collect();
    assert!(large.is_empty(), "over {MOST_LINES} lines: {large:?}");
}
