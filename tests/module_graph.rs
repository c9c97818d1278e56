//! The layers docs/ARCHITECTURE.md states are the layers of the code. Its "Layers" table
//! lists, for each top-level module of `src/`, the modules it may use; this test reads every
//! `crate::<module>` path in the non-test code of each module and fails on a use the table
//! does not allow, on a module the table does not list, and on any cycle among the allowed
//! uses (so the table itself cannot describe a cycle).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `module -> modules it may use`, from the table under "## Layers".
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let text = fs::read_to_string(root().join("docs/ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let section = text
        .split("\n## Layers\n")
        .nth(1)
        .expect("docs/ARCHITECTURE.md has a \"## Layers\" section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut out = BTreeMap::new();
    for line in section.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `module` | `a`, `b` | why |
        if cells.len() < 4 || !cells[1].starts_with('`') {
            continue;
        }
        let module = cells[1].trim_matches('`').to_string();
        let uses: BTreeSet<String> = cells[2]
            .split(',')
            .map(|s| s.trim().trim_matches('`').to_string())
            .filter(|s| !s.is_empty() && s != "nothing")
            .collect();
        out.insert(module, uses);
    }
    assert!(
        !out.is_empty(),
        "the Layers table of docs/ARCHITECTURE.md lists no module"
    );
    out
}

/// The text of a source file without its `#[cfg(test)]` items: test code may reach across
/// layers (a state test runs the sandbox) without making the product depend on them.
fn product_code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "#[cfg(test)]" {
            // Skip the item that follows: up to its closing brace at the same indentation,
            // or the single line of a `mod x;` / `use ...;`.
            let indent = line.len() - line.trim_start().len();
            let Some(item) = lines.next() else { break };
            if item.trim_end().ends_with(';') {
                continue;
            }
            for next in lines.by_ref() {
                if next.len() - next.trim_start().len() == indent
                    && next.trim_start().starts_with('}')
                {
                    break;
                }
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src/") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// `module -> (used module -> first file that uses it)`, from the product code.
fn used() -> BTreeMap<String, BTreeMap<String, String>> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&src).expect("under src/");
        let first = rel.iter().next().expect("a path").to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let name = rel.file_name().expect("file name").to_string_lossy();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let code = product_code(&fs::read_to_string(&file).expect("read"));
        let entry = out.entry(module.clone()).or_default();
        let mut rest = code.as_str();
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let target: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !target.is_empty() && target != module {
                entry
                    .entry(target)
                    .or_insert_with(|| format!("src/{}", rel.display()));
            }
        }
    }
    out
}

#[test]
fn the_code_keeps_the_layers_architecture_md_states() {
    let allowed = allowed();
    let used = used();
    let mut problems = Vec::new();
    for (module, targets) in &used {
        let Some(may) = allowed.get(module) else {
            problems.push(format!(
                "module `{module}` is not in the Layers table of docs/ARCHITECTURE.md"
            ));
            continue;
        };
        for (target, file) in targets {
            if !may.contains(target) {
                problems.push(format!(
                    "`{module}` uses `{target}` ({file}), which the Layers table does not allow"
                ));
            }
        }
    }
    for module in allowed.keys() {
        if !used.contains_key(module) {
            problems.push(format!(
                "the Layers table lists `{module}`, which is not a module of src/"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_layers_have_no_cycle() {
    let allowed = allowed();
    // Depth-first search for a back edge; the path to it is the cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[i..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for module in allowed.keys() {
        if let Some(cycle) = visit(module, &allowed, &mut Vec::new(), &mut done) {
            panic!("the Layers table has a cycle: {}", cycle.join(" -> "));
        }
    }
}
