//! drift: the account against the last applied state. Exit 0 none, 2 drift, 1 error.

use crate::apply::recover;
use crate::cli::planning::{load_alongside, read_live, settle};
use crate::cli::progress::Progress;
use crate::cli::session::Session;
use crate::cli::{CliError, Ctx, Exit};
use crate::drift::{detect, UnmanagedScope};
use crate::live::{LiveRead, ReadOptions};
use crate::model::{Address, Object};
use crate::render::{self, drift as view, Format};
use std::collections::BTreeMap;
use std::path::PathBuf;

pub fn run(ctx: &Ctx, include_unmanaged: bool, out: Option<&PathBuf>) -> Result<Exit, CliError> {
    let runtime = super::runtime(ctx)?;
    // The read needs only the state: it runs while the configuration loads.
    let (config, read) =
        load_alongside(ctx, &runtime, &Progress::none(ctx), async |quiet, known| {
            let session = quiet.session(true).await?.expect("required");
            let Some(configured) = known.get().await else {
                return Ok(None);
            };
            read_account(quiet, &session, &configured, include_unmanaged)
                .await
                .map(Some)
        })?;
    let Read {
        mut recorded,
        scope,
        read,
        settled,
    } = read.expect("a configuration without errors says where its state is");
    // What the configuration now leaves to others counts, even before an apply records it.
    for o in &config.objects {
        if let Some(r) = recorded.get_mut(&o.address) {
            r.lifecycle.ignore_changes = o.lifecycle.ignore_changes.clone();
        }
    }
    let report = detect(
        &ctx.global.workspace,
        &recorded,
        &read.picture,
        scope.as_ref(),
        read.queries,
    );
    // The state and the account hold sensitive values; the report (a pipeline artifact,
    // a pull request comment) does not.
    let report: crate::drift::DriftReport = serde_json::from_value(
        crate::render::Redactor::new(config.sensitive.clone()).to_json_value(&report),
    )?;
    if let Some(path) = out.map(|p| ctx.resolve(p)) {
        crate::state::atomic_write(&path, render::to_json(&report).as_bytes())?;
    }
    match ctx.global.format {
        Format::Json => print_to!(ctx.stdout, "{}", render::to_json(&report)),
        Format::Markdown => print_to!(ctx.stdout, "{}", view::markdown(&report, &[])),
        Format::Human => print_to!(ctx.stdout, "{}", view::human(&report, &ctx.out_style)),
    }
    // Azure Pipelines shows these as warnings on the run (TF_BUILD is set there).
    if ctx.env.var("TF_BUILD").is_some() {
        print_to!(ctx.stderr, "{}", view::azure_warnings(&report));
    }
    // An apply that stopped part way (killed between suspending a task graph and
    // resuming it, say) leaves the account short of what was applied, even where it
    // matches the state: that is reported as drift too.
    let unfinished: Vec<&recover::Settled> = settled
        .iter()
        .filter(|s| {
            matches!(
                s.outcome,
                recover::Outcome::NotRun | recover::Outcome::Unknown
            )
        })
        .collect();
    if let Some(first) = unfinished.first() {
        println_to!(
            ctx.stderr,
            "{}",
            ctx.err_style.yellow(&format!(
                "drift: the last apply did not finish: {} statement(s) it sent or owed did not take effect (first: {}); `snowform apply` completes it",
                unfinished.len(),
                first.entry.statement.lines().next().unwrap_or("")
            ))
        );
    }
    Ok(if report.has_drift() || !unfinished.is_empty() {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

/// What drift compares: the state's objects (what the last apply left running settled) and
/// what the account has of them.
struct Read {
    recorded: BTreeMap<Address, Object>,
    scope: Option<UnmanagedScope>,
    read: LiveRead,
    settled: Vec<recover::Settled>,
}

async fn read_account(
    ctx: &Ctx,
    session: &Session,
    configured: &crate::config::Backend,
    include_unmanaged: bool,
) -> Result<Read, CliError> {
    let backend = ctx.backend_of(Some(configured));
    // No state is no baseline: "no drift" would be a claim about nothing.
    let state = backend.load(Some(session), &ctx.stderr).await?.ok_or_else(|| {
        CliError::new(format!(
            "no state for workspace {:?} in {}: nothing was applied from it, so there is nothing to compare the account with. Check --workspace and the backend, or apply first.",
            ctx.global.workspace,
            backend.describe()
        ))
    })?;
    // What the last apply left running and the account shows done counts as recorded.
    let mut state = state;
    let settled = settle(session, &mut state).await?;
    if !settled.is_empty() {
        println_to!(
            ctx.stderr,
            "{}",
            ctx.err_style
                .yellow(&format!("warning: {}", recover::summary(&settled)))
        );
    }
    let recorded = state.objects();
    let scope = include_unmanaged.then(|| UnmanagedScope::of(recorded.values()));
    let wanted: Vec<&Object> = recorded.values().collect();
    let read = read_live(
        session,
        &wanted,
        &ReadOptions {
            scan_schemas: scope
                .iter()
                .flat_map(|s| s.schemas.iter().cloned())
                .collect(),
            scan_databases: scope
                .iter()
                .flat_map(|s| s.databases.iter().cloned())
                .collect(),
            ..ReadOptions::default()
        },
    )
    .await?;
    Ok(Read {
        recorded,
        scope,
        read,
        settled,
    })
}
