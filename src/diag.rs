//! Diagnostics: the one type every stage uses to report a problem in the user's input.
//! Problems are collected, never thrown, so one run reports all of them.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A position in a configuration file: 1-based line and column (columns count characters).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct Span {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

impl Span {
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Span {
        Span {
            file: file.into(),
            line,
            column,
        }
    }

    /// The span of byte offset `offset` in `source`.
    #[cfg(test)]
    pub(crate) fn at_offset(file: &str, source: &str, offset: usize) -> Span {
        let offset = offset.min(source.len());
        let before = &source[..floor_char_boundary(source, offset)];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = before[line_start..].chars().count() as u32 + 1;
        Span::new(file, line, column)
    }
}

/// Where each line of a source starts, so that many offsets become spans without scanning
/// the source from its start each time.
#[derive(Clone, Debug, Default)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(source: &str) -> LineIndex {
        let starts = std::iter::once(0)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// [`Span::at_offset`] for the source this index was built from.
    pub fn span(&self, file: &str, source: &str, offset: usize) -> Span {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        // starts[0] = 0 <= offset, so at least one line starts at or before it.
        let line = self.starts.partition_point(|&s| s <= offset);
        let line_start = self.starts[line - 1];
        let column = source[line_start..offset].chars().count() as u32 + 1;
        Span::new(file, line as u32, column)
    }
}

/// How many characters of a user's value or line an error quotes.
pub(crate) const EXCERPT: usize = 200;

/// `text`, or its first `max` characters and how many more there are: an error about a
/// huge value or line quotes a short piece of it, not all of it.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((cut, _)) => format!(
            "{}... ({} more characters)",
            &text[..cut],
            text[cut..].chars().count()
        ),
    }
}

/// At most `max` characters of `line` around character `column` (1-based).
pub(crate) fn excerpt_around(line: &str, column: usize, max: usize) -> String {
    let chars = line.chars().count();
    if chars <= max {
        return line.to_string();
    }
    let start = column.saturating_sub(1 + max / 2).min(chars - max);
    let body: String = line.chars().skip(start).take(max).collect();
    let before = if start > 0 { "..." } else { "" };
    let after = if start + max < chars { "..." } else { "" };
    format!("{before}{body}{after}")
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

impl fmt::Display for Span {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: Option<String>,
    pub span: Option<Span>,
}

impl Diagnostic {
    pub fn error(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            summary: summary.into(),
            detail: None,
            span: None,
        }
    }

    pub(crate) fn warning(summary: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            summary: summary.into(),
            detail: None,
            span: None,
        }
    }

    pub(crate) fn with_detail(mut self, detail: impl Into<String>) -> Diagnostic {
        self.detail = Some(detail.into());
        self
    }

    pub fn at(mut self, span: Option<Span>) -> Diagnostic {
        self.span = span;
        self
    }

    pub(crate) fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `FILE:LINE:COL: error: SUMMARY`, then each detail line indented.
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(span) = &self.span {
            write!(formatter, "{span}: ")?;
        }
        write!(formatter, "{}: {}", self.severity, self.summary)?;
        if let Some(detail) = &self.detail {
            for line in detail.lines() {
                write!(formatter, "\n  {line}")?;
            }
        }
        Ok(())
    }
}

/// The JSON shape of `validate --format json`.
#[derive(Serialize)]
struct DiagnosticJson<'a> {
    severity: Severity,
    summary: &'a str,
    detail: Option<&'a str>,
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
}

impl Serialize for Diagnostic {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        DiagnosticJson {
            severity: self.severity,
            summary: &self.summary,
            detail: self.detail.as_deref(),
            file: self
                .span
                .as_ref()
                .map(|serializer| serializer.file.as_str()),
            line: self.span.as_ref().map(|serializer| serializer.line),
            column: self.span.as_ref().map(|serializer| serializer.column),
        }
        .serialize(serializer)
    }
}

/// An ordered collection of diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics(Vec::new())
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.0.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// Sort by file, line and column (diagnostics without a position last), keeping the
    /// order of equal positions, and drop exact duplicates.
    pub fn sort(&mut self) {
        self.0.sort_by(|a, b| match (&a.span, &b.span) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        self.0.dedup();
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(diagnostic: Diagnostic) -> Diagnostics {
        Diagnostics(vec![diagnostic])
    }
}

impl Serialize for Diagnostics {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_of_a_huge_text_is_short_and_says_how_much_is_left_out() {
        assert_eq!(excerpt("short", 10), "short");
        let long = "x".repeat(100_000);
        let e = excerpt(&long, 20);
        assert_eq!(e, format!("{}... (99980 more characters)", "x".repeat(20)));
        let line = format!("{}!{}", "a".repeat(5000), "b".repeat(5000));
        let around = excerpt_around(&line, 5001, 21);
        assert_eq!(
            around,
            format!("...{}!{}...", "a".repeat(10), "b".repeat(10))
        );
        assert_eq!(excerpt_around("abc", 2, 21), "abc");
    }

    #[test]
    fn span_from_offset_counts_lines_and_characters() {
        let src = "a = 1\nbé = \"x\"\n";
        let at = src.find('"').unwrap();
        assert_eq!(Span::at_offset("f.hcl", src, at), Span::new("f.hcl", 2, 6));
        assert_eq!(Span::at_offset("f.hcl", src, 0), Span::new("f.hcl", 1, 1));
    }

    #[test]
    fn line_index_gives_the_same_spans() {
        let src = "a = 1\nbé = \"x\"\n\n  ü\nlast";
        let index = LineIndex::new(src);
        for offset in 0..=src.len() + 2 {
            assert_eq!(
                index.span("f.hcl", src, offset),
                Span::at_offset("f.hcl", src, offset),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn display_has_position_severity_summary_and_indented_detail() {
        let d = Diagnostic::error("unknown attribute \"sise\"")
            .with_detail("did you mean \"size\"?")
            .at(Some(Span::new("main.hcl", 3, 5)));
        assert_eq!(
            d.to_string(),
            "main.hcl:3:5: error: unknown attribute \"sise\"\n  did you mean \"size\"?"
        );
    }
}
