//! After an apply that stopped while statements ran (killed, or cut off from the account,
//! or a statement whose answer was lost),
//! the account shows which of them took effect: those are recorded, the others forgotten,
//! so the next plan holds exactly what did not happen. A statement whose effect the account
//! cannot show (a tag on a refresh task, a CREATE ... IF NOT EXISTS, an attribute SHOW does
//! not return) is sent again under its own request id marked as a resubmission, which the
//! account runs only if it did not run the first time. Nothing runs twice.
//!
//! The state is data, not instructions: a statement is sent again only if it is one
//! snowform's own DDL writes for the change its entry records ([`vouch`]), and one that
//! drops or replaces passes the guards a planned change passes (`--allow-destroy`,
//! `lifecycle.prevent_destroy` in the configuration). Anything else is refused, left in
//! progress, and the user is told to check the account.

use super::Runner;
use crate::diff::{differing, merge_state_only, Picture};
use crate::model::Object;
use crate::plan::Effect;
use crate::state::{InProgress, State};
use std::collections::BTreeSet;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It took effect (the account shows it, or it was resubmitted); the state records it.
    Recorded,
    /// The account shows it did not take effect; the next plan has it again.
    NotRun,
    /// It changes nothing the state records.
    NothingToRecord,
    /// The account cannot show whether it ran: [`resubmit`] sends it again.
    Unknown,
    /// Resubmitted, and it failed.
    Failed(String),
    /// Not sent, and left in progress: the reason ([`vouch`]).
    Refused(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
    pub entry: InProgress,
    pub outcome: Outcome,
}

/// The objects whose live state decides the statements `state` has in progress: what they
/// create or change, and what they drop or rename as recorded.
pub fn objects_to_read(state: &State) -> Vec<Object> {
    let recorded = |a: &crate::model::Address| state.resources.get(a).map(|r| r.to_object(a));
    state
        .in_progress
        .iter()
        .flat_map(|p| match &p.effect {
            None | Some(Effect::None) => vec![],
            Some(Effect::Put { object }) => {
                vec![Some(object.clone()), recorded(&object.address)]
            }
            Some(Effect::Move { from, object }) => vec![Some(object.clone()), recorded(from)],
            Some(e @ Effect::Patch { .. }) => match state.effect_result(e) {
                Some((at, object)) => vec![Some(object), recorded(&at)],
                None => vec![],
            },
            Some(Effect::Remove { address }) => vec![recorded(address)],
        })
        .flatten()
        .collect()
}

/// Decide every statement in progress from `live` (which holds at least the objects of
/// [`objects_to_read`]) and record those that took effect. The list is cleared; `Unknown`
/// ones are returned for [`resubmit`]. The serial is the caller's to advance when it saves.
pub fn settle(state: &mut State, live: &Picture) -> Vec<Settled> {
    let entries = std::mem::take(&mut state.in_progress);
    let mut out: Vec<Settled> = Vec::with_capacity(entries.len());
    for entry in entries {
        // What the account shows decides, where it can show it (a resume owed after a
        // suspend): such a statement is never sent by settling.
        let seen = match (&entry.after, &entry.effect) {
            (Some(_), Some(effect)) => match observe(state, effect, live) {
                Outcome::Recorded => {
                    state.apply_effect(effect);
                    Some(Outcome::Recorded)
                }
                Outcome::NotRun => Some(Outcome::NotRun),
                _ => None,
            },
            _ => None,
        };
        let outcome = match (&entry.after, &entry.effect) {
            _ if seen.is_some() => seen.expect("checked"),
            // Owed once another statement succeeded: it is sent again only if that one ran.
            (Some(dep), _) => match out.iter().find(|s| &s.entry.request_id == dep) {
                Some(s) if matches!(s.outcome, Outcome::Recorded | Outcome::Unknown) => {
                    Outcome::Unknown
                }
                Some(_) => Outcome::NotRun,
                None => Outcome::Unknown,
            },
            (None, None | Some(Effect::None)) => Outcome::NothingToRecord,
            (None, Some(effect)) => {
                let o = observe(state, effect, live);
                if o == Outcome::Recorded {
                    state.apply_effect(effect);
                }
                o
            }
        };
        out.push(Settled { entry, outcome });
    }
    out
}

/// What the account shows of `effect`. A create took effect when the object exists. Any
/// other statement is judged by the attributes it changes: took effect when the account
/// has their new values, not when it does not, unknown when the account cannot tell the
/// old values from the new (a tag, an attribute SHOW does not return, nothing recorded).
fn observe(state: &State, effect: &Effect, live: &Picture) -> Outcome {
    let (after, before_at) = match effect {
        Effect::None => return Outcome::NothingToRecord,
        Effect::Remove { address } => {
            return match state.resources.get(address) {
                None => Outcome::NothingToRecord,
                Some(r) if live.contains_key(&(address.kind, r.object_name.clone())) => {
                    Outcome::NotRun
                }
                Some(_) => Outcome::Recorded,
            }
        }
        Effect::Put { object } => (object.clone(), object.address.clone()),
        Effect::Move { from, object } => (object.clone(), from.clone()),
        // A patch of an object not recorded records nothing.
        Effect::Patch { .. } => match state.effect_result(effect) {
            Some((at, object)) => (object, at),
            None => return Outcome::NothingToRecord,
        },
    };
    let (after, before_at) = (&after, &before_at);
    let find = |o: &Object| live.get(&(o.kind(), o.name.clone())).cloned();
    let Some(before) = state
        .resources
        .get(before_at)
        .map(|r| r.to_object(before_at))
    else {
        return if find(after).is_some() {
            Outcome::Recorded
        } else if crate::diff::unseen_on_all(after) {
            // ON ALL over a container with nothing of its kind leaves nothing to see.
            Outcome::Unknown
        } else {
            Outcome::NotRun
        };
    };
    let changed: BTreeSet<&String> = after
        .props
        .keys()
        .chain(before.props.keys())
        .filter(|k| after.props.get(*k) != before.props.get(*k))
        .collect();
    if changed.is_empty() && after.name == before.name {
        return Outcome::Unknown;
    }
    // Live lacks what SHOW does not return: each side is compared with its own values for
    // those, so that only what the account shows can tell the two apart.
    let shows = |o: &Object| {
        find(o).is_some_and(|l| {
            differing(o, &merge_state_only(l, Some(o)))
                .is_some_and(|d| !d.iter().any(|a| changed.contains(a)))
        })
    };
    match (shows(after), shows(&before)) {
        (true, false) => Outcome::Recorded,
        (true, true) => Outcome::Unknown,
        (false, _) => Outcome::NotRun,
    }
}

/// What a statement sent again from the state may do: the guards a planned change passes.
#[derive(Clone, Debug, Default)]
pub struct ResendGuard {
    /// `--allow-destroy`: a drop or replace may be sent again.
    pub(crate) allow_destroy: bool,
    /// The objects the configuration protects with `lifecycle.prevent_destroy`: never
    /// dropped or replaced by a statement sent again, matched by address and by name.
    pub protected: Vec<Object>,
}

/// Send the `Unknown` statements again as resubmissions of their request ids, in the order
/// they were started, and record those that succeed. One owed after another is sent only
/// once that one is recorded. One [`vouch`] does not pass is refused and stays in progress
/// (with those owed after it).
pub async fn resubmit<R: Runner>(
    state: &mut State,
    settled: &mut [Settled],
    runner: &R,
    guard: &ResendGuard,
) {
    for i in 0..settled.len() {
        if settled[i].outcome != Outcome::Unknown {
            continue;
        }
        let dep = match &settled[i].entry.after {
            None => None,
            Some(dep) => settled[..i]
                .iter()
                .find(|s| &s.entry.request_id == dep)
                .map(|s| s.outcome.clone()),
        };
        let s = &mut settled[i];
        s.outcome = match dep {
            Some(Outcome::Refused(_)) => {
                state.in_progress.push(s.entry.clone());
                Outcome::Refused("it is owed after a statement that was not sent again".to_string())
            }
            Some(o) if o != Outcome::Recorded => Outcome::NotRun,
            _ => match vouch(state, &s.entry, guard) {
                Err(reason) => {
                    state.in_progress.push(s.entry.clone());
                    Outcome::Refused(reason)
                }
                Ok(()) => match runner.rerun(&s.entry.statement, &s.entry.request_id).await {
                    Ok(()) => {
                        if let Some(effect) = &s.entry.effect {
                            state.apply_effect(effect);
                        }
                        Outcome::Recorded
                    }
                    // Its answer lost again: still unknown, still in progress.
                    Err(e) if e.outcome_unknown => {
                        state.in_progress.push(s.entry.clone());
                        Outcome::Unknown
                    }
                    Err(e) => Outcome::Failed(e.message),
                },
            },
        };
    }
}

/// Whether `entry` may be sent again: its statement must be exactly one that snowform's
/// DDL writes for the change its effect records (from the object as recorded in `state`
/// to the object the effect leaves), and a statement that drops or replaces needs
/// `--allow-destroy` and an object the configuration does not protect. The reason otherwise.
pub(crate) fn vouch(state: &State, entry: &InProgress, guard: &ResendGuard) -> Result<(), String> {
    // The object the effect leaves, and for a patch also the object it takes its paths
    // from (the configured one: a Feature Store schema's layout is written for it).
    let (targets, record): (Vec<Object>, Option<Object>) = match &entry.effect {
        None | Some(Effect::None) => {
            return Err(
                "its entry records no change, so snowform cannot tell that it wrote it".into(),
            )
        }
        Some(Effect::Remove { address }) => (
            vec![],
            state.resources.get(address).map(|r| r.to_object(address)),
        ),
        Some(e @ Effect::Patch { object, .. }) => match state.effect_result(e) {
            Some((at, t)) => (
                vec![t, object.clone()],
                state.resources.get(&at).map(|r| r.to_object(&at)),
            ),
            None => (vec![object.clone()], None),
        },
        Some(Effect::Put { object }) => (
            vec![object.clone()],
            state
                .resources
                .get(&object.address)
                .map(|r| r.to_object(&object.address)),
        ),
        Some(Effect::Move { from, object }) => (
            vec![object.clone()],
            state.resources.get(from).map(|r| r.to_object(from)),
        ),
    };
    let written: Vec<(String, bool)> = targets
        .iter()
        .flat_map(|t| generated(Some(t), record.as_ref()))
        .chain(generated(None, record.as_ref()))
        .collect();
    let Some((_, planned_destructive)) = written.iter().find(|(sql, _)| *sql == entry.statement)
    else {
        return Err(
            "it is not a statement snowform writes for the change its entry records".into(),
        );
    };
    if !(*planned_destructive || destroys(&entry.statement)) {
        return Ok(());
    }
    let touched: Vec<&Object> = targets.iter().chain(record.iter()).collect();
    let protected = touched.iter().find(|o| {
        o.lifecycle.prevent_destroy
            || guard
                .protected
                .iter()
                .any(|p| p.address == o.address || (p.kind() == o.kind() && p.name == o.name))
    });
    if let Some(o) = protected {
        return Err(format!(
            "it drops or replaces {} {}, which lifecycle.prevent_destroy protects: it is never sent again",
            o.kind().noun(),
            o.name
        ));
    }
    if !guard.allow_destroy {
        let o = touched
            .first()
            .expect("a statement was written for an object");
        return Err(format!(
            "it drops or replaces {} {}: sending it again needs --allow-destroy",
            o.kind().noun(),
            o.name
        ));
    }
    Ok(())
}

/// Every statement snowform's DDL writes to bring `record` (None: no object) to `target`
/// (None: gone), whatever the action the plan chose, each with whether that action destroys.
fn generated(target: Option<&Object>, record: Option<&Object>) -> Vec<(String, bool)> {
    use crate::diff::{Action, Change};
    let change = |action: Action, before: Option<&Object>, after: Option<&Object>| {
        let attrs = match (before, after) {
            (Some(b), Some(a)) => crate::diff::compare_props(a, b)
                .into_iter()
                .map(|(c, _)| c)
                .collect(),
            _ => Vec::new(),
        };
        Change {
            address: after.or(before).expect("an object").address.clone(),
            action,
            destructive: matches!(action, Action::Delete | Action::Replace),
            reasons: Vec::new(),
            attrs,
            before: before.cloned(),
            after: after.cloned(),
            moved_from: None,
            with_container: None,
            state_only: false,
            prevent_destroy: false,
            changed_outside: Vec::new(),
            drops_with_it: None,
            replace_requested: false,
            imported: false,
        }
    };
    let mut changes = Vec::new();
    if let Some(t) = target {
        changes.push(change(Action::Create, None, Some(t)));
    }
    if let Some(r) = record {
        changes.push(change(Action::Delete, Some(r), None));
    }
    if let (Some(t), Some(r)) = (target, record) {
        if t.kind() == r.kind() {
            changes.push(change(Action::Update, Some(r), Some(t)));
            changes.push(change(Action::Replace, Some(r), Some(t)));
        }
    }
    let mut out: Vec<(String, bool)> = changes
        .iter()
        .flat_map(|c| {
            crate::ddl::statements(c)
                .into_iter()
                .filter_map(|s| s.sql)
                .map(|sql| (sql, c.destructive))
                .collect::<Vec<_>>()
        })
        .collect();
    // A task graph is suspended at its root for a change and resumed after it (`plan`).
    for o in target.iter().chain(record.iter()) {
        if o.kind() == crate::model::Kind::Task {
            for s in [
                crate::kinds::task::ddl::suspend(&o.name),
                crate::kinds::task::ddl::resume(&o.name),
            ] {
                out.extend(s.sql.map(|sql| (sql, false)));
            }
        }
    }
    out
}

/// Whether a statement drops or replaces something, read from its words (never from its
/// string literals or quoted names): a DROP anywhere, or OR REPLACE.
fn destroys(sql: &str) -> bool {
    let Ok(tokens) = crate::sql::tokenize(sql) else {
        return true;
    };
    let words: Vec<&crate::sql::Token> = tokens.iter().filter(|t| !t.is_trivia()).collect();
    words.iter().any(|t| t.is_keyword("DROP"))
        || words
            .windows(2)
            .any(|w| w[0].is_keyword("OR") && w[1].is_keyword("REPLACE"))
}

/// What settling found, for people.
pub fn summary(settled: &[Settled]) -> String {
    let count = |f: fn(&Outcome) -> bool| settled.iter().filter(|s| f(&s.outcome)).count();
    let mut parts = vec![format!(
        "{} took effect and are recorded",
        count(|o| *o == Outcome::Recorded)
    )];
    let not_run = count(|o| *o == Outcome::NotRun);
    if not_run > 0 {
        parts.push(format!("{not_run} did not and are planned again"));
    }
    let unknown = count(|o| *o == Outcome::Unknown);
    if unknown > 0 {
        parts.push(format!(
            "{unknown} cannot be seen in the account: the next apply resends each that is a statement snowform writes for its change and that the destroy guards allow (the account runs it at most once), and refuses the others (`snowform state in-progress` lists them)"
        ));
    }
    let refused = count(|o| matches!(o, Outcome::Refused(_)));
    if refused > 0 {
        parts.push(format!(
            "{refused} were not sent again and stay in progress (see the error below)"
        ));
    }
    let nothing = count(|o| *o == Outcome::NothingToRecord);
    if nothing > 0 {
        parts.push(format!("{nothing} changed nothing the state records"));
    }
    let mut out = format!(
        "the last apply stopped with {} statement(s) sent or due and not recorded: {}",
        settled.len(),
        parts.join("; ")
    );
    for s in settled {
        if let Outcome::Failed(e) = &s.outcome {
            out.push_str(&format!(
                "\n  resent and failed: {}\n    {e}",
                s.entry.statement.lines().next().unwrap_or("")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apply::RunError;
    use crate::model::attr;
    use crate::model::{Address, Ident, Kind, ObjectName};
    use crate::state::InProgress;

    fn warehouse(size: &str) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Warehouse, "w"),
            ObjectName::account(Ident::from_canonical("W")),
        );
        o.set(attr::SIZE, size);
        o
    }

    fn running(effect: Effect) -> InProgress {
        InProgress {
            statement: "SQL".into(),
            request_id: "r".into(),
            started_at: "t".into(),
            effect: Some(effect),
            after: None,
        }
    }

    fn live(objects: &[Object]) -> Picture {
        objects
            .iter()
            .map(|o| ((o.kind(), o.name.clone()), o.clone()))
            .collect()
    }

    #[test]
    fn a_create_the_account_shows_is_recorded_and_one_it_does_not_is_not() {
        let mut state = State::new("default");
        state.in_progress.push(running(Effect::Put {
            object: warehouse("XSMALL"),
        }));
        assert_eq!(objects_to_read(&state), [warehouse("XSMALL")]);
        let mut not_run = state.clone();
        assert_eq!(settle(&mut not_run, &live(&[]))[0].outcome, Outcome::NotRun);
        assert!(not_run.resources.is_empty() && not_run.in_progress.is_empty());

        let settled = settle(&mut state, &live(&[warehouse("XSMALL")]));
        assert_eq!(settled[0].outcome, Outcome::Recorded);
        assert!(state.in_progress.is_empty());
        assert_eq!(
            state.resources[&warehouse("XSMALL").address].properties["size"],
            "XSMALL".into()
        );
    }

    #[test]
    fn an_alter_counts_only_when_the_account_shows_its_value() {
        let mut state = State::new("default");
        state.apply_effect(&Effect::Put {
            object: warehouse("XSMALL"),
        });
        state.in_progress.push(running(Effect::Put {
            object: warehouse("SMALL"),
        }));
        let mut before = state.clone();
        assert_eq!(
            settle(&mut before, &live(&[warehouse("XSMALL")]))[0].outcome,
            Outcome::NotRun
        );
        assert_eq!(
            before.resources[&warehouse("XSMALL").address].properties["size"],
            "XSMALL".into()
        );
        assert_eq!(
            settle(&mut state, &live(&[warehouse("SMALL")]))[0].outcome,
            Outcome::Recorded
        );
        assert_eq!(
            state.resources[&warehouse("XSMALL").address].properties["size"],
            "SMALL".into()
        );
    }

    #[test]
    fn a_drop_counts_once_the_object_is_gone() {
        let mut state = State::new("default");
        state.apply_effect(&Effect::Put {
            object: warehouse("XSMALL"),
        });
        let address = warehouse("XSMALL").address;
        state.in_progress.push(running(Effect::Remove {
            address: address.clone(),
        }));
        state.in_progress.push(InProgress {
            effect: None,
            ..running(Effect::None)
        });
        assert_eq!(objects_to_read(&state), [warehouse("XSMALL")]);
        let mut still_there = state.clone();
        let settled = settle(&mut still_there, &live(&[warehouse("XSMALL")]));
        assert_eq!(
            settled
                .iter()
                .map(|s| s.outcome.clone())
                .collect::<Vec<_>>(),
            [Outcome::NotRun, Outcome::NothingToRecord]
        );
        assert!(still_there.resources.contains_key(&address));
        assert_eq!(settle(&mut state, &live(&[]))[0].outcome, Outcome::Recorded);
        assert!(state.resources.is_empty());
    }

    /// Answers resubmissions, remembering what it was sent.
    struct Resend(std::sync::Mutex<Vec<(String, String)>>, bool);

    impl Runner for Resend {
        async fn run(&self, _: &str, _: &str) -> Result<(), RunError> {
            panic!("settling sends nothing new")
        }
        async fn rerun(&self, sql: &str, request_id: &str) -> Result<(), RunError> {
            self.0.lock().unwrap().push((sql.into(), request_id.into()));
            if self.1 {
                Ok(())
            } else {
                Err("002003: gone".into())
            }
        }
    }

    /// The statement snowform writes to create the warehouse: one it may send again.
    fn create_sql() -> String {
        crate::ddl::create(&warehouse("XSMALL"))[0]
            .sql
            .clone()
            .unwrap()
    }

    #[test]
    fn a_statement_the_account_cannot_show_is_resubmitted_under_its_request_id() {
        // The recorded object is the same before and after: the account cannot tell.
        let mut state = State::new("default");
        state.apply_effect(&Effect::Put {
            object: warehouse("XSMALL"),
        });
        state.in_progress.push(InProgress {
            statement: create_sql(),
            request_id: "req-1".into(),
            ..running(Effect::Put {
                object: warehouse("XSMALL"),
            })
        });
        let serial = state.serial;
        let mut failing = state.clone();
        let mut settled = settle(&mut state, &live(&[warehouse("XSMALL")]));
        assert_eq!(settled[0].outcome, Outcome::Unknown);
        assert!(summary(&settled).contains("1 cannot be seen in the account"));
        let runner = Resend(Default::default(), true);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(resubmit(
            &mut state,
            &mut settled,
            &runner,
            &ResendGuard::default(),
        ));
        assert_eq!(settled[0].outcome, Outcome::Recorded);
        assert_eq!(
            *runner.0.lock().unwrap(),
            [(create_sql(), "req-1".to_string())]
        );
        assert!(state.in_progress.is_empty());
        assert_eq!(state.serial, serial);

        let mut settled = settle(&mut failing, &live(&[warehouse("XSMALL")]));
        rt.block_on(resubmit(
            &mut failing,
            &mut settled,
            &Resend(Default::default(), false),
            &ResendGuard::default(),
        ));
        assert_eq!(settled[0].outcome, Outcome::Failed("002003: gone".into()));
        assert!(summary(&settled).contains(&format!("resent and failed: {}", create_sql())));
    }

    #[test]
    fn a_statement_owed_after_another_is_sent_only_if_that_one_ran() {
        // CREATE TASK (sent) and its tag (owed once it succeeds), both left in progress.
        let mut state = State::new("default");
        state.in_progress.push(InProgress {
            statement: create_sql(),
            request_id: "create".into(),
            ..running(Effect::Put {
                object: warehouse("XSMALL"),
            })
        });
        state.in_progress.push(InProgress {
            statement: create_sql(),
            request_id: "tag".into(),
            after: Some("create".into()),
            ..running(Effect::Put {
                object: warehouse("XSMALL"),
            })
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut not_run = state.clone();
        let mut settled = settle(&mut not_run, &live(&[]));
        let runner = Resend(Default::default(), true);
        rt.block_on(resubmit(
            &mut not_run,
            &mut settled,
            &runner,
            &ResendGuard::default(),
        ));
        assert_eq!(
            settled
                .iter()
                .map(|s| s.outcome.clone())
                .collect::<Vec<_>>(),
            [Outcome::NotRun, Outcome::NotRun]
        );
        assert!(runner.0.lock().unwrap().is_empty());

        let mut settled = settle(&mut state, &live(&[warehouse("XSMALL")]));
        rt.block_on(resubmit(
            &mut state,
            &mut settled,
            &runner,
            &ResendGuard::default(),
        ));
        assert_eq!(
            settled
                .iter()
                .map(|s| s.outcome.clone())
                .collect::<Vec<_>>(),
            [Outcome::Recorded, Outcome::Recorded]
        );
        assert_eq!(
            *runner.0.lock().unwrap(),
            [(create_sql(), "tag".to_string())]
        );
    }

    fn database(name: &str) -> Object {
        Object::new(
            Address::new(Kind::Database, name.to_lowercase()),
            ObjectName::account(Ident::from_canonical(name)),
        )
    }

    /// A state edited to hold a statement snowform never wrote, under an effect the account
    /// cannot judge (the recorded warehouse as it is): settling would send it again.
    #[test]
    fn a_statement_planted_in_the_state_is_refused_and_stays_in_progress() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for planted in [
            "DROP DATABASE PROD",
            "ALTER WAREHOUSE W SET WAREHOUSE_SIZE = 'X6LARGE'",
        ] {
            let mut state = State::new("default");
            state.apply_effect(&Effect::Put {
                object: warehouse("XSMALL"),
            });
            state.in_progress.push(InProgress {
                statement: planted.into(),
                request_id: "planted".into(),
                ..running(Effect::Put {
                    object: warehouse("XSMALL"),
                })
            });
            // And one owed after it, which goes with it.
            state.in_progress.push(InProgress {
                statement: create_sql(),
                request_id: "owed".into(),
                after: Some("planted".into()),
                ..running(Effect::Put {
                    object: warehouse("XSMALL"),
                })
            });
            let mut settled = settle(&mut state, &live(&[warehouse("XSMALL")]));
            assert_eq!(settled[0].outcome, Outcome::Unknown);
            let runner = Resend(Default::default(), true);
            let guard = ResendGuard {
                allow_destroy: true,
                protected: vec![],
            };
            rt.block_on(resubmit(&mut state, &mut settled, &runner, &guard));
            assert!(runner.0.lock().unwrap().is_empty(), "{planted} was sent");
            assert!(
                matches!(&settled[0].outcome, Outcome::Refused(r) if r.contains("not a statement snowform writes")),
                "{:?}",
                settled[0].outcome
            );
            assert!(matches!(settled[1].outcome, Outcome::Refused(_)));
            assert_eq!(
                state
                    .in_progress
                    .iter()
                    .map(|p| p.request_id.as_str())
                    .collect::<Vec<_>>(),
                ["planted", "owed"]
            );
            assert!(summary(&settled).contains("2 were not sent again"));
        }
    }

    /// A drop snowform writes is sent again only with --allow-destroy, and never for an
    /// object the configuration protects, by address or by name.
    #[test]
    fn a_drop_is_sent_again_only_past_the_destroy_guards() {
        let mut state = State::new("default");
        state.apply_effect(&Effect::Put {
            object: database("PROD"),
        });
        let entry = |sql: &str| InProgress {
            statement: sql.into(),
            ..running(Effect::Remove {
                address: database("PROD").address,
            })
        };
        let allowed = ResendGuard {
            allow_destroy: true,
            protected: vec![],
        };
        assert_eq!(
            vouch(&state, &entry("DROP DATABASE PROD"), &allowed),
            Ok(())
        );
        let no_flag = vouch(
            &state,
            &entry("DROP DATABASE PROD"),
            &ResendGuard::default(),
        );
        assert!(no_flag.unwrap_err().contains("needs --allow-destroy"));
        // Not the object the effect names.
        let other = vouch(&state, &entry("DROP DATABASE OTHER"), &allowed);
        assert!(other
            .unwrap_err()
            .contains("not a statement snowform writes"));
        let mut by_name = database("PROD");
        by_name.address = Address::new(Kind::Database, "renamed_in_config");
        for p in [database("PROD"), by_name] {
            let mut p = p;
            p.lifecycle.prevent_destroy = true;
            let guard = ResendGuard {
                allow_destroy: true,
                protected: vec![p],
            };
            let refused = vouch(&state, &entry("DROP DATABASE PROD"), &guard);
            assert!(refused.unwrap_err().contains("prevent_destroy"));
        }
        // A replace is a drop too.
        let mut put = entry("CREATE OR REPLACE DATABASE PROD");
        put.effect = Some(Effect::Put {
            object: database("PROD"),
        });
        assert!(vouch(&state, &put, &ResendGuard::default())
            .unwrap_err()
            .contains("needs --allow-destroy"));
        assert_eq!(vouch(&state, &put, &allowed), Ok(()));
        // No effect: nothing to check it against.
        let mut none = entry("DROP DATABASE PROD");
        none.effect = None;
        assert!(vouch(&state, &none, &allowed).is_err());
    }

    /// A kill between a task's suspend and its resume: the account shows the task
    /// suspended, so the resume owed after the suspend did not run. Settling does not send
    /// it (the next plan resumes the task once its change is done), so it runs once.
    #[test]
    fn a_resume_owed_after_a_suspend_is_judged_by_the_account_not_sent() {
        let task = |enabled: bool| {
            let mut o = Object::new(
                Address::new(Kind::Task, "t"),
                ObjectName::in_schema(
                    Ident::from_canonical("D"),
                    Ident::from_canonical("S"),
                    Ident::from_canonical("T"),
                ),
            );
            o.set(attr::SQL, "SELECT 1");
            o.set(attr::SCHEDULE, "60 MINUTES");
            o.set(attr::ENABLED, enabled);
            o
        };
        let patch = |enabled: bool| Effect::Patch {
            from: None,
            object: task(enabled),
            paths: vec!["enabled".into()],
        };
        let mut state = State::new("default");
        state.apply_effect(&Effect::Put { object: task(true) });
        state.in_progress.push(InProgress {
            statement: "ALTER TASK D.S.T SUSPEND".into(),
            request_id: "suspend".into(),
            ..running(patch(false))
        });
        state.in_progress.push(InProgress {
            statement: "ALTER TASK D.S.T RESUME".into(),
            request_id: "resume".into(),
            after: Some("suspend".into()),
            ..running(patch(true))
        });
        let settled = settle(&mut state, &live(&[task(false)]));
        assert_eq!(
            settled
                .iter()
                .map(|s| s.outcome.clone())
                .collect::<Vec<_>>(),
            [Outcome::Recorded, Outcome::NotRun]
        );
        assert_eq!(
            state.resources[&task(true).address].properties["enabled"],
            false.into()
        );
    }
}

/// Remove the in-progress entry `request_id` and every entry owed after it (they run only
/// once it succeeds), transitively; the statements removed, in the state's order
/// (`state forget`).
pub fn forget(state: &mut crate::state::State, request_id: &str) -> Vec<String> {
    let mut gone: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    if state.in_progress.iter().any(|e| e.request_id == request_id) {
        gone.insert(request_id.to_string());
        // Entries owed after a forgotten one are forgotten with it, however deep.
        loop {
            let more: Vec<String> = state
                .in_progress
                .iter()
                .filter(|e| !gone.contains(&e.request_id))
                .filter(|e| e.after.as_ref().is_some_and(|a| gone.contains(a)))
                .map(|e| e.request_id.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            gone.extend(more);
        }
    }
    let (out, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut state.in_progress)
        .into_iter()
        .partition(|e| gone.contains(&e.request_id));
    state.in_progress = keep;
    out.into_iter().map(|e| e.statement).collect()
}

#[cfg(test)]
mod forget_tests {
    use super::forget;
    use crate::state::{InProgress, State};

    fn entry(id: &str, after: Option<&str>) -> InProgress {
        InProgress {
            statement: format!("ALTER TASK T{id} RESUME"),
            request_id: id.into(),
            started_at: "2026-12-06T00:00:00Z".into(),
            effect: None,
            after: after.map(String::from),
        }
    }

    #[test]
    fn forgetting_an_entry_forgets_what_is_owed_after_it_however_deep() {
        let mut state = State::new("default");
        state.in_progress = vec![
            entry("a", None),
            entry("b", Some("a")),
            entry("c", Some("b")),
            entry("d", None),
        ];
        assert_eq!(forget(&mut state, "x"), Vec::<String>::new());
        assert_eq!(state.in_progress.len(), 4);
        assert_eq!(
            forget(&mut state, "a"),
            [
                "ALTER TASK Ta RESUME",
                "ALTER TASK Tb RESUME",
                "ALTER TASK Tc RESUME"
            ]
        );
        let left: Vec<&str> = state
            .in_progress
            .iter()
            .map(|e| e.request_id.as_str())
            .collect();
        assert_eq!(left, ["d"]);
    }
}
