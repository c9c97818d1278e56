//! Unified diffs of SQL bodies (queries, task statements), so a reviewer sees what changed
//! inside a long text instead of two walls of SQL.

use similar::TextDiff;

pub(crate) fn unified(before: &str, after: &str) -> String {
    let (b, a) = (with_newline(before), with_newline(after));
    TextDiff::from_lines(&b, &a)
        .unified_diff()
        .context_radius(3)
        .header("before", "after")
        .to_string()
}

fn with_newline(text: &str) -> String {
    let mut text = text.trim_end().to_string();
    text.push('\n');
    text
}
