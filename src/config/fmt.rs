//! `fmt`: the canonical layout of configuration files, as `terraform fmt` writes HCL: two
//! spaces per level of nesting, `=` aligned within runs of one-line attributes, no trailing
//! white space, one final newline. Comments, heredocs and blank lines are kept. A result
//! that would not parse to the same structure is refused.

use super::source::{syntax_error, SourceFile};
use crate::diag::{Diagnostic, Diagnostics};
use std::path::{Path, PathBuf};

const INDENT: &str = "  ";

/// The canonical formatting of `src`, or why it cannot be formatted.
pub fn format_source(src: &str) -> Result<String, Diagnostic> {
    format_named("<input>", src)
}

fn format_named(name: &str, src: &str) -> Result<String, Diagnostic> {
    let before = structure(name, src)?;
    verified(name, &before, layout(src))
}

/// `out` when it parses to the same structure as the original, `before`.
fn verified(name: &str, before: &hcl::Body, out: String) -> Result<String, Diagnostic> {
    match structure(name, &out) {
        Ok(after) if after == *before => Ok(out),
        _ => Err(refused(name)),
    }
}

fn structure(name: &str, src: &str) -> Result<hcl::Body, Diagnostic> {
    hcl_edit::parser::parse_body(src)
        .map(hcl::Body::from)
        .map_err(|e| syntax_error(name, &e))
}

fn refused(name: &str) -> Diagnostic {
    Diagnostic::error(format!(
        "{name} was not formatted: the result would not mean the same"
    ))
    .with_detail("the file is left as it is; please report this with the file attached")
}

/// The `*.hcl` files of `dir` that are not formatted canonically.
pub fn check_dir(dir: &Path) -> Result<Vec<PathBuf>, Diagnostics> {
    format_dir(dir, true)
}

/// Format the `*.hcl` files of `dir`, returning those that changed (with `check`, those that
/// would change, and nothing is written). When any file cannot be formatted, nothing is
/// written and every problem is returned.
pub(crate) fn format_dir(dir: &Path, check: bool) -> Result<Vec<PathBuf>, Diagnostics> {
    let files = super::source::read_dir(dir).map_err(Diagnostics::from)?;
    let mut diags = Diagnostics::new();
    let mut changed: Vec<(&SourceFile, String)> = Vec::new();
    for f in &files {
        match format_named(&f.name, &f.text) {
            Ok(out) if out != f.text => changed.push((f, out)),
            Ok(_) => {}
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    if !check {
        for (f, out) in &changed {
            write_atomically(&f.path, out).map_err(|e| {
                Diagnostics::from(Diagnostic::error(format!(
                    "cannot write {}: {e}",
                    f.path.display()
                )))
            })?;
        }
    }
    Ok(changed.into_iter().map(|(f, _)| f.path.clone()).collect())
}

/// Write beside the file and rename over it, so a failure never leaves half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.fmt.tmp"));
    std::fs::write(&tmp, text)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// One output line before alignment.
enum Line {
    /// Kept exactly: heredoc bodies and their closing markers, lines inside a multi-line
    /// string. `continues` marks lines that belong to the logical line above.
    Verbatim {
        text: String,
        continues: bool,
    },
    Code {
        indent: usize,
        text: String,
    },
    /// `key = rest`; `aligned` when the value ends on its logical line.
    Attr {
        indent: usize,
        key: String,
        rest: String,
        aligned: bool,
    },
}

/// What the scanner is inside of, across line ends.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ctx {
    Str,
    /// `${ ... }` or `%{ ... }` inside a string, with its open braces.
    Template(usize),
}

#[derive(Default)]
struct Scanner {
    stack: Vec<Ctx>,
    block_comment: bool,
    /// Heredocs opened on the current line; their bodies start on the next line.
    pending: Vec<String>,
    heredoc: Option<String>,
    /// Lines opening brackets that are still open: how many each one opened.
    levels: Vec<usize>,
}

/// What a scanned line did to the nesting.
#[derive(Default)]
struct LineEffect {
    opened: usize,
    closed_outer: usize,
}

impl Scanner {
    fn in_code(&self) -> bool {
        !self.block_comment && self.stack.is_empty()
    }

    /// Scan one line that starts in code; track brackets, strings, comments, heredocs.
    fn scan(&mut self, line: &str) -> LineEffect {
        let mut effect = LineEffect::default();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if self.block_comment {
                if c == '*' && next == Some('/') {
                    self.block_comment = false;
                    i += 1;
                }
                i += 1;
                continue;
            }
            match self.stack.last().copied() {
                Some(Ctx::Str) => match c {
                    '\\' => i += 1,
                    '"' => {
                        self.stack.pop();
                    }
                    '$' | '%' if next == Some(c) && chars.get(i + 2) == Some(&'{') => i += 2,
                    '$' | '%' if next == Some('{') => {
                        self.stack.push(Ctx::Template(0));
                        i += 1;
                    }
                    _ => {}
                },
                Some(Ctx::Template(depth)) => match c {
                    '"' => self.stack.push(Ctx::Str),
                    '{' => *self.stack.last_mut().expect("template") = Ctx::Template(depth + 1),
                    '}' if depth == 0 => {
                        self.stack.pop();
                    }
                    '}' => *self.stack.last_mut().expect("template") = Ctx::Template(depth - 1),
                    _ => {}
                },
                None => match c {
                    '#' => break,
                    '/' if next == Some('/') => break,
                    '/' if next == Some('*') => {
                        self.block_comment = true;
                        i += 1;
                    }
                    '"' => self.stack.push(Ctx::Str),
                    '<' if next == Some('<') => {
                        let rest: String = chars[i + 2..].iter().collect();
                        let rest = rest.strip_prefix('-').unwrap_or(&rest);
                        let marker: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                            .collect();
                        if !marker.is_empty() && rest[marker.len()..].trim().is_empty() {
                            self.pending.push(marker);
                            break;
                        }
                        i += 1;
                    }
                    '{' | '[' | '(' => effect.opened += 1,
                    '}' | ']' | ')' => {
                        if effect.opened > 0 {
                            effect.opened -= 1;
                        } else {
                            effect.closed_outer += 1;
                        }
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        effect
    }

    /// Apply a line's bracket changes to the nesting levels.
    fn apply(&mut self, effect: &LineEffect) {
        pop_levels(&mut self.levels, effect.closed_outer);
        if effect.opened > 0 {
            self.levels.push(effect.opened);
        }
    }
}

/// Close `count` brackets, innermost line first.
fn pop_levels(levels: &mut Vec<usize>, mut count: usize) {
    while count > 0 {
        let Some(top) = levels.last_mut() else { break };
        if *top <= count {
            count -= *top;
            levels.pop();
        } else {
            *top -= count;
            count = 0;
        }
    }
}

/// The number of closing brackets a line starts with.
fn leading_closers(text: &str) -> usize {
    text.chars()
        .take_while(|c| matches!(c, '}' | ']' | ')' | ' ' | '\t'))
        .filter(|c| !c.is_whitespace())
        .count()
}

/// `key = rest` when the line is an attribute (or an object element) assignment.
fn split_attr(text: &str) -> Option<(String, String)> {
    let mut chars = text.char_indices().peekable();
    let key_end = match chars.peek()?.1 {
        '"' => {
            chars.next();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => {}
                }
            }
            end?
        }
        c if c.is_alphabetic() || c == '_' => {
            let mut end = text.len();
            for (i, c) in chars.by_ref() {
                if !(c.is_alphanumeric() || c == '_' || c == '-') {
                    end = i;
                    break;
                }
            }
            end
        }
        _ => return None,
    };
    let after = text[key_end..].trim_start();
    let rest = after.strip_prefix('=')?;
    if rest.starts_with('=') || rest.starts_with('>') {
        return None;
    }
    Some((text[..key_end].to_string(), rest.trim().to_string()))
}

/// Lay the text out; the caller checks that the structure is unchanged.
fn layout(src: &str) -> String {
    let text = src.replace("\r\n", "\n");
    let mut scanner = Scanner::default();
    let mut lines: Vec<Line> = Vec::new();
    for raw in text.split('\n') {
        if let Some(marker) = scanner.heredoc.clone() {
            if raw.trim() == marker {
                scanner.heredoc = None;
                if !scanner.pending.is_empty() {
                    scanner.heredoc = Some(scanner.pending.remove(0));
                }
            }
            lines.push(Line::Verbatim {
                text: raw.to_string(),
                continues: true,
            });
            continue;
        }
        if !scanner.stack.is_empty() {
            // Inside a string that spans lines: keep the line and follow the nesting.
            scanner.scan(raw);
            lines.push(Line::Verbatim {
                text: raw.trim_end().to_string(),
                continues: true,
            });
            continue;
        }
        if scanner.block_comment {
            scanner.scan(raw);
            lines.push(Line::Verbatim {
                text: raw.trim_end().to_string(),
                continues: false,
            });
            continue;
        }
        let content = raw.trim();
        if content.is_empty() {
            lines.push(Line::Code {
                indent: 0,
                text: String::new(),
            });
            continue;
        }
        let mut levels = scanner.levels.clone();
        pop_levels(&mut levels, leading_closers(content));
        let indent = levels.len();
        let effect = scanner.scan(content);
        let balanced = effect.opened == 0 && effect.closed_outer == 0 && scanner.in_code();
        scanner.apply(&effect);
        if !scanner.pending.is_empty() {
            scanner.heredoc = Some(scanner.pending.remove(0));
        }
        match split_attr(content) {
            Some((key, rest)) => lines.push(Line::Attr {
                indent,
                key,
                rest,
                aligned: balanced,
            }),
            None => lines.push(Line::Code {
                indent,
                text: content.to_string(),
            }),
        }
    }
    render(&lines)
}

fn render(lines: &[Line]) -> String {
    // The width of the keys of each run of aligned attributes at one indent.
    let mut widths = vec![0usize; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let Line::Attr {
            indent,
            aligned: true,
            ..
        } = &lines[i]
        else {
            i += 1;
            continue;
        };
        let mut run = Vec::new();
        let mut j = i;
        while j < lines.len() {
            match &lines[j] {
                Line::Attr {
                    indent: k,
                    aligned: true,
                    ..
                } if k == indent => run.push(j),
                Line::Verbatim {
                    continues: true, ..
                } if !run.is_empty() => {}
                _ => break,
            }
            j += 1;
        }
        let width = run
            .iter()
            .map(|&r| {
                if let Line::Attr { key, .. } = &lines[r] {
                    key.chars().count()
                } else {
                    0
                }
            })
            .max()
            .unwrap_or(0);
        for r in run {
            widths[r] = width;
        }
        i = j.max(i + 1);
    }
    let mut out: Vec<String> = lines
        .iter()
        .zip(widths)
        .map(|(line, width)| match line {
            Line::Verbatim { text, .. } => text.clone(),
            Line::Code { indent, text } if text.is_empty() => {
                let _ = indent;
                String::new()
            }
            Line::Code { indent, text } => format!("{}{text}", INDENT.repeat(*indent)),
            Line::Attr {
                indent, key, rest, ..
            } => {
                let pad = width.saturating_sub(key.chars().count());
                format!(
                    "{}{key}{} = {rest}",
                    INDENT.repeat(*indent),
                    " ".repeat(pad)
                )
                .trim_end()
                .to_string()
            }
        })
        .collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    if out.is_empty() {
        return String::new();
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_aligns_and_trims() {
        let src = "warehouse \"compute\" {\nname = \"COMPUTE_WH\"   \n      size=\"XSMALL\"\n auto_suspend   =  60\n}\n\n\n";
        let want = "warehouse \"compute\" {\n  name         = \"COMPUTE_WH\"\n  size         = \"XSMALL\"\n  auto_suspend = 60\n}\n";
        assert_eq!(format_source(src).unwrap(), want);
    }

    #[test]
    fn blank_lines_and_multi_line_values_break_alignment_runs() {
        let src = "locals {\n  a = 1\n  long_name = 2\n\n  bb = 3\n  map = {\n    x = 1\n    yy = 2\n  }\n  c = 4\n}\n";
        let want = "locals {\n  a         = 1\n  long_name = 2\n\n  bb = 3\n  map = {\n    x  = 1\n    yy = 2\n  }\n  c = 4\n}\n";
        assert_eq!(format_source(src).unwrap(), want);
    }

    #[test]
    fn heredocs_are_kept_and_align_like_one_line() {
        let src = "task \"t\" {\n  name = \"T\"\n  sql = <<-SQL\n      SELECT 1   \n    FROM x\n  SQL\n  enabled = true\n}\n";
        let want = "task \"t\" {\n  name    = \"T\"\n  sql     = <<-SQL\n      SELECT 1   \n    FROM x\n  SQL\n  enabled = true\n}\n";
        assert_eq!(format_source(src).unwrap(), want);
    }

    #[test]
    fn comments_are_indented_and_kept() {
        let src = "# top\nschema \"s\" {\n# inside\n  name = \"S\" # trailing\n  /* block\n     comment */\n}\n";
        let want = "# top\nschema \"s\" {\n  # inside\n  name = \"S\" # trailing\n  /* block\n     comment */\n}\n";
        assert_eq!(format_source(src).unwrap(), want);
    }

    #[test]
    fn brackets_inside_strings_do_not_nest() {
        let src = "locals {\nx = \"{[(\"\ny = \"${join(\",\", [\"a\"])}\"\n}\n";
        let want = "locals {\n  x = \"{[(\"\n  y = \"${join(\",\", [\"a\"])}\"\n}\n";
        assert_eq!(format_source(src).unwrap(), want);
    }

    #[test]
    fn formatting_is_idempotent() {
        let src = "model \"m\" {\nversion \"V1\" {\nsource = \"@A.B.C/x\"\nmetadata = { metrics = { rmse = 0.1 } }\n}\nentities = [\n  entity.a,\n    entity.b,\n]\n}";
        let once = format_source(src).unwrap();
        assert_eq!(format_source(&once).unwrap(), once);
        assert!(once.ends_with("}\n"));
        assert!(once.contains("  version \"V1\" {\n    source   = \"@A.B.C/x\"\n"));
        assert!(once.contains("  entities = [\n    entity.a,\n    entity.b,\n  ]\n"));
    }

    #[test]
    fn a_result_with_another_structure_is_refused() {
        let before = structure("x.hcl", "a = 1\nb = \"x\"\n").unwrap();
        assert!(verified("x.hcl", &before, "a = 1\nb = \"x\"\n".into()).is_ok());
        let changed = verified("x.hcl", &before, "a = 1\nb = \"y\"\n".into()).unwrap_err();
        assert_eq!(
            changed.summary,
            "x.hcl was not formatted: the result would not mean the same"
        );
        assert!(verified("x.hcl", &before, "a = \n".into()).is_err());
    }

    #[test]
    fn syntax_errors_are_reported_not_formatted() {
        let err = format_source("a = \n").unwrap_err();
        assert!(err.summary.starts_with("syntax error"));
        assert_eq!(err.span.as_ref().map(|s| (s.line, s.column)), Some((1, 5)));
    }
}
