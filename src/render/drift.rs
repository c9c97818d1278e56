//! The drift report for people (human, markdown) and for Azure Pipelines' log (warnings
//! with the `##vso[task.logissue]` logging command).

use super::Style;
use crate::drift::{DriftKind, DriftReport, Drifted, DriftedAttribute};

fn value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(unset)".into(),
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn label(drifted: &Drifted) -> String {
    if drifted.address.is_empty() {
        format!("{} {}", drifted.kind, drifted.name)
    } else {
        format!("{} ({})", drifted.address, drifted.name)
    }
}

/// Differences that lifecycle.ignore_changes leaves to others: shown, never drift.
fn ignored_human(report: &DriftReport, style: &Style) -> String {
    let mut out = String::new();
    for d in &report.ignored {
        out.push_str(&format!(
            "\n{}\n",
            style.dim(&format!("  ignored   {}", label(d)))
        ));
        for a in &d.attributes {
            out.push_str(&format!(
                "    {}: recorded {}, actual {}\n",
                a.name,
                value(&a.expected),
                value(&a.actual)
            ));
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("    {}\n", style.dim(h)));
        }
    }
    out
}

pub fn human(report: &DriftReport, style: &Style) -> String {
    let mut out = String::new();
    if !report.has_drift() {
        out.push_str(&format!(
            "No drift: the account matches what snowform last applied ({} metadata queries)",
            report.metadata_queries
        ));
        if report.ignored.is_empty() {
            out.push_str(".\n");
        } else {
            out.push_str(
                ", apart from attributes that lifecycle.ignore_changes leaves to others:\n",
            );
            out.push_str(&ignored_human(report, style));
        }
        return out;
    }
    let s = &report.summary;
    out.push_str(&style.bold(&format!(
        "Drift: {} changed, {} deleted, {} unmanaged.\n",
        s.changed, s.deleted, s.unmanaged
    )));
    for d in &report.drifted {
        let head = match d.drift {
            DriftKind::Changed => style.yellow(&format!("~ changed   {}", label(d))),
            DriftKind::Deleted => style.red(&format!("- deleted   {}", label(d))),
            DriftKind::Unmanaged => style.magenta(&format!("? unmanaged {}", label(d))),
        };
        out.push_str(&format!("\n{head}\n"));
        for a in &d.attributes {
            out.push_str(&format!(
                "    {}: expected {}, actual {}\n",
                a.name,
                value(&a.expected),
                value(&a.actual)
            ));
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("    {}\n", style.dim(h)));
        }
    }
    if !report.ignored.is_empty() {
        out.push_str(&format!(
            "\n{}\n",
            style.bold("Not drift: attributes that lifecycle.ignore_changes leaves to others:")
        ));
        out.push_str(&ignored_human(report, style));
    }
    out
}

fn ignored_markdown(report: &DriftReport) -> String {
    if report.ignored.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "Not drift: these differ, but `lifecycle.ignore_changes` leaves them to others; snowform does not revert them.\n\n| Object | Attribute | Recorded | Actual |\n|---|---|---|---|\n",
    );
    for d in &report.ignored {
        for a in &d.attributes {
            out.push_str(&format!("| {} |\n", attribute_cells(d, a)));
        }
    }
    out.push('\n');
    out
}

/// The object, attribute, expected and actual cells of a markdown row.
fn attribute_cells(drifted: &Drifted, drifted_attribute: &DriftedAttribute) -> String {
    format!(
        "`{}` | `{}` | `{}` | `{}`",
        label(drifted).replace('|', "\\|"),
        drifted_attribute.name,
        value(&drifted_attribute.expected).replace('|', "\\|"),
        value(&drifted_attribute.actual).replace('|', "\\|")
    )
}

pub(crate) const MARKER: &str = "<!-- snowform:drift -->";

pub fn markdown(report: &DriftReport, footer: &[String]) -> String {
    let mut out = format!("{MARKER}\n");
    let s = &report.summary;
    if !report.has_drift() {
        out.push_str("## :white_check_mark: snowform drift: none\n\nThe account matches what snowform last applied.\n");
        if !report.ignored.is_empty() {
            out.push('\n');
            out.push_str(&ignored_markdown(report));
        }
    } else {
        out.push_str(&format!(
            "## :warning: snowform drift: {} changed, {} deleted, {} unmanaged\n\nWorkspace `{}`\n\n| Drift | Object | Attribute | Expected | Actual |\n|---|---|---|---|---|\n",
            s.changed, s.deleted, s.unmanaged, report.workspace
        ));
        for d in &report.drifted {
            let kind = match d.drift {
                DriftKind::Changed => "changed",
                DriftKind::Deleted => "deleted",
                DriftKind::Unmanaged => "unmanaged",
            };
            if d.attributes.is_empty() {
                out.push_str(&format!(
                    "| {kind} | `{}` | | | |\n",
                    label(d).replace('|', "\\|")
                ));
            }
            for a in &d.attributes {
                out.push_str(&format!("| {kind} | {} |\n", attribute_cells(d, a)));
            }
        }
        out.push('\n');
        out.push_str(&ignored_markdown(report));
    }
    for f in footer {
        out.push_str(f);
        out.push('\n');
    }
    out
}

/// One warning per drifted object, in Azure Pipelines' logging command syntax; the message
/// is escaped as the syntax requires (%, CR, LF, ] and ;).
pub(crate) fn azure_warnings(report: &DriftReport) -> String {
    let esc = |s: &str| {
        s.replace('%', "%AZP25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
            .replace(']', "%5D")
            .replace(';', "%3B")
    };
    let mut out = String::new();
    for d in &report.drifted {
        let what = match d.drift {
            DriftKind::Changed => format!(
                "changed outside snowform: {}",
                d.attributes
                    .iter()
                    .map(|a| format!(
                        "{} expected {} actual {}",
                        a.name,
                        value(&a.expected),
                        value(&a.actual)
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            DriftKind::Deleted => "deleted outside snowform".to_string(),
            DriftKind::Unmanaged => {
                "exists in a managed schema but snowform does not manage it".to_string()
            }
        };
        out.push_str(&format!(
            "##vso[task.logissue type=warning]{}\n",
            esc(&format!("{}: {what}", label(d)))
        ));
    }
    out
}
