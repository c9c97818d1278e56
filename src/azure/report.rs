//! A report ready to post: its kind and scope (one thread per kind, workspace and
//! configuration directory per pull request), its markdown, whether it needs a reviewer's
//! attention, and where the full text is if it must be cut.

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
    pub(crate) fn property_value(self) -> &'static str {
        match self {
            ReportKind::Plan => "plan",
            ReportKind::Drift => "drift",
        }
    }

    /// The marker the rendered markdown starts with.
    pub(crate) fn marker(self) -> &'static str {
        match self {
            ReportKind::Plan => plan_markdown::MARKER,
            ReportKind::Drift => drift::MARKER,
        }
    }
}

/// Which environment a report is about: a pull request that changes several environments
/// gets one thread for each, so that the plan of one never replaces the plan of another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    pub workspace: String,
    /// The configuration directory as the pipeline names it (relative to the repository).
    pub dir: String,
}

impl Environment {
    /// The value of the thread's scope property, and of the hidden line in the comment.
    pub fn key(&self) -> String {
        format!("workspace={} dir={}", self.workspace, self.dir)
    }

    /// The hidden line that repeats the scope in the comment, for a thread whose
    /// properties were lost.
    pub(crate) fn comment_marker(&self) -> String {
        format!(
            "<!-- snowform:scope {} -->",
            self.key().replace("--", "- -")
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub kind: ReportKind,
    /// None: a report of an unnamed environment (the thread without a scope property).
    pub scope: Option<Environment>,
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
            scope: None,
            markdown: plan_markdown::render(view, &footer(build_url)),
            needs_attention: view.has_changes(),
            full_report_note: note(build_url),
        }
    }

    /// The drift comment, linking back to the run at `build_url`.
    pub fn drift(report: &DriftReport, build_url: Option<&str>) -> Report {
        Report {
            kind: ReportKind::Drift,
            scope: None,
            markdown: drift::markdown(report, &footer(build_url)),
            needs_attention: report.has_drift(),
            full_report_note: note(build_url),
        }
    }
}

impl Report {
    /// The plan thread's comment when the plan could not be made (the configuration has
    /// errors, the account cannot be reached): the reviewer sees the error where the plan
    /// would be, instead of an older plan that looks current.
    pub fn plan_failed(error: &str, build_url: Option<&str>) -> Report {
        let mut markdown = format!(
            "{}\n## :x: snowform plan failed\n\n",
            ReportKind::Plan.marker()
        );
        markdown.push_str(
            "The plan could not be made, so there is nothing to review for this environment \
             yet. The error:\n\n",
        );
        // A fence longer than any run of backticks in the text, so that it cannot end early.
        let longest = error.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        markdown.push_str(&format!("{fence}text\n{}\n{fence}\n\n", error.trim_end()));
        for line in footer(build_url) {
            markdown.push_str(&line);
            markdown.push('\n');
        }
        Report {
            kind: ReportKind::Plan,
            scope: None,
            markdown,
            needs_attention: true,
            full_report_note: note(build_url),
        }
    }

    /// This report for one workspace and configuration directory: its own thread, and a
    /// line under the marker saying which environment it is about.
    pub fn scoped(mut self, scope: Environment) -> Report {
        let body = self
            .markdown
            .strip_prefix(self.kind.marker())
            .map(|rest| rest.trim_start_matches('\n').to_string());
        if let Some(rest) = body {
            self.markdown = format!(
                "{}\n{}\n**`{}`** · workspace `{}`\n\n{rest}",
                self.kind.marker(),
                scope.comment_marker(),
                scope.dir.replace('`', "'"),
                scope.workspace.replace('`', "'"),
            );
        }
        self.scope = Some(scope);
        self
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
