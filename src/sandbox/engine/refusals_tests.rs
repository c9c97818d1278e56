//! Keeps docs/sandbox.md's table of refusals ("What the sandbox refuses") in step with the
//! engine: every example in the table is refused as unsupported with the `what` its row
//! names, and every refusal written in the engine's code has a row.

use super::layout_tests::seeded;
use crate::sandbox::SqlEngine;
use std::path::Path;

/// A `what` with its variable parts (`{...}` in code, `` `<...>` `` in the docs) as `<>`.
fn template(what: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for ch in what.replace('`', "").chars() {
        match ch {
            '{' | '<' => {
                if depth == 0 {
                    out.push_str("<>");
                }
                depth += 1;
            }
            '}' | '>' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// Whether a message's `what` fits a template: its literal parts as written, `<>` any text.
fn fits(template: &str, what: &str) -> bool {
    let pattern: Vec<String> = template.split("<>").map(regex::escape).collect();
    regex::Regex::new(&format!("^{}$", pattern.join(".+")))
        .unwrap()
        .is_match(what)
}

fn table_rows() -> Vec<(String, String)> {
    let docs =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/sandbox.md"))
            .unwrap();
    let section = docs
        .split("### What the sandbox refuses")
        .nth(1)
        .expect("docs/sandbox.md has a section 'What the sandbox refuses'");
    let section = section.split("\n#").next().unwrap();
    section
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| What |"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
            assert_eq!(cells.len(), 2, "a row has two cells: {l}");
            let example = cells[1].trim().trim_matches('`').to_string();
            (cells[0].trim().to_string(), example)
        })
        .collect()
}

#[test]
fn every_documented_refusal_is_refused_with_its_what() {
    let rows = table_rows();
    assert!(rows.len() > 20, "the table was not found");
    let mut wrong = Vec::new();
    for (what, example) in &rows {
        let (mut engine, session) = seeded();
        let want = template(what);
        match engine.execute(example, &session) {
            Ok(_) => wrong.push(format!("{example}: succeeded (row '{what}')")),
            Err(e) => {
                let got = e
                    .message
                    .strip_prefix("Unsupported feature '")
                    .and_then(|m| m.split("': the snowform sandbox").next());
                match got {
                    Some(got) if e.code == "000002" && fits(&want, got) => {}
                    _ => wrong.push(format!(
                        "{example}: {} {} (row '{what}')",
                        e.code, e.message
                    )),
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "refusals not as documented:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_refusal_in_the_code_has_a_row_in_the_docs() {
    let documented: Vec<String> = table_rows().iter().map(|(w, _)| template(w)).collect();
    let call =
        regex::Regex::new(r#"unsupported\(\s*(?:&?format!\(\s*)?"((?:[^"\\]|\\.)*)""#).unwrap();
    let beyond = regex::Regex::new(
        r#"(?:beyond\(|expect_sym_in\(\s*"(?:[^"\\]|\\.)*",)\s*"((?:[^"\\]|\\.)*)""#,
    )
    .unwrap();
    let mut missing = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sandbox")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("refusals_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // `beyond(what)` and `expect_sym_in(sym, what)` refuse as `<what> ('<token>')`.
            let wrapped = beyond
                .captures_iter(&text)
                .map(|c| format!("{} ({{}})", &c[1]));
            let found = call.captures_iter(&text).map(|c| c[1].to_string());
            for what in found.chain(wrapped) {
                let t = template(&what);
                if !documented.contains(&t) {
                    missing.push(format!("{}: '{}'", path.display(), what));
                }
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "refusals without a row in docs/sandbox.md's 'What the sandbox refuses':\n{}",
        missing.join("\n")
    );
}

#[test]
fn templates_and_fits() {
    assert_eq!(template("view property `<name>`"), "view property <>");
    assert_eq!(template("view property {k}"), "view property <>");
    assert!(fits("view property <>", "view property CHANGE_TRACKING"));
    assert!(!fits("view property <>", "view property "));
    assert!(fits("<> property <>", "database property X"));
    assert!(fits("ALTER <> ... <>", "ALTER WAREHOUSE ... ABORT"));
    assert!(!fits("joins", "joins and more"));
}
