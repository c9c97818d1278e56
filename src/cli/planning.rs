//! Making a plan, as `plan` and `apply` both do: read the account (or not), diff against
//! the state, order the changes, and remember what the account looked like.

use super::session::Session;
use super::{CliError, Ctx};
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
    pub live: Option<LiveRead>,
}

pub async fn make_plan(
    ctx: &Ctx,
    config: &Config,
    state: &State,
    session: Option<&Session>,
    targets: &[Address],
) -> Result<Made, CliError> {
    let recorded = state.objects();
    let live = match session {
        Some(s) => {
            let wanted: Vec<&Object> = config.objects.iter().chain(recorded.values()).collect();
            Some(read_live(s, &wanted, &ReadOptions::default()).await?)
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
    let changes = plan::filter_targets(changes, targets);
    let touched = live.as_ref().map(|l| touched_live(&changes, l));
    let mut plan = plan::build(changes, &ctx.global.workspace);
    plan.provenance.config_digest = config.digest.clone();
    // A state that never recorded anything is no state yet: its lineage is not kept.
    plan.provenance.state_lineage = (state.serial > 0).then(|| state.lineage.clone());
    plan.provenance.state_serial = state.serial;
    plan.provenance.refreshed = live.is_some();
    plan.provenance.live = touched.unwrap_or_default();
    plan.metadata_queries = live.as_ref().map(|l| l.queries).unwrap_or(0);
    if !state.in_progress.is_empty() {
        eprintln!(
            "{}",
            ctx.err_style.yellow(&format!(
                "warning: the last apply stopped while {} statement(s) ran (first: {}); their outcome is unknown{}",
                state.in_progress.len(),
                state.in_progress[0].statement.lines().next().unwrap_or(""),
                if live.is_some() { ": the plan was refreshed from the account, so it accounts for them" } else { ": plan with a connection to see what the account has" }
            ))
        );
    }
    Ok(Made { plan, live })
}

/// Parse `--target` addresses.
pub fn targets(raw: &[String]) -> Result<Vec<Address>, CliError> {
    raw.iter()
        .map(|t| Address::parse(t).map_err(CliError::from))
        .collect()
}
