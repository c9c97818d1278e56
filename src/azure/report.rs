//! A report ready to post: its kind (one thread per kind per pull request), its markdown,
//! whether it needs a reviewer's attention, and where the full text is if it must be cut.

use crate::drift::DriftReport;
use crate::render::{drift, plan_markdown, PlanView};

/// Decides the thread: a plan and a drift report live in separate threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    Plan,
    Drift,
}

impl ReportKind {
    /// The value of the thread's marker property.
    pub fn property_value(self) -> &'static str {
        match self {
            ReportKind::Plan => "plan",
            ReportKind::Drift => "drift",
        }
    }

    /// The marker the rendered markdown starts with.
    pub fn marker(self) -> &'static str {
        match self {
            ReportKind::Plan => plan_markdown::MARKER,
            ReportKind::Drift => drift::MARKER,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub kind: ReportKind,
    pub markdown: String,
    /// True when there are changes (or drift): the thread is left active.
    pub needs_attention: bool,
    /// Said after a cut: where the whole report is.
    pub full_report_note: String,
}

impl Report {
    /// The plan comment, linking back to the run at `build_url`.
    pub fn plan(view: &PlanView, build_url: Option<&str>) -> Report {
        Report {
            kind: ReportKind::Plan,
            markdown: plan_markdown::render(view, &footer(build_url)),
            needs_attention: view.has_changes(),
            full_report_note: note(build_url),
        }
    }

    /// The drift comment, linking back to the run at `build_url`.
    pub fn drift(report: &DriftReport, build_url: Option<&str>) -> Report {
        Report {
            kind: ReportKind::Drift,
            markdown: drift::markdown(report, &footer(build_url)),
            needs_attention: report.has_drift(),
            full_report_note: note(build_url),
        }
    }
}

fn footer(build_url: Option<&str>) -> Vec<String> {
    let version = env!("CARGO_PKG_VERSION");
    vec![match build_url {
        Some(url) => format!("_snowform {version} · [pipeline run]({url})_"),
        None => format!("_snowform {version}_"),
    }]
}

fn note(build_url: Option<&str>) -> String {
    match build_url {
        Some(url) => {
            format!("The full report is attached to [the pipeline run]({url}) as an artifact.")
        }
        None => "The full report is attached to the pipeline run as an artifact.".into(),
    }
}
