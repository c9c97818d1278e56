//! The apply report ([`ApplyReport`], the JSON shape of docs/json.md) for people and pull
//! requests. The command only prints what these return.

use super::{printable, Style};
use crate::apply::{ApplyReport, Failed};

/// The report with what it quotes hidden by `redact` (the run's redactor): statements and
/// Snowflake's messages about them may hold sensitive values.
pub(crate) fn redacted(report: ApplyReport, redact: impl Fn(&str) -> String) -> ApplyReport {
    let hide = |s: &String| redact(s);
    ApplyReport {
        applied: report.applied.iter().map(hide).collect(),
        failed: report
            .failed
            .iter()
            .map(|f| Failed {
                statement: hide(&f.statement),
                error: hide(&f.error),
            })
            .collect(),
        pending: report.pending.iter().map(hide).collect(),
        ..report
    }
}

/// The last line of a run that applied something.
pub fn summary(report: &ApplyReport) -> String {
    format!(
        "Applied {} statement(s), {} failed, {} not run. State serial {}.",
        report.applied.len(),
        report.failed.len(),
        report.pending.len(),
        report.state_serial
    )
}

/// For a terminal (stderr): each failure with its first line and Snowflake's message, what
/// was not run, and `summary`.
pub fn human(report: &ApplyReport, style: Style, summary: &str) -> String {
    let mut out = String::new();
    for f in &report.failed {
        out.push_str(&style.red(&format!(
            "failed: {}\n  {}",
            printable(first_line(&f.statement)),
            printable(&f.error)
        )));
        out.push('\n');
    }
    if !report.pending.is_empty() {
        out.push_str(&format!(
            "not run ({}): `snowform plan` shows what is left, and the next apply completes it\n",
            report.pending.len()
        ));
    }
    out.push_str(summary);
    out.push('\n');
    out
}

/// For a pull request comment.
pub fn markdown(report: &ApplyReport) -> String {
    let mut out = format!(
        "## snowform apply: {} applied, {} failed, {} not run\n\nState serial {}\n\n",
        report.applied.len(),
        report.failed.len(),
        report.pending.len(),
        report.state_serial
    );
    for f in &report.failed {
        out.push_str(&format!(
            "### Failed\n\n```sql\n{}\n```\n\n{}\n\n",
            f.statement, f.error
        ));
    }
    if !report.applied.is_empty() {
        out.push_str(&format!(
            "<details><summary>Applied</summary>\n\n```sql\n{};\n```\n\n</details>\n",
            report.applied.join(";\n")
        ));
    }
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> ApplyReport {
        ApplyReport {
            format_version: "1".into(),
            applied: vec!["CREATE DATABASE D".into(), "CREATE SCHEMA D.S".into()],
            failed: vec![Failed {
                statement: "CREATE STAGE D.S.ST\n  COMMENT = 'x'".into(),
                error: "SQL compilation error".into(),
            }],
            pending: vec!["CREATE MODEL D.S.M".into()],
            state_serial: 7,
        }
    }

    #[test]
    fn a_person_reads_failures_what_was_not_run_and_the_summary() {
        let r = report();
        assert_eq!(
            summary(&r),
            "Applied 2 statement(s), 1 failed, 1 not run. State serial 7."
        );
        assert_eq!(
            human(&r, Style::default(), &summary(&r)),
            "failed: CREATE STAGE D.S.ST\n  SQL compilation error\n\
             not run (1): `snowform plan` shows what is left, and the next apply completes it\n\
             Applied 2 statement(s), 1 failed, 1 not run. State serial 7.\n"
        );
        let clean = ApplyReport {
            failed: vec![],
            pending: vec![],
            ..r
        };
        assert_eq!(
            human(&clean, Style::default(), "Nothing to apply."),
            "Nothing to apply.\n"
        );
    }

    #[test]
    fn a_pull_request_reads_the_counts_failures_and_what_ran() {
        assert_eq!(
            markdown(&report()),
            "## snowform apply: 2 applied, 1 failed, 1 not run\n\nState serial 7\n\n\
             ### Failed\n\n```sql\nCREATE STAGE D.S.ST\n  COMMENT = 'x'\n```\n\nSQL compilation error\n\n\
             <details><summary>Applied</summary>\n\n```sql\nCREATE DATABASE D;\nCREATE SCHEMA D.S;\n```\n\n</details>\n"
        );
    }

    #[test]
    fn control_characters_in_a_failure_are_not_printed_raw() {
        let mut r = report();
        r.failed[0].error = "bad\u{1b}[2J".into();
        assert!(!human(&r, Style::default(), "").contains('\u{1b}'));
    }
}
