//! apply: lock the state, make (or load and check) the plan, refuse what is not allowed,
//! ask, run, record, report.

use crate::apply::recover;
use crate::apply::{apply, ApplyOptions, ApplyReport, RunError, Runner};
use crate::cli::args::ApplyArgs;
use crate::cli::backend::Sink;
use crate::cli::planning::{make_plan, read_live, settle, targets, touched_live};
use crate::cli::session::Session;
use crate::cli::{CliError, Ctx, Exit};
use crate::live::ReadOptions;
use crate::model::Object;
use crate::plan::saved::{staleness, SavedPlan};
use crate::plan::Plan;
use crate::render::{self, Format, PlanView, Redactor};
use crate::state::{LockInfo, State};
use std::io::{BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub fn run(ctx: &Ctx, args: &ApplyArgs) -> Result<Exit, CliError> {
    let config = ctx.load_config()?;
    let targets = targets(&args.targets)?;
    let saved = match &args.plan_file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::new(format!("cannot read the plan {}: {e}", path.display()))
            })?;
            let (file, plan) = SavedPlan::parse(&text)
                .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
            Some((file, plan))
        }
        None => None,
    };
    super::runtime()?.block_on(async {
        // From here on an interrupt (Ctrl-C, SIGTERM, SIGHUP) never kills the command with
        // the lock held: it is counted, and acted on where it is safe.
        let interrupts = Interrupts::listen()?;
        let session = ctx.session(true).await?.expect("required");
        let backend = ctx.backend(Some(&config));
        let lock = LockInfo::new("apply");
        backend.lock(Some(&session), &lock).await?;
        let (result, released) = backend
            .hold(
                Some(&session),
                &lock,
                locked(
                    ctx,
                    args,
                    &config,
                    &session,
                    &backend,
                    &lock,
                    saved,
                    &targets,
                    &interrupts,
                ),
            )
            .await;
        if let Err(e) = released {
            eprintln!(
                "{}",
                ctx.err_style
                    .red(&format!("error: could not release the state lock: {e}"))
            );
        }
        result
    })
}

#[allow(clippy::too_many_arguments)]
async fn locked(
    ctx: &Ctx,
    args: &ApplyArgs,
    config: &crate::config::Config,
    session: &Session,
    backend: &crate::cli::backend::Backend,
    lock: &LockInfo,
    saved: Option<(SavedPlan, Plan)>,
    targets: &[crate::model::Address],
    interrupts: &Interrupts,
) -> Result<Exit, CliError> {
    let mut state = backend
        .load(Some(session))
        .await?
        .unwrap_or_else(|| State::new(&ctx.global.workspace));
    crate::cli::test_panic("apply-locked");
    let resend = recover::ResendGuard {
        allow_destroy: args.allow_destroy,
        protected: config
            .objects
            .iter()
            .filter(|o| o.lifecycle.prevent_destroy)
            .cloned()
            .collect(),
    };
    let plan = match saved {
        Some((file, plan)) => {
            check_fresh(&plan, &state, session, !file.redacted).await?;
            let plan = if file.redacted {
                take_sensitive_values(ctx, config, &state, session, &file).await?
            } else {
                plan
            };
            settle_interrupted(ctx, session, backend, lock, &mut state, &resend).await?;
            plan
        }
        None => {
            settle_interrupted(ctx, session, backend, lock, &mut state, &resend).await?;
            make_plan(ctx, config, &state, Some(session), targets)
                .await?
                .plan
        }
    };
    let view = PlanView::new(&plan, &Redactor::new(config.sensitive.clone()));
    if ctx.global.format == Format::Human {
        super::plan::print_plan(ctx, &view);
    }
    if !plan.has_changes() {
        return finish(
            ctx,
            ApplyReport {
                format_version: "1".into(),
                state_serial: state.serial,
                ..Default::default()
            },
            "Nothing to apply.",
        );
    }
    guard(
        &plan,
        config,
        args.allow_destroy,
        args.allow_rename || args.allow_destroy,
    )?;
    // A saved plan is what was reviewed and approved, as with Terraform's `apply PLANFILE`.
    if !args.auto_approve && args.plan_file.is_none() {
        confirm(interrupts).await?;
    }
    if interrupts.count() > 0 {
        return Err(CliError::new(
            "apply interrupted before it started; nothing was changed",
        ));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_interrupts(interrupts, stop.clone(), session.client.interrupt_handle());
    let runner = Progress {
        client: &session.client,
        style: ctx.err_style,
        bar: crate::cli::progress::Progress::bar(ctx, plan.statements().len() as u64, "statements"),
    };
    let mut sink = Sink::new(backend, Some(session), lock);
    let opts = ApplyOptions {
        parallelism: usize::from(args.parallelism),
        stop: &stop,
    };
    let report = apply(&plan, &mut state, &mut sink, &runner, &opts).await;
    runner.bar.finish();
    watcher.abort();
    // Whatever the apply recorded is in the journal already; folding it into the state
    // file only makes the next read quicker.
    let report = match report {
        Ok(r) => sink.finish(&state).await.map(|()| r),
        Err(e) => Err(e),
    };
    let report = report.map_err(|e| {
        CliError::new(format!(
            "{e}\nThe statements above ran; the state could not record the last of them."
        ))
    })?;
    let summary = format!(
        "Applied {} statement(s), {} failed, {} not run. State serial {}.",
        report.applied.len(),
        report.failed.len(),
        report.pending.len(),
        report.state_serial
    );
    finish(ctx, report, &summary)
}

/// Record what the last apply left running and the account shows done, before planning or
/// running anything, so that nothing runs twice. What the state asks to send again that
/// snowform did not write, or that the guards stop, is refused: apply stops there.
async fn settle_interrupted(
    ctx: &Ctx,
    session: &Session,
    backend: &crate::cli::backend::Backend,
    lock: &LockInfo,
    state: &mut State,
    guard: &recover::ResendGuard,
) -> Result<(), CliError> {
    if state.in_progress.is_empty() {
        return Ok(());
    }
    let mut settled = settle(session, state).await?;
    let runner = Progress {
        client: &session.client,
        style: ctx.err_style,
        // A few statements resent at once: no bar.
        bar: crate::cli::progress::Progress::none(),
    };
    recover::resubmit(state, &mut settled, &runner, guard).await;
    eprintln!(
        "{}",
        ctx.err_style
            .yellow(&format!("warning: {}", recover::summary(&settled)))
    );
    state.bump_serial()?;
    backend.save(Some(session), state, lock).await?;
    let refused: Vec<String> = settled
        .iter()
        .filter_map(|s| match &s.outcome {
            recover::Outcome::Refused(why) => Some(format!(
                "  {} (request id {}): {why}",
                crate::render::redact_global(&crate::render::printable(first_line(
                    &s.entry.statement
                ))),
                crate::render::printable(&s.entry.request_id)
            )),
            _ => None,
        })
        .collect();
    if !refused.is_empty() {
        return Err(CliError::new(format!(
            "refusing to apply: the state ({}) lists statements in progress that were not sent again:\n{}\nNothing else was run. Check in the account whether each took effect. If the state was edited by someone else, restore it from version control or a backup; otherwise forget each entry with `snowform state forget REQUEST_ID` (or run apply with --allow-destroy where that is the reason) and apply again.",
            backend.describe(),
            refused.join("\n")
        )));
    }
    Ok(())
}

fn finish(ctx: &Ctx, report: ApplyReport, summary: &str) -> Result<Exit, CliError> {
    // Statements and Snowflake's messages about them may quote sensitive values.
    let hide = |s: &String| crate::render::redact_global(s);
    let report = ApplyReport {
        applied: report.applied.iter().map(hide).collect(),
        failed: report
            .failed
            .iter()
            .map(|f| crate::apply::Failed {
                statement: hide(&f.statement),
                error: hide(&f.error),
            })
            .collect(),
        pending: report.pending.iter().map(hide).collect(),
        ..report
    };
    match ctx.global.format {
        Format::Json => print!("{}", render::to_json(&report)),
        Format::Markdown => print!("{}", markdown(&report)),
        Format::Human => {
            for f in &report.failed {
                eprintln!(
                    "{}",
                    ctx.err_style.red(&format!(
                        "failed: {}\n  {}",
                        crate::render::printable(first_line(&f.statement)),
                        crate::render::printable(&f.error)
                    ))
                );
            }
            if !report.pending.is_empty() {
                eprintln!(
                    "not run ({}): `snowform plan` shows what is left, and the next apply completes it",
                    report.pending.len()
                );
            }
            eprintln!("{summary}");
        }
    }
    // Statements not run (after a failure or an interrupt) leave the change unfinished.
    Ok(if report.ok() { Exit::Ok } else { Exit::Error })
}

fn markdown(r: &ApplyReport) -> String {
    let mut out = format!(
        "## snowform apply: {} applied, {} failed, {} not run\n\nState serial {}\n\n",
        r.applied.len(),
        r.failed.len(),
        r.pending.len(),
        r.state_serial
    );
    for f in &r.failed {
        out.push_str(&format!(
            "### Failed\n\n```sql\n{}\n```\n\n{}\n\n",
            f.statement, f.error
        ));
    }
    if !r.applied.is_empty() {
        out.push_str(&format!(
            "<details><summary>Applied</summary>\n\n```sql\n{};\n```\n\n</details>\n",
            r.applied.join(";\n")
        ));
    }
    out
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Deletes and replaces only with --allow-destroy; renames of databases, schemas and
/// warehouses only with --allow-rename (or --allow-destroy); prevent_destroy objects never.
/// A saved plan's flags are not trusted alone: a delete or replace is always destructive,
/// and an object the configuration now protects stays protected.
fn guard(
    plan: &Plan,
    config: &crate::config::Config,
    allow_destroy: bool,
    allow_rename: bool,
) -> Result<(), CliError> {
    use crate::diff::Action;
    let protected_now: std::collections::BTreeSet<&crate::model::Address> = config
        .objects
        .iter()
        .filter(|o| o.lifecycle.prevent_destroy)
        .map(|o| &o.address)
        .collect();
    let destructive = |c: &crate::diff::Change| {
        c.destructive || matches!(c.action, Action::Delete | Action::Replace)
    };
    let protected: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| {
            destructive(&c.change)
                && (c.change.prevent_destroy || protected_now.contains(&c.change.address))
        })
        .map(|c| {
            format!(
                "  {} {} ({})",
                c.change.action.as_str(),
                c.change.address,
                c.change.name()
            )
        })
        .collect();
    if !protected.is_empty() {
        return Err(CliError::new(format!(
            "refusing to apply: these changes would destroy objects protected by lifecycle.prevent_destroy:\n{}\nRemove prevent_destroy from their blocks first if you really mean it. Nothing was changed.",
            protected.join("\n")
        )));
    }
    let destructive: Vec<String> = plan
        .changes
        .iter()
        .filter(|c| destructive(&c.change))
        .map(|c| {
            let mut line = format!(
                "  {} {} ({}): {}",
                c.change.action.as_str(),
                c.change.address,
                c.change.name(),
                c.change.reasons.join("; ")
            );
            // A replaced container takes what it holds along, managed or not.
            if let Some(contents) = &c.change.drops_with_it {
                line.push_str("\n    drops with it (everything inside, managed or not):");
                for l in contents.lines() {
                    line.push_str(&format!("\n      - {l}"));
                }
            }
            line
        })
        .collect();
    if !destructive.is_empty() && !allow_destroy {
        return Err(CliError::new(format!(
            "refusing to apply destructive changes without --allow-destroy:\n{}\nNothing was changed.",
            destructive.join("\n")
        )));
    }
    let renames: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| {
            c.change
                .disruption()
                .map(|d| format!("  {} {}: {d}", c.change.action.as_str(), c.change.address))
        })
        .collect();
    if !renames.is_empty() && !allow_rename {
        return Err(CliError::new(format!(
            "refusing to apply renames without --allow-rename (or --allow-destroy):\n{}\nMove what names the old names first, then apply with --allow-rename. Nothing was changed.",
            renames.join("\n")
        )));
    }
    Ok(())
}

async fn confirm(interrupts: &Interrupts) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new("apply asks for confirmation on a terminal, and there is none: pass --auto-approve to apply without asking. Nothing was changed."));
    }
    eprint!("Apply these changes? Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    // Read on a thread of its own, so that an interrupt at the prompt ends the command
    // (and releases the lock) without waiting for a line.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let read = std::io::stdin()
            .lock()
            .read_line(&mut answer)
            .map(|_| answer);
        let _ = tx.send(read);
    });
    tokio::select! {
        answer = rx => {
            let answer = answer.map_err(|_| CliError::new("apply cancelled; nothing was changed"))??;
            if answer.trim() != "yes" {
                return Err(CliError::new("apply cancelled; nothing was changed"));
            }
            Ok(())
        }
        _ = interrupts.wait_for(1) => {
            eprintln!();
            Err(CliError::new("apply interrupted at the prompt; nothing was changed"))
        }
    }
}

/// Interrupts (SIGINT, SIGTERM, SIGHUP) received since the command started.
struct Interrupts {
    count: tokio::sync::watch::Receiver<usize>,
}

impl Interrupts {
    fn listen() -> Result<Interrupts, CliError> {
        let (tx, count) = tokio::sync::watch::channel(0usize);
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let mut int = signal(SignalKind::interrupt())?;
            let mut term = signal(SignalKind::terminate())?;
            let mut hup = signal(SignalKind::hangup())?;
            tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                        _ = hup.recv() => {}
                    }
                    tx.send_modify(|n| *n += 1);
                }
            });
        }
        #[cfg(not(unix))]
        tokio::spawn(async move {
            while tokio::signal::ctrl_c().await.is_ok() {
                tx.send_modify(|n| *n += 1);
            }
        });
        Ok(Interrupts { count })
    }

    fn count(&self) -> usize {
        *self.count.borrow()
    }

    /// Once `n` interrupts came.
    async fn wait_for(&self, n: usize) {
        let mut rx = self.count.clone();
        let _ = rx.wait_for(|c| *c >= n).await;
    }
}

/// A saved plan with sensitive values replaced holds no statement that can run: plan again
/// from the configuration, its variables, the same state and the account, and run that
/// plan if, with the same values hidden, it is the saved one.
async fn take_sensitive_values(
    ctx: &Ctx,
    config: &crate::config::Config,
    state: &State,
    session: &Session,
    file: &SavedPlan,
) -> Result<Plan, CliError> {
    let targets = targets(&file.targets)?;
    let live = file
        .plan
        .pointer("/provenance/refreshed")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let again = make_plan(ctx, config, state, live.then_some(session), &targets)
        .await?
        .plan;
    let hidden = Redactor::new(config.sensitive.clone())
        .json(&serde_json::to_value(&again).expect("a plan serialises"));
    if hidden != file.plan {
        return Err(CliError::new(
            "the saved plan holds sensitive values, which apply takes again from the configuration and its variables, and the plan they give now is not the saved one (the configuration, a variable, the state or the account changed), so it was not applied.\nMake a new plan with `snowform plan --out FILE`, review it, and apply that.",
        ));
    }
    Ok(again)
}

/// A saved plan applies only to the state and account it was made against. With `compare_live`
/// false the account is compared by planning again (see [`take_sensitive_values`]).
async fn check_fresh(
    plan: &Plan,
    state: &State,
    session: &Session,
    compare_live: bool,
) -> Result<(), CliError> {
    let live = if plan.provenance.refreshed && compare_live {
        let objects: Vec<Object> = plan
            .changes
            .iter()
            .flat_map(|c| [c.change.after.clone(), c.change.before.clone()])
            .flatten()
            .collect();
        let refs: Vec<&Object> = objects.iter().collect();
        let read = read_live(session, &refs, &ReadOptions::default()).await?;
        let changes: Vec<crate::diff::Change> =
            plan.changes.iter().map(|c| c.change.clone()).collect();
        Some(touched_live(&changes, &read))
    } else {
        None
    };
    let stale = staleness(plan, state, live.as_ref());
    if stale.is_empty() {
        return Ok(());
    }
    Err(CliError::new(format!(
        "the saved plan is stale, so it was not applied:\n  {}\nMake a new plan with `snowform plan --out FILE`, review it, and apply that.",
        stale.join("\n  ")
    )))
}

/// First interrupt: start nothing new, let running statements finish and task graphs be
/// resumed. Second: cancel what runs.
fn watch_interrupts(
    interrupts: &Interrupts,
    stop: Arc<AtomicBool>,
    handle: crate::snowflake::InterruptHandle,
) -> tokio::task::JoinHandle<()> {
    let interrupts = Interrupts {
        count: interrupts.count.clone(),
    };
    tokio::spawn(async move {
        interrupts.wait_for(1).await;
        eprintln!("\nInterrupted: starting nothing new; running statements finish and suspended task graphs are resumed. Interrupt again to cancel them.");
        stop.store(true, Ordering::SeqCst);
        interrupts.wait_for(2).await;
        eprintln!("\nCancelling running statements.");
        handle.interrupt();
    })
}

/// Runs statements through the client, telling the person at the terminal what happens.
struct Progress<'a> {
    client: &'a crate::snowflake::Client,
    style: crate::render::Style,
    /// The bar on a terminal; each line is printed above it.
    bar: crate::cli::progress::Progress,
}

impl Runner for Progress<'_> {
    async fn run(&self, sql: &str, request_id: &str) -> Result<(), RunError> {
        self.send(sql, request_id, false).await
    }

    async fn rerun(&self, sql: &str, request_id: &str) -> Result<(), RunError> {
        self.send(sql, request_id, true).await
    }
}

impl Progress<'_> {
    async fn send(&self, sql: &str, request_id: &str, again: bool) -> Result<(), RunError> {
        let start = Instant::now();
        let r = if again {
            self.client.rerun(sql, request_id).await
        } else {
            self.client.run(sql, request_id).await
        };
        let took = start.elapsed().as_secs_f64();
        let shown = crate::render::redact_global(&crate::render::printable(first_line(sql)));
        let line = match &r {
            Ok(()) => format!("{} {} ({took:.1}s)", self.style.green("done"), shown),
            Err(_) => format!("{} {} ({took:.1}s)", self.style.red("failed"), shown),
        };
        self.bar.println(&line);
        self.bar.inc();
        r
    }
}
