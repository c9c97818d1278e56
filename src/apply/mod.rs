//! Apply: run a plan's steps through a statement runner, independent objects at once,
//! recording state after every statement that succeeds. On the first failure nothing new
//! starts, what runs finishes, and the task graphs suspended for the change are resumed.
//! It never re-plans and never renders.

use crate::model::attr;
use crate::plan::{Effect, Plan};
use crate::state::{Entry, InProgress, State, StateError};
use futures::future::Either;
use futures::stream::{FuturesUnordered, StreamExt};
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};

pub(crate) mod policy;
pub mod recover;

/// Why a statement did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    pub message: String,
    /// The answer was lost (the connection dropped and the retries failed): the account
    /// may have run it. Such a statement stays in progress until the account shows.
    pub(crate) outcome_unknown: bool,
}

impl RunError {
    /// A statement whose answer was lost.
    pub fn unknown(message: impl Into<String>) -> RunError {
        RunError {
            message: message.into(),
            outcome_unknown: true,
        }
    }
}

/// A statement the account answered did not run.
impl From<String> for RunError {
    fn from(message: String) -> RunError {
        RunError {
            message,
            outcome_unknown: false,
        }
    }
}

impl From<&str> for RunError {
    fn from(message: &str) -> RunError {
        RunError::from(message.to_string())
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.message)
    }
}

/// Sends one statement. `request_id` identifies it so a resend is not executed twice.
#[allow(async_fn_in_trait)]
pub trait Runner: Sync {
    async fn run(&self, sql: &str, request_id: &str) -> Result<(), RunError>;

    /// Send again a statement that an earlier run sent under `request_id` and never heard
    /// back from: the account runs it only if it did not run then.
    async fn rerun(&self, sql: &str, request_id: &str) -> Result<(), RunError> {
        self.run(sql, request_id).await
    }
}

/// Where state goes after every change to it: `entries` are the changes since the last
/// write, already made to `state` (a journal appends them, others write `state`).
#[allow(async_fn_in_trait)]
pub trait StateSink {
    async fn write(&mut self, state: &State, entries: &[Entry]) -> Result<(), StateError>;
}

/// Write the state after an edit outside a plan's steps (settling what an interrupted
/// apply left, forgetting an entry, removing, moving or importing a record): one more
/// serial, an error rather than a wrap past the largest, then a write of the whole state
/// (no journal entries: the sink writes every record).
pub(crate) async fn commit<S: StateSink>(
    state: &mut State,
    sink: &mut S,
) -> Result<(), StateError> {
    state.bump_serial()?;
    sink.write(state, &[]).await
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failed {
    pub statement: String,
    pub error: String,
}

/// The JSON shape of docs/json.md.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub format_version: String,
    pub applied: Vec<String>,
    pub failed: Vec<Failed>,
    pub pending: Vec<String>,
    pub state_serial: u64,
}

impl ApplyReport {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.pending.is_empty()
    }
}

/// How many statements, per free slot, are entered in the state ahead of being sent: a
/// write that takes as long as a few statements (a table backend's round trips) still
/// enters enough to keep every slot busy until the next one.
const AHEAD: usize = 4;

/// A statement sent: its step, text, request id and result.
type Finished = (usize, String, String, Result<(), RunError>);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Waiting,
    Running,
    Done,
    Failed,
}

pub struct ApplyOptions<'a> {
    pub parallelism: usize,
    /// Set (by an interrupt) to start nothing new, as after a failure.
    pub stop: &'a AtomicBool,
}

/// Run `plan` against `state`, writing it through `sink` as statements complete.
pub async fn apply<R: Runner, S: StateSink>(
    plan: &Plan,
    state: &mut State,
    sink: &mut S,
    runner: &R,
    opts: &ApplyOptions<'_>,
) -> Result<ApplyReport, StateError> {
    let n = plan.steps.len();
    let mut status = vec![Status::Waiting; n];
    let mut report = ApplyReport {
        format_version: "1".into(),
        ..Default::default()
    };
    let position: Vec<usize> = {
        let mut p = vec![0; n];
        for (i, &s) in plan.order.iter().enumerate() {
            p[s] = i;
        }
        p
    };
    // The main phase is done once its last steps are.
    let mut main_ends_left = plan.main_phase_ends.len();
    let done = |id: usize, status: &mut [Status], left: &mut usize| {
        status[id] = Status::Done;
        if plan.main_phase_ends.contains(&id) {
            *left -= 1;
        }
    };
    let mut failing = false;
    let slots = opts.parallelism.max(1);
    // Steps entered in the state before they start (see `owed_after`), with their ids.
    let mut owed: BTreeMap<usize, String> = BTreeMap::new();
    let launch = |id: usize, sql: String, request_id: String| async move {
        let result = runner.run(&sql, &request_id).await;
        (id, sql, request_id, result)
    };
    let mut running = FuturesUnordered::new();
    // Changes to the state since the last write. One write covers every statement entered
    // and every result recorded since the previous one, not two per statement.
    let mut entries: Vec<Entry> = Vec::new();
    // Statements whose entry a finished write holds, not sent yet, in plan order. Up to
    // `AHEAD` x `slots` of them are entered ahead of a free slot, so that the next write runs while
    // statements do instead of between them: a statement entered but never sent is, for the
    // next run, one whose answer was lost, which the account settles (see `recover`).
    let mut durable: VecDeque<(usize, String, String)> = VecDeque::new();
    // Results that came in and are not recorded yet (while a write ran).
    let mut finished: Vec<Finished> = Vec::new();
    let mut first_waiting = 0;
    // The steps whose every dependency is done, by place in the run order: what may start is
    // found among them rather than by walking every step still waiting on another (a plan's
    // tasks wait on their feature views), which made each round cost the whole plan.
    let mut waiting_on: Vec<usize> = plan.steps.iter().map(|s| s.after.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (id, step) in plan.steps.iter().enumerate() {
        for &before in &step.after {
            dependents[before].push(id);
        }
    }
    let mut unblocked: BTreeSet<usize> = (0..n)
        .filter(|&id| waiting_on[id] == 0)
        .map(|id| position[id])
        .collect();
    loop {
        failing |= opts.stop.load(Ordering::SeqCst);
        for (id, sql, request_id, result) in finished.drain(..) {
            match result {
                Ok(()) => {
                    done(id, &mut status, &mut main_ends_left);
                    unblock(id, &dependents, &position, &mut waiting_on, &mut unblocked);
                    // Records the effect its in-progress entry names (the step's), and
                    // what this one owed is now owed outright.
                    change(
                        state,
                        &mut entries,
                        Entry::Done {
                            request_id: Some(request_id),
                            effect: None,
                        },
                    );
                    report.applied.push(sql);
                }
                Err(error) if error.outcome_unknown => {
                    // It may have run: it stays in progress (with what it owes) for the
                    // next run to settle from the account, and nothing new starts.
                    status[id] = Status::Failed;
                    report.failed.push(Failed {
                        statement: sql,
                        error: format!(
                            "{}\n  the answer was lost, so whether it ran is unknown: the state keeps it in progress, and the next plan or apply reads the account to settle it",
                            error.message
                        ),
                    });
                    failing = true;
                }
                Err(error) => {
                    status[id] = Status::Failed;
                    // Nothing is owed after a statement that failed.
                    change(state, &mut entries, Entry::Failed { request_id });
                    owed.retain(|_, r| state.in_progress.iter().any(|p| &p.request_id == r));
                    report.failed.push(Failed {
                        statement: sql,
                        error: error.message,
                    });
                    failing = true;
                }
            }
        }
        if failing {
            // Nothing new starts after a failure: a statement entered ahead and not sent is
            // taken back (with what it owed), unless it may start after a failure too.
            let main_done = main_ends_left == 0;
            let mut kept = VecDeque::new();
            for (id, sql, request_id) in durable.drain(..) {
                if ready(plan, &status, id, true, main_done) {
                    kept.push_back((id, sql, request_id));
                } else if state
                    .in_progress
                    .iter()
                    .any(|p| p.request_id == request_id && p.after.is_none())
                {
                    change(state, &mut entries, Entry::Failed { request_id });
                    owed.retain(|_, r| state.in_progress.iter().any(|p| &p.request_id == r));
                    status[id] = Status::Waiting;
                    first_waiting = first_waiting.min(position[id]);
                    unblocked.insert(position[id]);
                } else {
                    // Owed by a statement that ran: it stays in progress for the next run.
                    status[id] = Status::Waiting;
                    owed.insert(id, request_id);
                    first_waiting = first_waiting.min(position[id]);
                    unblocked.insert(position[id]);
                }
            }
            durable = kept;
        }
        while running.len() < slots {
            let Some((id, sql, request_id)) = durable.pop_front() else {
                break;
            };
            running.push(launch(id, sql, request_id));
        }
        // Enter what may start, in plan order, up to `AHEAD` times the slots.
        let mut started_any = false;
        let mut starting = Vec::new();
        // Steps become waiting again only when taken back after a failure (above, which
        // moves the scan back): the scan starts at the first one still waiting, so that a
        // long plan is not walked from its start for every statement.
        while first_waiting < plan.order.len()
            && status[plan.order[first_waiting]] != Status::Waiting
        {
            first_waiting += 1;
        }
        // After a failure the rules of `ready` differ (`finally` steps): walk the plan then.
        let candidates: Vec<usize> = if failing {
            plan.order[first_waiting..].to_vec()
        } else {
            unblocked.iter().map(|&at| plan.order[at]).collect()
        };
        for id in candidates {
            if running.len() + durable.len() + starting.len() >= AHEAD * slots {
                break;
            }
            let main_done = main_ends_left == 0;
            if status[id] != Status::Waiting || !ready(plan, &status, id, failing, main_done) {
                continue;
            }
            let step = &plan.steps[id];
            let Some(sql) = step.sql.clone() else {
                // A change to the state alone is made only within the free slots, as a
                // statement would be sent: one entered ahead may still be taken back, and a
                // state change cannot.
                if running.len() + durable.len() + starting.len() >= slots {
                    continue;
                }
                started_any = true;
                // Nothing to send: only state changes.
                done(id, &mut status, &mut main_ends_left);
                unblock(id, &dependents, &position, &mut waiting_on, &mut unblocked);
                change(
                    state,
                    &mut entries,
                    Entry::Done {
                        request_id: None,
                        effect: Some(step.effect.clone()),
                    },
                );
                continue;
            };
            started_any = true;
            // An owed statement is in the state already, under the id it is sent with.
            let owed_before = owed.remove(&id);
            let request_id = owed_before
                .clone()
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            if owed_before.is_none() {
                let entry = in_progress(step, &sql, &request_id, None);
                change(state, &mut entries, Entry::Start(entry));
            }
            if let Some(next) = owed_after(plan, id) {
                let r = uuid::Uuid::new_v4().to_string();
                let next_sql = plan.steps[next]
                    .sql
                    .as_deref()
                    .expect("owed steps send SQL");
                let entry = in_progress(&plan.steps[next], next_sql, &r, Some(&request_id));
                change(state, &mut entries, Entry::Start(entry));
                owed.insert(next, r);
            }
            status[id] = Status::Running;
            starting.push((id, sql, request_id));
        }
        unblocked.retain(|&at| status[plan.order[at]] == Status::Waiting);
        if !entries.is_empty() {
            // The statements already sent run while the state is written; what they answer
            // meanwhile is recorded by the next write, and a statement entered by an earlier
            // write takes a slot one frees, unless something failed.
            {
                let mut write = std::pin::pin!(sink.write(state, &entries));
                let mut hold = failing;
                loop {
                    if running.is_empty() {
                        write.as_mut().await?;
                        break;
                    }
                    match futures::future::select(write.as_mut(), running.next()).await {
                        Either::Left((written, _)) => {
                            written?;
                            break;
                        }
                        Either::Right((Some(result), _)) => {
                            hold |= result.3.is_err() || opts.stop.load(Ordering::SeqCst);
                            finished.push(result);
                            if !hold {
                                if let Some((id, sql, request_id)) = durable.pop_front() {
                                    running.push(launch(id, sql, request_id));
                                }
                            }
                        }
                        Either::Right((None, _)) => {}
                    }
                }
            }
            entries.clear();
        }
        durable.extend(starting);
        if !finished.is_empty() || (!durable.is_empty() && running.len() < slots) {
            continue;
        }
        if running.is_empty() {
            if started_any || !durable.is_empty() {
                continue;
            }
            break;
        }
        let Some(first) = running.next().await else {
            break;
        };
        // Results already in are recorded under the same write.
        finished.push(first);
        while let Some(Some(more)) = running.next().now_or_never() {
            finished.push(more);
        }
    }
    let mut pending: Vec<usize> = (0..n).filter(|&i| status[i] == Status::Waiting).collect();
    pending.sort_by_key(|&i| position[i]);
    // Nothing failed and nothing was stopped, yet steps never became ready: the plan links
    // them in a circle. Say so, rather than end as if all went well.
    if !failing && !pending.is_empty() {
        report.failed.push(Failed {
            statement: plan.steps[pending[0]].sql.clone().unwrap_or_default(),
            error: "internal error: the plan's steps wait on each other, so these never started; nothing after them ran. Please report this plan (plan --out).".into(),
        });
    }
    report.pending = pending
        .into_iter()
        .filter_map(|i| plan.steps[i].sql.clone())
        .collect();
    report.state_serial = state.serial;
    Ok(report)
}

fn in_progress(
    step: &crate::plan::Step,
    sql: &str,
    request_id: &str,
    after: Option<&str>,
) -> InProgress {
    InProgress {
        statement: sql.to_string(),
        request_id: request_id.to_string(),
        started_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        effect: (step.effect != Effect::None).then(|| step.effect.clone()),
        after: after.map(str::to_string),
    }
}

/// The next statement of `id`'s change when it records nothing beyond what `id` does (a
/// tag, a CREATE ... IF NOT EXISTS): the account cannot show whether it ran either, so no
/// plan would send it again. It is owed as soon as `id` is sent, entered in the state with
/// it: a stop before it runs leaves it for the next apply to send (once), unless `id`
/// itself did not run.
///
/// Also the resume of a task suspended for the change (`id` suspends it, the change's last
/// step resumes it): entered with the suspend, a stop in between leaves it in the state, so
/// drift and the next run see an apply that did not finish rather than a task meant to be
/// suspended.
fn owed_after(plan: &Plan, id: usize) -> Option<usize> {
    if let Some(resume) = resume_owed(plan, id) {
        return Some(resume);
    }
    let steps = &plan.changes[plan.steps[id].change].steps;
    let next = *steps.get(steps.iter().position(|&s| s == id)? + 1)?;
    let step = &plan.steps[next];
    // The cleanup of a replacement (dropping the old object) waits for the whole main
    // phase; it is planned again if it does not run.
    if step.after_main_phase {
        return None;
    }
    let same = match (&plan.steps[id].effect, &step.effect) {
        // Recorded alike: the same object.
        (Effect::Put { object: a }, Effect::Put { object: b }) => {
            crate::state::Record::from_object(a) == crate::state::Record::from_object(b)
        }
        // A patch that changes nothing of what the first one records.
        (
            Effect::Put { object: a } | Effect::Move { object: a, .. },
            Effect::Patch { object, paths, .. },
        ) => {
            crate::state::Record::from_object(&crate::plan::patch(a, object, paths))
                == crate::state::Record::from_object(a)
        }
        (
            Effect::Patch {
                object: a,
                paths: pa,
                ..
            },
            Effect::Patch { object, paths, .. },
        ) => {
            a.address == object.address
                && paths.iter().all(|p| pa.contains(p))
                && crate::state::Record::from_object(&crate::plan::patch(a, object, paths))
                    == crate::state::Record::from_object(a)
        }
        _ => false,
    };
    (step.sql.is_some() && same).then_some(next)
}

/// The resume step owed once step `id`, the suspend of a running task for its change, ran.
fn resume_owed(plan: &Plan, id: usize) -> Option<usize> {
    let sets_enabled = |e: &Effect, on: bool| match e {
        Effect::Patch { object, paths, .. } => {
            paths.iter().any(|p| p == attr::ENABLED) && object.flag(attr::ENABLED) == on
        }
        _ => false,
    };
    let step = &plan.steps[id];
    let steps = &plan.changes[step.change].steps;
    let last = *steps.last()?;
    let resume = &plan.steps[last];
    (last != id
        && step.sql.is_some()
        && resume.sql.is_some()
        && resume.finally
        && sets_enabled(&step.effect, false)
        && sets_enabled(&resume.effect, true))
    .then_some(last)
}

/// Step `id` is done: the steps that waited on it and on nothing else now may start.
fn unblock(
    id: usize,
    dependents: &[Vec<usize>],
    position: &[usize],
    waiting_on: &mut [usize],
    unblocked: &mut BTreeSet<usize>,
) {
    for &next in &dependents[id] {
        waiting_on[next] -= 1;
        if waiting_on[next] == 0 {
            unblocked.insert(position[next]);
        }
    }
}

/// Make a change to the state and keep it for the next write.
fn change(state: &mut State, entries: &mut Vec<Entry>, entry: Entry) {
    // The apply made every entry it finishes: a failure here is a bug, not bad input.
    state
        .apply_entry(&entry)
        .expect("the apply's own changes replay");
    entries.push(entry);
}

/// May step `id` start? Normally when everything before it is done. After a failure only
/// `finally` steps start, once what they require succeeded and nothing they wait for runs.
/// `main_done`: every step of the main phase is done (see `Step::after_main_phase`).
fn ready(plan: &Plan, status: &[Status], id: usize, failing: bool, main_done: bool) -> bool {
    let step = &plan.steps[id];
    if step.after_main_phase && !main_done {
        return false;
    }
    if !failing {
        return step.after.iter().all(|&a| status[a] == Status::Done);
    }
    if !step.finally || !step.requires.iter().all(|&r| status[r] == Status::Done) {
        return false;
    }
    step.after.iter().all(|&a| match status[a] {
        Status::Running => false,
        // An earlier resume of the same graph that will still run goes first.
        Status::Waiting => {
            !(plan.steps[a].finally
                && plan.steps[a]
                    .requires
                    .iter()
                    .all(|&r| status[r] == Status::Done))
        }
        _ => true,
    })
}

#[cfg(test)]
mod plan_state_tests;
#[cfg(test)]
mod tests;
