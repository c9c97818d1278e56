//! Progress on a terminal for plans and applies that take more than a moment: a spinner
//! with the number of metadata queries while the account is read, a bar with counts while
//! statements run. Nothing at all is drawn when stderr is not a terminal, in automation
//! (`TF_IN_AUTOMATION`, `CI`, `TF_BUILD`, as Terraform and the pipelines set them) or with
//! `--format json`: logs and machine-read output never hold progress bytes.

use super::io::Output;
use super::Ctx;
use crate::render::Format;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::{Duration, Instant};

/// How long an operation runs before its progress is drawn: short ones stay silent.
const SHOW_AFTER: Duration = Duration::from_millis(400);

/// Variables whose presence (non-empty) means an unattended run.
const AUTOMATION: [&str; 3] = ["TF_IN_AUTOMATION", "CI", "TF_BUILD"];

/// Whether progress may be drawn: a terminal on stderr, no automation, not JSON.
pub fn allowed(
    stderr_is_terminal: bool,
    format: Format,
    env: impl Fn(&str) -> Option<String>,
) -> bool {
    stderr_is_terminal
        && format != Format::Json
        && !AUTOMATION
            .iter()
            .any(|v| env(v).is_some_and(|value| !value.trim().is_empty()))
}

/// A progress indicator, or nothing when progress is not allowed.
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    /// Where lines go when no bar is drawn.
    stderr: Output,
    started: Instant,
}

impl Progress {
    fn new(ctx: &Ctx, make: impl FnOnce() -> ProgressBar) -> Progress {
        // A bar is drawn on the process's own stderr, which is the run's only when the
        // run's is a terminal.
        let on = allowed(ctx.stderr.is_terminal(), ctx.global.format, |k| {
            ctx.env.var(k).map(str::to_string)
        });
        Progress {
            // Hidden until SHOW_AFTER has passed.
            bar: on.then(|| {
                let bar = make();
                bar.set_draw_target(ProgressDrawTarget::hidden());
                bar
            }),
            stderr: ctx.stderr.clone(),
            started: Instant::now(),
        }
    }

    /// No progress at all.
    pub fn none(ctx: &Ctx) -> Progress {
        Progress {
            bar: None,
            stderr: ctx.stderr.clone(),
            started: Instant::now(),
        }
    }

    /// A bar of `total` steps: "[=====>   ] 3/10 statements".
    pub fn bar(ctx: &Ctx, total: u64, unit: &'static str) -> Progress {
        Progress::new(ctx, || {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{bar:30}} {{pos}}/{{len}} {unit} ({{elapsed}})"
                ))
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar
        })
    }

    /// A spinner counting steps of unknown number: "⠁ reading the account: 12 queries".
    pub fn counter(ctx: &Ctx, what: &'static str, unit: &'static str) -> Progress {
        Progress::new(ctx, || {
            let bar = ProgressBar::no_length();
            bar.set_style(
                ProgressStyle::with_template(&format!("{{spinner}} {what}: {{pos}} {unit}"))
                    .expect("a valid template"),
            );
            bar
        })
    }

    /// One step done.
    pub(crate) fn inc(&self) {
        if let Some(bar) = &self.bar {
            if bar.is_hidden() && self.started.elapsed() >= SHOW_AFTER {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            if bar.length().is_some_and(|len| bar.position() >= len) {
                // A statement resent after an unknown outcome counts again.
                bar.inc_length(1);
            }
            bar.inc(1);
        }
    }

    /// A line on stderr, above the bar when there is one (so that neither tears the other).
    pub fn println(&self, line: &str) {
        match &self.bar {
            Some(bar) if !bar.is_hidden() => bar.println(line),
            _ => println_to!(self.stderr, "{line}"),
        }
    }

    /// Remove the bar; what was printed above it stays.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The account read through `client`, counting its queries on `progress`.
pub(crate) struct Counted<'a, E> {
    pub client: &'a E,
    pub progress: &'a Progress,
}

impl<E: crate::live::Executor> crate::live::Executor for Counted<'_, E> {
    async fn show(&self, sql: &str) -> Result<crate::live::ShowRows, crate::live::ExecError> {
        let r = crate::live::Executor::show(self.client, sql).await;
        self.progress.inc();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn progress_only_on_an_unattended_free_terminal_and_never_with_json() {
        assert!(allowed(true, Format::Human, env(&[])));
        assert!(allowed(true, Format::Markdown, env(&[("CI", "")])));
        assert!(!allowed(false, Format::Human, env(&[])));
        assert!(!allowed(true, Format::Json, env(&[])));
        for var in ["TF_IN_AUTOMATION", "CI", "TF_BUILD"] {
            assert!(!allowed(true, Format::Human, env(&[(var, "1")])), "{var}");
        }
    }
}
