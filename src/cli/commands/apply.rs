//! apply: lock the state, make (or load and check) the plan, refuse what is not allowed,
//! ask, run, record, report.

use crate::apply::policy::DestroyPolicy;
use crate::apply::recover;
use crate::apply::{apply, ApplyOptions, ApplyReport, RunError, Runner};
use crate::cli::args::ApplyArgs;
use crate::cli::backend::Sink;
use crate::cli::planning::{make_plan, read_live, settle, targets, targets_named, touched_live};
use crate::cli::session::Session;
use crate::cli::{CliError, Ctx, Exit};
use crate::live::ReadOptions;
use crate::model::Object;
use crate::plan::saved::{staleness, SavedPlan};
use crate::plan::Plan;
use crate::render::{self, Format, PlanView, Redactor};
use crate::state::{LockInfo, State};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub fn run(ctx: &Ctx, args: &ApplyArgs) -> Result<Exit, CliError> {
    let config = ctx.load_config()?;
    let targets = targets(&args.targets)?;
    let replace = targets_named("--replace", &args.replace)?;
    let saved = match &args.plan_file {
        Some(_) if !replace.is_empty() => {
            return Err(CliError::new(
                "--replace is for making a plan, and a saved plan is applied as it was made: make the plan with `snowform plan --replace ADDRESS --out FILE`, then apply that file. Nothing was changed.",
            ));
        }
        Some(path) => {
            let path = &ctx.resolve(path);
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::new(format!("cannot read the plan {}: {e}", path.display()))
            })?;
            let (file, plan) = SavedPlan::parse(&text)
                .map_err(|e| CliError::new(format!("{}: {e}", path.display())))?;
            Some((file, plan))
        }
        None => None,
    };
    super::runtime(ctx)?.block_on(async {
        // From here on an interrupt (Ctrl-C, SIGTERM, SIGHUP) never kills the command with
        // the lock held: it is counted, and acted on where it is safe.
        let interrupts = Interrupts::listen(ctx.signals)?;
        let session = ctx.session(true).await?.expect("required");
        let backend = ctx.backend(Some(&config));
        let lock = ctx.lock_info("apply");
        backend
            .lock_within(Some(&session), &lock, args.lock_timeout.into())
            .await?;
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
                    &replace,
                    &interrupts,
                ),
                &ctx.stderr,
            )
            .await;
        if let Err(e) = released {
            println_to!(
                ctx.stderr,
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
    replace: &[crate::model::Address],
    interrupts: &Interrupts,
) -> Result<Exit, CliError> {
    let mut state = backend
        .load(Some(session), &ctx.stderr)
        .await?
        .unwrap_or_else(|| State::new(&ctx.global.workspace));
    crate::cli::test_panic(ctx, "apply-locked");
    let policy = DestroyPolicy::new(&config.objects, args.allow_destroy, args.allow_rename)
        .with_removals(&config.refactors.removals);
    let resend = policy.resend_guard();
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
            make_plan(ctx, config, &state, Some(session), targets, replace)
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
    policy
        .check(&plan)
        .map_err(|e| CliError::new(e.to_string()))?;
    // A saved plan is what was reviewed and approved, as with Terraform's `apply PLANFILE`.
    if !args.auto_approve && args.plan_file.is_none() {
        confirm(ctx, interrupts).await?;
    }
    if interrupts.count() > 0 {
        return Err(CliError::new(
            "apply interrupted before it started; nothing was changed",
        ));
    }
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = watch_interrupts(
        ctx,
        interrupts,
        stop.clone(),
        session.client.interrupt_handle(),
    );
    let runner = Progress {
        client: &session.client,
        style: ctx.err_style,
        redactor: ctx.redactor.clone(),
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
    let summary = render::apply_report::summary(&report);
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
        redactor: ctx.redactor.clone(),
        // A few statements resent at once: no bar.
        bar: crate::cli::progress::Progress::none(ctx),
    };
    recover::resubmit(state, &mut settled, &runner, guard).await;
    println_to!(
        ctx.stderr,
        "{}",
        ctx.err_style
            .yellow(&format!("warning: {}", recover::summary(&settled)))
    );
    let mut sink = Sink::new(backend, Some(session), lock);
    crate::apply::commit(state, &mut sink).await?;
    let refused: Vec<String> = settled
        .iter()
        .filter_map(|s| match &s.outcome {
            recover::Outcome::Refused(why) => Some(format!(
                "  {} (request id {}): {why}",
                ctx.redact(&crate::render::printable(first_line(&s.entry.statement))),
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
    let report = render::apply_report::redacted(report, |s| ctx.redact(s));
    match ctx.global.format {
        Format::Json => print_to!(ctx.stdout, "{}", render::to_json(&report)),
        Format::Markdown => print_to!(ctx.stdout, "{}", render::apply_report::markdown(&report)),
        Format::Human => print_to!(
            ctx.stderr,
            "{}",
            render::apply_report::human(&report, ctx.err_style, summary)
        ),
    }
    // Statements not run (after a failure or an interrupt) leave the change unfinished.
    Ok(if report.ok() { Exit::Ok } else { Exit::Error })
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

async fn confirm(ctx: &Ctx, interrupts: &Interrupts) -> Result<(), CliError> {
    if !ctx.stdin.is_terminal() {
        return Err(CliError::new("apply asks for confirmation on a terminal, and there is none: pass --auto-approve to apply without asking. Nothing was changed."));
    }
    print_to!(ctx.stderr, "Apply these changes? Only 'yes' is accepted: ");
    // Read on a thread of its own, so that an interrupt at the prompt ends the command
    // (and releases the lock) without waiting for a line.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let stdin = ctx.stdin.clone();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let read = stdin.read_line(&mut answer).map(|_| answer);
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
            println_to!(ctx.stderr);
            Err(CliError::new("apply interrupted at the prompt; nothing was changed"))
        }
    }
}

/// Interrupts (SIGINT, SIGTERM, SIGHUP) received since the command started.
#[derive(Clone)]
struct Interrupts {
    count: tokio::sync::watch::Receiver<usize>,
    /// Without signal handling (a run sharing its process), the sender no signal uses:
    /// kept, so that waiting for an interrupt waits for ever.
    _never: Option<Arc<tokio::sync::watch::Sender<usize>>>,
}

impl Interrupts {
    fn listen(signals: bool) -> Result<Interrupts, CliError> {
        let (tx, count) = tokio::sync::watch::channel(0usize);
        if !signals {
            return Ok(Interrupts {
                count,
                _never: Some(Arc::new(tx)),
            });
        }
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
        Ok(Interrupts {
            count,
            _never: None,
        })
    }

    fn count(&self) -> usize {
        *self.count.borrow()
    }

    /// Once `count` interrupts came.
    async fn wait_for(&self, count: usize) {
        let mut rx = self.count.clone();
        let _ = rx.wait_for(|c| *c >= count).await;
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
    let replace = targets_named("--replace", &file.replace)?;
    let live = file
        .plan
        .pointer("/provenance/refreshed")
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let again = make_plan(
        ctx,
        config,
        state,
        live.then_some(session),
        &targets,
        &replace,
    )
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
    ctx: &Ctx,
    interrupts: &Interrupts,
    stop: Arc<AtomicBool>,
    handle: crate::snowflake::InterruptHandle,
) -> tokio::task::JoinHandle<()> {
    let interrupts = interrupts.clone();
    let ctx = ctx.clone();
    tokio::spawn(async move {
        interrupts.wait_for(1).await;
        println_to!(ctx.stderr, "\nInterrupted: starting nothing new; running statements finish and suspended task graphs are resumed. Interrupt again to cancel them.");
        stop.store(true, Ordering::SeqCst);
        interrupts.wait_for(2).await;
        println_to!(ctx.stderr, "\nCancelling running statements.");
        handle.interrupt();
    })
}

/// Runs statements through the client, telling the person at the terminal what happens.
struct Progress<'a> {
    client: &'a crate::snowflake::Client,
    style: crate::render::Style,
    redactor: crate::render::RedactorCell,
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
        let shown = self
            .redactor
            .apply(&crate::render::printable(first_line(sql)));
        let line = match &r {
            Ok(()) => format!("{} {} ({took:.1}s)", self.style.green("done"), shown),
            Err(_) => format!("{} {} ({took:.1}s)", self.style.red("failed"), shown),
        };
        self.bar.println(&line);
        self.bar.inc();
        r
    }
}
