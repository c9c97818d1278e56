//! Values of variables marked sensitive (and values derived from them) never reach a
//! report, a message, a log or a saved plan: every string printed or written outside the
//! account and the state passes through here.
//!
//! The text is replaced as written and in the escaped spellings it takes on the way out
//! (inside a SQL string literal, inside a JSON string), and each line of a value on several
//! lines is replaced alone, since progress lines show a statement's first line only.

use serde::Serialize;
use std::sync::{Arc, RwLock};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redactor {
    values: Vec<String>,
}

pub const REDACTED: &str = "(sensitive)";

/// Shorter values are left: replacing every `a` would make reports unreadable and
/// protect nothing.
const MIN_LEN: usize = 3;

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut all = Vec::new();
        for v in values {
            let sql = crate::sql::quote_literal(&v);
            let json = serde_json::to_string(&v).expect("a string serialises");
            let lines: Vec<String> = if v.contains('\n') {
                v.lines().map(str::to_string).collect()
            } else {
                Vec::new()
            };
            all.push(sql[1..sql.len() - 1].to_string());
            all.push(json[1..json.len() - 1].to_string());
            all.extend(lines.into_iter().map(|l| l.trim().to_string()));
            all.push(v);
        }
        let mut values: Vec<String> = all.into_iter().filter(|v| v.len() >= MIN_LEN).collect();
        values.sort();
        values.dedup();
        // Longest first, so a value containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        Redactor { values }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every value replaced, ignoring ASCII case: Snowflake upper-cases
    /// unquoted names in its messages, and `upper()` of a sensitive value is as secret as
    /// the value.
    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in &self.values {
            let needle = v.to_ascii_lowercase();
            // ASCII lower-casing keeps every byte offset, so positions found in the
            // lower-cased text are the same in `out`.
            let hay = out.to_ascii_lowercase();
            if !hay.contains(&needle) {
                continue;
            }
            let mut next = String::with_capacity(out.len());
            let mut last = 0;
            for (at, _) in hay.match_indices(&needle) {
                next.push_str(&out[last..at]);
                next.push_str(REDACTED);
                last = at + needle.len();
            }
            next.push_str(&out[last..]);
            out = next;
        }
        out
    }

    pub fn json(&self, value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::String(s) => serde_json::Value::String(self.apply(s)),
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.iter().map(|x| self.json(x)).collect())
            }
            serde_json::Value::Object(m) => serde_json::Value::Object(
                m.iter()
                    .map(|(k, x)| (self.apply(k), self.json(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// `value` as JSON with every string (keys too) redacted.
    pub(crate) fn to_json_value<T: Serialize>(&self, value: &T) -> serde_json::Value {
        self.json(&serde_json::to_value(value).expect("reports serialise"))
    }
}

/// The redactor of the configuration a command loaded, for what is printed far from it:
/// error messages and logs. Empty until the configuration is loaded; clones share it.
#[derive(Clone, Debug, Default)]
pub struct RedactorCell(Arc<RwLock<Option<Redactor>>>);

impl RedactorCell {
    pub fn set(&self, redactor: Redactor) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Some(redactor);
    }

    /// `text` with what the loaded configuration marks sensitive replaced.
    pub fn apply(&self, text: &str) -> String {
        match &*self.0.read().unwrap_or_else(|e| e.into_inner()) {
            Some(r) => r.apply(text),
            None => text.to_string(),
        }
    }
}

/// Log lines go through the command's redactor on their way to its stderr: a statement's
/// text is a field of the client's spans.
pub struct LogWriter<W: std::io::Write> {
    buf: Vec<u8>,
    redactor: RedactorCell,
    sink: W,
}

impl<W: std::io::Write> LogWriter<W> {
    pub fn new(redactor: RedactorCell, sink: W) -> LogWriter<W> {
        LogWriter {
            buf: Vec::new(),
            redactor,
            sink,
        }
    }
}

impl<W: std::io::Write> std::io::Write for LogWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.buf).into_owned();
        self.buf.clear();
        self.sink.write_all(self.redactor.apply(&text).as_bytes())?;
        self.sink.flush()
    }
}

impl<W: std::io::Write> Drop for LogWriter<W> {
    fn drop(&mut self) {
        // One event is formatted into one writer: it is whole when the writer goes.
        let _ = std::io::Write::flush(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_spellings_and_lines_are_replaced() {
        let r = Redactor::new(["it's\\x\nsecond-line".to_string()]);
        // As a SQL literal writes it.
        assert_eq!(
            r.apply(&crate::sql::quote_literal("it's\\x\nsecond-line")),
            "'(sensitive)'"
        );
        // As JSON writes it.
        let json = serde_json::to_string("it's\\x\nsecond-line").unwrap();
        assert_eq!(r.apply(&json), "\"(sensitive)\"");
        // The first line alone, as a progress line shows it.
        assert_eq!(r.apply("COMMENT = 'it's\\x"), "COMMENT = '(sensitive)");
    }

    #[test]
    fn case_does_not_hide_a_value() {
        let r = Redactor::new(["Hunter2-x".to_string()]);
        assert_eq!(
            r.apply("Object 'DB.S.HUNTER2-X' and hunter2-x, naïve Hunter2-x"),
            "Object 'DB.S.(sensitive)' and (sensitive), naïve (sensitive)"
        );
    }

    #[test]
    fn keys_of_json_objects_are_redacted_too() {
        let r = Redactor::new(["hunter2".to_string()]);
        let v = serde_json::json!({"hunter2": ["a hunter2 b"]});
        assert_eq!(
            r.json(&v),
            serde_json::json!({"(sensitive)": ["a (sensitive) b"]})
        );
    }
}
