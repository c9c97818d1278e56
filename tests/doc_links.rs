//! Every relative link in README.md and docs/*.md points at a file of the repository, and
//! its `#anchor` (if any) at a heading of that file, as GitHub renders them.

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pages() -> Vec<PathBuf> {
    let mut out = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    out.extend(docs);
    out
}

/// The text outside fenced code blocks and inline code, where links are links.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            out.push('\n');
            continue;
        }
        if fenced {
            out.push('\n');
            continue;
        }
        let mut in_code = false;
        for c in line.chars() {
            if c == '`' {
                in_code = !in_code;
            } else if !in_code {
                out.push(c);
            }
        }
        out.push('\n');
    }
    out
}

/// GitHub's anchor of a heading: lower case, punctuation dropped except `-` and `_`,
/// spaces as `-`; a repeated heading gets `-1`, `-2`, ...
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        let mut candidate = slug.clone();
        let mut n = 0;
        while seen.contains(&candidate) {
            n += 1;
            candidate = format!("{slug}-{n}");
        }
        seen.insert(candidate);
    }
    seen
}

/// `(target)` of every `[text](target)` in the prose.
fn links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        match after.find(')') {
            Some(j) => {
                out.push(after[..j].trim().to_string());
                rest = &after[j..];
            }
            None => break,
        }
    }
    out
}

#[test]
fn relative_links_in_the_docs_resolve() {
    let mut broken = Vec::new();
    for page in pages() {
        let text = fs::read_to_string(&page).unwrap();
        let shown = page.strip_prefix(root()).unwrap().display().to_string();
        for target in links(&prose(&text)) {
            // Links out of the repository are not checked here.
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let target = target.split_whitespace().next().unwrap_or("").to_string();
            let (file, anchor) = match target.split_once('#') {
                Some((f, a)) => (f, Some(a)),
                None => (target.as_str(), None),
            };
            let path: PathBuf = if file.is_empty() {
                page.clone()
            } else {
                page.parent().unwrap().join(file)
            };
            let inside = path
                .canonicalize()
                .is_ok_and(|p| p.starts_with(root().canonicalize().unwrap()));
            if !path.exists() || !inside {
                broken.push(format!("{shown}: ({target}): no file {file}"));
                continue;
            }
            if let Some(a) = anchor {
                let is_md = path.extension().is_some_and(|x| x == "md");
                if is_md && !anchors(&fs::read_to_string(&path).unwrap()).contains(a) {
                    broken.push(format!("{shown}: ({target}): no heading #{a} in {file}"));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn anchors_are_written_as_github_writes_them() {
    let a = anchors(
        "# Title\n## The `drift` report: exit codes\n```\n# not a heading\n```\n## Title\n",
    );
    let want: BTreeSet<String> = ["title", "the-drift-report-exit-codes", "title-1"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(a, want);
    assert_eq!(links("see [x](a.md#b) and `[y](z.md)`"), ["a.md#b", "z.md"]);
    assert_eq!(links(&prose("see [x](a.md#b) and `[y](z.md)`")), ["a.md#b"]);
}
