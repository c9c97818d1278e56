//! Rendering: one serialisable view per report (plan, apply, drift), and the human,
//! JSON and markdown renderers that all read that view, so they cannot disagree. No
//! rendering decides anything; colour and stream are the caller's choice.

pub(crate) mod apply_report;
mod diffs;
pub(crate) mod drift;
pub(crate) mod outputs;
pub(crate) mod plan_human;
pub(crate) mod plan_markdown;
mod plan_view;
mod redact;
mod style;

pub use plan_view::{AttributeView, ChangeView, PlanView, SummaryView};
pub use redact::{LogWriter, Redactor, RedactorCell, REDACTED};
pub(crate) use style::{printable, Style};

/// The output formats of reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Markdown,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(text: &str) -> Result<Format, String> {
        match text {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "markdown" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown format {other:?}: use human, json or markdown"
            )),
        }
    }
}

/// Pretty JSON with a trailing newline.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("views serialise");
    s.push('\n');
    s
}

/// [`to_json`] written straight to `out`: a plan of thousands of objects is tens of
/// megabytes of JSON, not worth holding in memory to print.
pub(crate) fn write_json<T: serde::Serialize>(
    out: impl std::io::Write,
    value: &T,
) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()
}
