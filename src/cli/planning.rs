//! Making a plan, as `plan` and `apply` both do: read the account (or not), diff against
//! the state, order the changes, and remember what the account looked like.

use super::session::Session;
use super::{CliError, Ctx};
use crate::apply::recover::{self, Settled};
use crate::config::Config;
use crate::diff::{diff, Change, DiffInput};
use crate::live::{self, LiveRead, ReadOptions};
use crate::model::{Address, Object};
use crate::plan::{self, Plan};
use crate::state::State;
use std::collections::BTreeMap;

/// Read from the account everything `objects` name.
pub async fn read_live(
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
pub fn touched_live(changes: &[Change], read: &LiveRead) -> BTreeMap<Address, Option<Object>> {
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

pub async fn make_plan(
    ctx: &Ctx,
    config: &Config,
    stored: &State,
    session: Option<&Session>,
    targets: &[Address],
) -> Result<Made, CliError> {
    // Plan against the state as it is once what the last apply left running is settled.
    // The provenance names the stored state: `apply FILE` checks it, then settles alike.
    let settled_state;
    let state = match session.filter(|_| !stored.in_progress.is_empty()) {
        Some(s) => {
            let mut copy = stored.clone();
            let settled = settle(s, &mut copy).await?;
            eprintln!(
                "{}",
                ctx.err_style
                    .yellow(&format!("warning: {}", recover::summary(&settled)))
            );
            settled_state = copy;
            &settled_state
        }
        None => stored,
    };
    let recorded = state.objects();
    let live = match session {
        Some(s) => {
            let wanted: Vec<&Object> = config.objects.iter().chain(recorded.values()).collect();
            let progress =
                super::progress::Progress::counter(ctx, "Reading the account", "queries");
            let counted = super::progress::Counted {
                client: &s.client,
                progress: &progress,
            };
            let read = live::read(&counted, &wanted, &ReadOptions::default())
                .await
                .map_err(|e| CliError::new(e.to_string()));
            progress.finish();
            Some(read?)
        }
        None => None,
    };
    let changes = match diff(&DiffInput {
        desired: &config.objects,
        recorded: &recorded,
        live: live.as_ref().map(|l| &l.picture),
    }) {
        Ok(c) => c,
        Err(diags) => {
            for d in diags.iter() {
                eprintln!("{}", ctx.paint_diag(d));
            }
            return Err(CliError::new(
                "the plan cannot be made; nothing was changed",
            ));
        }
    };
    check_targets(&changes, targets)?;
    let changes = plan::filter_targets(changes, targets);
    let touched = live.as_ref().map(|l| touched_live(&changes, l));
    let mut plan = plan::build(changes, &ctx.global.workspace);
    plan.provenance.config_digest = config.digest.clone();
    // A state that never recorded anything is no state yet: its lineage is not kept.
    plan.provenance.state_lineage = (stored.serial > 0).then(|| stored.lineage.clone());
    plan.provenance.state_serial = stored.serial;
    plan.provenance.refreshed = live.is_some();
    plan.provenance.live = touched.unwrap_or_default();
    plan.metadata_queries = live.as_ref().map(|l| l.queries).unwrap_or(0);
    if !state.in_progress.is_empty() {
        eprintln!(
            "{}",
            ctx.err_style.yellow(&format!(
                "warning: the last apply stopped while {} statement(s) ran (first: {}); their outcome is unknown: plan with a connection to see what the account has",
                state.in_progress.len(),
                crate::render::redact_global(
                    state.in_progress[0].statement.lines().next().unwrap_or("")
                ),
            ))
        );
    }
    Ok(Made { plan })
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
