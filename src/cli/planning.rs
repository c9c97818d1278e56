//! Making a plan, as `plan` and `apply` both do: read the account (or not), diff against
//! the state, order the changes, and remember what the account looked like.

use super::backend::Backend;
use super::io::Held;
use super::session::Session;
use super::{CliError, Ctx};
use crate::apply::recover::{self, Settled};
use crate::config::Config;
use crate::diff::{Change, DiffInput};
use crate::live::{self, LiveRead, ReadOptions};
use crate::model::{Address, Object};
use crate::plan::{self, Plan};
use crate::state::State;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// Read from the account everything `objects` name.
pub(crate) async fn read_live(
    session: &Session,
    objects: &[&Object],
    opts: &ReadOptions,
) -> Result<LiveRead, CliError> {
    live::read(&session.client, objects, opts)
        .await
        .map_err(|e| CliError::new(e.to_string()))
}

/// What the account has for each change's object (by its desired name, else its recorded
/// one), as raw live objects: a saved plan compares these before it is applied.
pub(crate) fn touched_live(
    changes: &[Change],
    read: &LiveRead,
) -> BTreeMap<Address, Option<Object>> {
    changes
        .iter()
        .map(|c| {
            let found = [c.after.as_ref(), c.before.as_ref()]
                .into_iter()
                .flatten()
                .find_map(|o| read.picture.get(&(o.kind(), o.name.clone())).cloned());
            (c.address.clone(), found)
        })
        .collect()
}

pub struct Made {
    pub plan: Plan,
}

/// What a plan is asked for beyond the configuration.
pub(crate) struct PlanRequest<'a> {
    /// `--target`: only these objects (and what they need).
    pub targets: &'a [Address],
    /// `--replace`: these objects replaced whatever changed.
    pub replace: &'a [Address],
    /// Whether each step says what it records in the state: apply and a saved plan need
    /// it; a plan that is only shown does not.
    pub effects: bool,
}

/// Settle the statements the last apply left running (see `apply::recover`): read what they
/// touch and record those the account shows took effect. Changes `state` in memory only.
pub async fn settle(session: &Session, state: &mut State) -> Result<Vec<Settled>, CliError> {
    if state.in_progress.is_empty() {
        return Ok(Vec::new());
    }
    let objects = recover::objects_to_read(state);
    let refs: Vec<&Object> = objects.iter().collect();
    let read = read_live(session, &refs, &ReadOptions::default()).await?;
    Ok(recover::settle(state, &read.picture))
}

pub(crate) async fn make_plan(
    ctx: &Ctx,
    config: &Config,
    stored: &State,
    session: Option<&Session>,
    targets: &[Address],
    replace: &[Address],
) -> Result<Made, CliError> {
    let request = PlanRequest {
        targets,
        replace,
        effects: true,
    };
    match try_plan(ctx, config, stored, session, &request, None).await? {
        Ok(made) => Ok(made),
        Err(diags) => Err(refused(ctx, &diags)),
    }
}

/// Print why the plan cannot be made.
fn refused(ctx: &Ctx, diags: &crate::diag::Diagnostics) -> CliError {
    for d in diags.iter() {
        println_to!(ctx.stderr, "{}", ctx.paint_diag(d));
    }
    CliError::new("the plan cannot be made; nothing was changed")
}

/// How often a plan looks whether the apply it waits for has released the state lock.
const LOCK_POLL: Duration = Duration::from_millis(200);

/// A plan from a state consistent with the account, for `plan`, which does not lock the
/// state. An apply running meanwhile records each statement as it goes: a plan that read
/// the state, then the account, saw objects the apply had just made as not managed ("X
/// already exists") or half a change. So a plan waits while an apply holds the lock (up to
/// `wait`), reads the state, the account, and the state again, and plans again, after
/// waiting, when the state moved in between. It says which on stderr. The first round
/// starts from `ahead` when the state was read, and the account asked, while the
/// configuration loaded.
pub(crate) async fn plan_consistently(
    ctx: &Ctx,
    config: &Config,
    session: Option<&Session>,
    request: &PlanRequest<'_>,
    (wait, deadline): (Duration, Instant),
    mut ahead: Option<Ahead>,
) -> Result<Made, CliError> {
    let backend = &ctx.backend(Some(config));
    loop {
        let Ahead {
            waited,
            bytes,
            loaded,
            read,
        } = match ahead.take() {
            Some(read) => read,
            None => Ahead::read_state(ctx, backend, session, deadline).await?,
        };
        let had_state = loaded.is_some();
        let stored = loaded.unwrap_or_else(|| State::new(&ctx.global.workspace));
        let outcome = try_plan(ctx, config, &stored, session, request, read).await?;
        // Without a connection the plan reads nothing else: the state alone is consistent.
        // (Any write changes the state: a statement entered, recorded or settled.) A local
        // state whose bytes are those read before the load has not moved: it is not parsed
        // again (a tenth of a refreshing plan's CPU at 10,000 objects).
        let moved = session.is_some()
            && (bytes.is_none() || backend.local_bytes() != bytes)
            && backend.load_quietly(session).await?.as_ref() != had_state.then_some(&stored);
        if !moved {
            if !had_state {
                // Say it: a plan of all creates (or, offline, of nothing) reads otherwise
                // as if the workspace were known.
                println_to!(
                    ctx.stderr,
                    "{}",
                    ctx.err_style.yellow(&format!(
                        "warning: no state for workspace {:?} in {}: nothing was applied from it yet, so every object is planned as new{}",
                        ctx.global.workspace,
                        backend.describe(),
                        if session.is_none() { " (and without a connection, nothing in the account is seen)" } else { "" }
                    ))
                );
            }
            if waited {
                println_to!(
                    ctx.stderr,
                    "{}",
                    ctx.err_style
                        .dim("Planned once the running apply had released the state lock.")
                );
            }
            return match outcome {
                Ok(made) => Ok(made),
                Err(diags) => Err(refused(ctx, &diags)),
            };
        }
        if Instant::now() >= deadline {
            return Err(CliError::new(format!(
                "the state ({}) kept changing while this plan read the account (an apply is running): no consistent plan after waiting {}; plan again once it is done",
                backend.describe(),
                humantime::format_duration(wait)
            )));
        }
        println_to!(
            ctx.stderr,
            "{}",
            ctx.err_style.yellow(
                "note: the state changed while this plan read the account (an apply is running); planning again once it is done"
            )
        );
        // Give the writer time to take (or show) its lock before looking again.
        tokio::time::sleep(LOCK_POLL).await;
    }
}

/// What a plan reads before it compares: the state (once no apply holds its lock), and
/// what the account answered for the state's objects. Read ahead, while the configuration
/// is still being evaluated, when the state's place is known before it is.
pub(crate) struct Ahead {
    waited: bool,
    bytes: Option<crate::state::StateBytes>,
    loaded: Option<State>,
    read: Option<ReadAhead>,
}

/// What the account answered for the state's objects, and those objects.
pub(crate) struct ReadAhead {
    answers: live::Answers,
    recorded: BTreeMap<Address, Object>,
}

impl Ahead {
    /// The state, read once no apply holds its lock (or `deadline` passed).
    async fn read_state(
        ctx: &Ctx,
        backend: &Backend,
        session: Option<&Session>,
        deadline: Instant,
    ) -> Result<Ahead, CliError> {
        let waited = wait_for_lock(ctx, backend, session, deadline).await?;
        let bytes = backend.local_bytes();
        let loaded = backend.load(session, &ctx.stderr).await?;
        Ok(Ahead {
            waited,
            bytes,
            loaded,
            read: None,
        })
    }

    /// The state, and the account's answers to the queries that read its objects, counted
    /// on `progress`.
    async fn read(
        ctx: &Ctx,
        backend: &Backend,
        session: Option<&Session>,
        deadline: Instant,
        progress: &super::progress::Progress,
    ) -> Result<Ahead, CliError> {
        let mut ahead = Ahead::read_state(ctx, backend, session, deadline).await?;
        let Some(session) = session else {
            return Ok(ahead);
        };
        let recorded = ahead
            .loaded
            .as_ref()
            .map(State::objects)
            .unwrap_or_default();
        let wanted: Vec<&Object> = recorded.values().collect();
        let counted = super::progress::Counted {
            client: &session.client,
            progress,
        };
        let answers = live::Answers::gather(&counted, &wanted, &ReadOptions::default()).await;
        ahead.read = Some(ReadAhead { answers, recorded });
        Ok(ahead)
    }
}

/// What `plan` starts from: the configuration, the connection, and what was read while
/// the configuration was loaded.
pub(crate) struct Loaded {
    pub config: Config,
    pub session: Option<Session>,
    pub ahead: Option<Ahead>,
}

/// Load the configuration on a thread of its own and meanwhile open the connection (when
/// `connect`), read the state and ask the account about the state's objects: evaluating a
/// large configuration and the account's round trips overlap.
pub(crate) fn load_reading_ahead(
    ctx: &Ctx,
    runtime: &tokio::runtime::Runtime,
    connect: bool,
    deadline: Instant,
) -> Result<Loaded, CliError> {
    // Drawn on the run's stderr, as the account is read while the configuration loads.
    let progress = if connect {
        super::progress::Progress::counter(ctx, "Reading the account", "queries")
    } else {
        super::progress::Progress::none(ctx)
    };
    let (config, (session, ahead)) =
        load_alongside(ctx, runtime, &progress, async |quiet, known| {
            let session = if connect {
                quiet.session(false).await?
            } else {
                None
            };
            let ahead = match known.get().await {
                Some(b) => {
                    let backend = quiet.backend_of(Some(&b));
                    Some(Ahead::read(quiet, &backend, session.as_ref(), deadline, &progress).await)
                }
                None => None,
            };
            Ok((session, ahead))
        })?;
    Ok(Loaded {
        config,
        session,
        ahead: ahead.transpose()?,
    })
}

/// Where the state is kept, once the configuration being loaded says so.
pub(crate) struct BackendKnown(tokio::sync::oneshot::Receiver<crate::config::Backend>);

impl BackendKnown {
    /// None when the files had errors before it was known: the configuration fails.
    pub(crate) async fn get(self) -> Option<crate::config::Backend> {
        self.0.await.ok()
    }
}

/// Load the configuration on a thread of its own while `work` runs (on a context whose
/// messages wait), given where the state is kept as soon as that is known. What `work`
/// prints comes after the configuration's diagnostics (above `progress`), and a
/// configuration with errors is reported as such, whatever `work` met.
pub(crate) fn load_alongside<T>(
    ctx: &Ctx,
    runtime: &tokio::runtime::Runtime,
    progress: &super::progress::Progress,
    work: impl AsyncFnOnce(&Ctx, BackendKnown) -> Result<T, CliError>,
) -> Result<(Config, T), CliError> {
    let (stderr, held) = Held::new(ctx.stderr.is_terminal());
    let mut quiet = ctx.clone();
    quiet.stderr = stderr;
    let (backend_tx, backend_rx) = tokio::sync::oneshot::channel::<crate::config::Backend>();
    let (config_tx, mut config_rx) = tokio::sync::oneshot::channel();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let loaded = tracing::dispatcher::with_default(&ctx.logs, || {
                crate::config::load_announcing(&ctx.global.dir, &ctx.load_options(), |b| {
                    let _ = backend_tx.send(b.clone());
                })
            });
            let _ = config_tx.send(loaded);
        });
        runtime.block_on(async {
            let work = work(&quiet, BackendKnown(backend_rx));
            tokio::pin!(work);
            let mut early = None;
            let loaded = tokio::select! {
                loaded = &mut config_rx => loaded,
                done = &mut work => {
                    early = Some(done);
                    config_rx.await
                }
            };
            let loaded = loaded.expect("the configuration's loader answers");
            // Above the progress line, which stays while the account is read.
            let config = ctx.report_config_with(loaded, |line| progress.println(line))?;
            held.release(|line| progress.println(line), &ctx.stderr);
            let done = match early {
                Some(done) => done,
                None => work.await,
            }?;
            progress.finish();
            Ok((config, done))
        })
    })
}

/// Wait while a process that still runs holds the state lock, until `deadline`. A stale
/// lock (its process is gone) is not waited for. True when it waited.
async fn wait_for_lock(
    ctx: &Ctx,
    backend: &Backend,
    session: Option<&Session>,
    deadline: Instant,
) -> Result<bool, CliError> {
    let mut said = false;
    loop {
        let held = match backend {
            // The state table needs a connection to be read at all.
            Backend::Snowflake(_) if session.is_none() => None,
            // A lock that cannot be read (no state table yet, say) is none to wait for; a
            // real problem reading the state is reported by the load that follows.
            _ => backend.lock_info(session).await.unwrap_or(None),
        };
        // Not waited for: a holder gone from this host, or a lock file that cannot be read
        // as a lock (pid 0: no process wrote it whole, so none will release it).
        let Some(info) = held.filter(|i| !i.is_stale() && i.pid != 0) else {
            return Ok(said);
        };
        if Instant::now() >= deadline {
            println_to!(
                ctx.stderr,
                "{}",
                ctx.err_style.yellow(&format!(
                    "warning: the state is still locked by {} (pid {}, {} since {}); planning anyway",
                    info.holder, info.pid, info.operation, info.time
                ))
            );
            return Ok(said);
        }
        if !said {
            println_to!(
                ctx.stderr,
                "{}",
                ctx.err_style.dim(&format!(
                    "Waiting for {} by {} (pid {}, since {}) to release the state lock, so that the plan reads a state consistent with the account...",
                    info.operation, info.holder, info.pid, info.time
                ))
            );
            said = true;
        }
        tokio::time::sleep(LOCK_POLL).await;
    }
}

/// A plan, or the problems that stop it (not printed: a plan made again may not have them).
async fn try_plan(
    ctx: &Ctx,
    config: &Config,
    stored: &State,
    session: Option<&Session>,
    request: &PlanRequest<'_>,
    ahead: Option<ReadAhead>,
) -> Result<Result<Made, crate::diag::Diagnostics>, CliError> {
    // Plan against the state as it is once what the last apply left running is settled.
    // The provenance names the stored state: `apply FILE` checks it, then settles alike.
    let settled_state;
    let state = match session.filter(|_| !stored.in_progress.is_empty()) {
        Some(s) => {
            let mut copy = stored.clone();
            let settled = settle(s, &mut copy).await?;
            println_to!(
                ctx.stderr,
                "{}",
                ctx.err_style
                    .yellow(&format!("warning: {}", recover::summary(&settled)))
            );
            settled_state = copy;
            &settled_state
        }
        None => stored,
    };
    // The state's objects as read ahead, unless settling changed the state since.
    let (answers, recorded) = match ahead {
        Some(r) if stored.in_progress.is_empty() => (r.answers, r.recorded),
        Some(r) => (r.answers, state.objects()),
        None => (live::Answers::default(), state.objects()),
    };
    let progress =
        session.map(|_| super::progress::Progress::counter(ctx, "Reading the account", "queries"));
    // The data blocks' objects are read with the rest (one SHOW per kind per scope, counted
    // with the other metadata queries), never changed.
    let data_probes: Vec<Object> = config
        .data
        .iter()
        .map(|d| Object::new(Address::new(d.kind, "data"), d.name.clone()))
        .collect();
    let live = match (session, &progress) {
        (Some(s), Some(progress)) => {
            let wanted: Vec<&Object> = config
                .objects
                .iter()
                .chain(recorded.values())
                .chain(data_probes.iter())
                .collect();
            let counted = super::progress::Counted {
                client: &answers.answering(&s.client),
                progress,
            };
            let read = live::read(&counted, &wanted, &ReadOptions::default())
                .await
                .map_err(|e| CliError::new(e.to_string()));
            if read.is_err() {
                progress.finish();
            }
            let mut read = read?;
            read.queries += answers.unused();
            Some(read)
        }
        _ => None,
    };
    // A data block names an object that must exist: a plan without it is an error.
    if let Some(read) = &live {
        let mut missing = crate::diag::Diagnostics::new();
        for d in &config.data {
            if !read.picture.contains_key(&(d.kind, d.name.clone())) {
                missing.push(
                    crate::diag::Diagnostic::error(format!(
                        "{}: {} {} does not exist in the account",
                        d.address,
                        d.kind.noun(),
                        d.name
                    ))
                    .with_detail("or the role of this connection cannot see it (SHOW lists only objects the role has a privilege on); a data block reads an object managed elsewhere, and snowform never creates it")
                    .at(Some(d.span.clone())),
                );
            }
        }
        if !missing.is_empty() {
            if let Some(p) = &progress {
                p.finish();
            }
            return Ok(Err(missing));
        }
    } else if !config.data.is_empty() {
        println_to!(
            ctx.stderr,
            "{}",
            ctx.err_style.yellow(&format!(
                "warning: planned without a connection, so the {} data block(s) were not checked against the account",
                config.data.len()
            ))
        );
    }
    let requests = crate::diff::Requests {
        replace: request.replace.to_vec(),
        moves: config.refactors.moves.clone(),
        imports: config.refactors.imports.clone(),
        removals: config.refactors.removals.clone(),
    };
    let mut changes = match crate::diff::diff_requested(
        &DiffInput {
            desired: &config.objects,
            recorded: &recorded,
            live: live.as_ref().map(|l| &l.picture),
        },
        &requests,
    ) {
        Ok(c) => c,
        Err(diags) => {
            if let Some(p) = &progress {
                p.finish();
            }
            return Ok(Err(diags));
        }
    };
    // A replaced database or schema takes everything in it along: list it, managed or not.
    let containers = crate::diff::replaced_containers(&changes);
    let mut content_queries = 0;
    match (session, &progress, &live) {
        (Some(s), Some(progress), Some(read)) => {
            let counted = super::progress::Counted {
                client: &s.client,
                progress,
            };
            let listed = if containers.is_empty() {
                live::ContentsRead::default()
            } else {
                live::read_contents(
                    &counted,
                    read,
                    &containers,
                    ReadOptions::default().concurrency,
                )
                .await
            };
            progress.finish();
            content_queries = listed.queries;
            crate::diff::attach_contents(&mut changes, Some(&listed.found), &recorded);
        }
        _ => crate::diff::attach_contents(&mut changes, None, &recorded),
    }
    check_targets(&changes, request.targets)?;
    let changes = plan::filter_targets(changes, request.targets);
    let touched = live.as_ref().map(|l| touched_live(&changes, l));
    let mut plan = if request.effects {
        plan::build(changes, &ctx.global.workspace)
    } else {
        plan::build_shown(changes, &ctx.global.workspace)
    };
    plan.provenance.config_digest = config.digest.clone();
    // A state that never recorded anything is no state yet: its lineage is not kept.
    plan.provenance.state_lineage = (stored.serial > 0).then(|| stored.lineage.clone());
    plan.provenance.state_serial = stored.serial;
    plan.provenance.refreshed = live.is_some();
    plan.provenance.live = touched.unwrap_or_default();
    plan.metadata_queries = live.as_ref().map(|l| l.queries).unwrap_or(0) + content_queries;
    if !state.in_progress.is_empty() {
        println_to!(
            ctx.stderr,
            "{}",
            ctx.err_style.yellow(&format!(
                "warning: the last apply stopped while {} statement(s) ran (first: {}); their outcome is unknown: plan with a connection to see what the account has",
                state.in_progress.len(),
                ctx.redact(
                    state.in_progress[0].statement.lines().next().unwrap_or("")
                ),
            ))
        );
    }
    Ok(Ok(Made { plan }))
}

/// A `--target` that names nothing is a mistake, never an empty plan that looks fine.
fn check_targets(changes: &[Change], targets: &[Address]) -> Result<(), CliError> {
    let Some(t) = plan::unmatched_targets(changes, targets).first().copied() else {
        return Ok(());
    };
    let known: Vec<String> = changes
        .iter()
        .flat_map(|c| [c.address.to_string(), c.address.block().to_string()])
        .collect();
    let near =
        match crate::config::suggest::closest(&t.to_string(), known.iter().map(String::as_str)) {
            Some(c) => format!("did you mean {c}?"),
            None => {
                let same_kind: std::collections::BTreeSet<String> = changes
                    .iter()
                    .filter(|c| c.address.kind == t.kind)
                    .map(|c| c.address.to_string())
                    .collect();
                if same_kind.is_empty() {
                    format!("the configuration and the state have no {} block", t.kind)
                } else {
                    let list: Vec<String> = same_kind.into_iter().take(5).collect();
                    format!("{} addresses: {}", t.kind, list.join(", "))
                }
            }
        };
    Err(CliError::new(format!(
        "--target {t} matches no address of the configuration or the state ({near}); nothing was planned"
    )))
}

/// Parse `--target` addresses.
pub fn targets(raw: &[String]) -> Result<Vec<Address>, CliError> {
    raw.iter()
        .map(|t| Address::parse(t).map_err(CliError::from))
        .collect()
}

/// Parse the addresses of option `flag` (`--replace`), naming it in an error.
pub(crate) fn targets_named(flag: &str, raw: &[String]) -> Result<Vec<Address>, CliError> {
    raw.iter()
        .map(|t| Address::parse(t).map_err(|e| CliError::new(format!("{flag} {t}: {e}"))))
        .collect()
}
