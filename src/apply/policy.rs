//! What apply may destroy or rename: `--allow-destroy`, `--allow-rename` and
//! `lifecycle.prevent_destroy`, checked on a plan before anything runs, and handed to what
//! a statement sent again from the state may do ([`ResendGuard`]).

use super::recover::ResendGuard;
use crate::diff::{Action, Change};
use crate::model::{Address, Object, Removal};
use crate::plan::Plan;
use std::collections::BTreeSet;

/// What the flags and the configuration allow.
#[derive(Clone, Debug, Default)]
pub(crate) struct DestroyPolicy {
    /// `--allow-destroy`: deletes and replaces.
    pub(crate) allow_destroy: bool,
    /// `--allow-rename`, or `--allow-destroy`: renames of databases, schemas and warehouses.
    pub(crate) allow_rename: bool,
    /// The objects the configuration protects with `lifecycle.prevent_destroy`.
    pub protected: Vec<Object>,
    /// The configuration's `removed` blocks: a delete of an object they forget
    /// (`destroy = false`) that runs no statement destroys nothing.
    pub(crate) removals: Vec<Removal>,
}

/// Why a plan may not run. Nothing was changed.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Refusal {
    #[error("refusing to apply: these changes would destroy objects protected by lifecycle.prevent_destroy:\n{}\nRemove prevent_destroy from their blocks first if you really mean it. Nothing was changed.", .0.join("\n"))]
    Protected(Vec<String>),
    #[error("refusing to apply destructive changes without --allow-destroy:\n{}\nNothing was changed.", .0.join("\n"))]
    Destructive(Vec<String>),
    #[error("refusing to apply renames without --allow-rename (or --allow-destroy):\n{}\nMove what names the old names first, then apply with --allow-rename. Nothing was changed.", .0.join("\n"))]
    Renames(Vec<String>),
}

impl DestroyPolicy {
    /// The policy of the flags, with the objects of the configuration that protect
    /// themselves. `--allow-destroy` allows renames too.
    pub fn new(objects: &[Object], allow_destroy: bool, allow_rename: bool) -> DestroyPolicy {
        DestroyPolicy {
            allow_destroy,
            allow_rename: allow_rename || allow_destroy,
            protected: objects
                .iter()
                .filter(|o| o.lifecycle.prevent_destroy)
                .cloned()
                .collect(),
            removals: Vec::new(),
        }
    }

    /// The policy, knowing the configuration's `removed` blocks.
    pub(crate) fn with_removals(mut self, removals: &[Removal]) -> DestroyPolicy {
        self.removals = removals.to_vec();
        self
    }

    /// What a statement sent again from the state may do: what a planned change may.
    pub(crate) fn resend_guard(&self) -> ResendGuard {
        ResendGuard {
            allow_destroy: self.allow_destroy,
            protected: self.protected.clone(),
        }
    }

    /// Deletes and replaces only with `--allow-destroy`; renames of databases, schemas and
    /// warehouses only with `--allow-rename` (or `--allow-destroy`); `prevent_destroy`
    /// objects never. A saved plan's flags are not trusted alone: a delete or replace is
    /// always destructive, and an object the configuration now protects stays protected.
    pub fn check(&self, plan: &Plan) -> Result<(), Refusal> {
        let protected_now: BTreeSet<&Address> = self.protected.iter().map(|o| &o.address).collect();
        // The configuration asks to forget it, and no statement runs: nothing is dropped.
        // (A saved plan's flags are not trusted: the statements are the plan's own.)
        let forgotten = |c: &crate::plan::PlannedChange| {
            c.change.action == Action::Delete
                && c.change.state_only
                && plan.change_statements(c).is_empty()
                && self
                    .removals
                    .iter()
                    .any(|r| !r.destroy && r.covers(&c.change.address))
        };
        let destructive =
            |c: &Change| c.destructive || matches!(c.action, Action::Delete | Action::Replace);
        let protected: Vec<String> = plan
            .changes
            .iter()
            .filter(|c| {
                destructive(&c.change)
                    && !forgotten(c)
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
            return Err(Refusal::Protected(protected));
        }
        // Revoking privileges loses nothing a GRANT cannot give back: a grant's revoke
        // (and a grant moved to another target) needs no --allow-destroy.
        let destructive: Vec<String> = plan
            .changes
            .iter()
            .filter(|c| {
                destructive(&c.change)
                    && c.change.kind() != crate::model::Kind::Grant
                    && !forgotten(c)
            })
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
        if !destructive.is_empty() && !self.allow_destroy {
            return Err(Refusal::Destructive(destructive));
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
        if !renames.is_empty() && !self.allow_rename {
            return Err(Refusal::Renames(renames));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{diff, DiffInput};
    use crate::model::{Ident, Kind, ObjectName};
    use std::collections::BTreeMap;

    fn database(name: &str, protect: bool) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Database, "d"),
            ObjectName::account(Ident::from_canonical(name)),
        );
        o.lifecycle.prevent_destroy = protect;
        o
    }

    fn plan(desired: &[Object], recorded: &[Object]) -> Plan {
        let recorded: BTreeMap<Address, Object> = recorded
            .iter()
            .map(|o| (o.address.clone(), o.clone()))
            .collect();
        let changes = diff(&DiffInput {
            desired,
            recorded: &recorded,
            live: None,
        })
        .unwrap();
        crate::plan::build(changes, "default")
    }

    fn refusal(policy: &DestroyPolicy, plan: &Plan) -> Option<&'static str> {
        match policy.check(plan) {
            Ok(()) => None,
            Err(Refusal::Protected(_)) => Some("protected"),
            Err(Refusal::Destructive(_)) => Some("destructive"),
            Err(Refusal::Renames(_)) => Some("renames"),
        }
    }

    /// Each flag against each kind of plan, as a table: (allow_destroy, allow_rename,
    /// what the configuration protects) -> what is refused.
    #[test]
    fn the_flags_allow_what_they_say_and_protection_overrides_them() {
        let delete = plan(&[], &[database("D", false)]);
        let rename = plan(&[database("D2", false)], &[database("D", false)]);
        // Recorded unprotected; the configuration protects it now (a saved plan made before).
        let mut protected_delete = delete.clone();
        protected_delete.changes[0].change.prevent_destroy = true;
        let none: Vec<Object> = vec![];
        let protects = vec![database("D", true)];
        type Case<'a> = (&'a Plan, bool, bool, &'a Vec<Object>, Option<&'a str>);
        let cases: Vec<Case> = vec![
            (&delete, false, false, &none, Some("destructive")),
            (&delete, true, false, &none, None),
            (&delete, true, false, &protects, Some("protected")),
            (&protected_delete, true, true, &none, Some("protected")),
            (&rename, false, false, &none, Some("renames")),
            (&rename, false, true, &none, None),
            // --allow-destroy allows renames too.
            (&rename, true, false, &none, None),
        ];
        for (i, (plan, destroy, rename, objects, want)) in cases.into_iter().enumerate() {
            let p = DestroyPolicy::new(objects, destroy, rename);
            assert_eq!(refusal(&p, plan), want, "case {i}");
        }
    }

    #[test]
    fn a_refusal_names_each_change_and_why() {
        let delete = plan(&[], &[database("D", false)]);
        let e = DestroyPolicy::default().check(&delete).unwrap_err();
        assert_eq!(
            e.to_string(),
            "refusing to apply destructive changes without --allow-destroy:\n  delete database.d (D): no longer in the configuration\nNothing was changed."
        );
    }

    #[test]
    fn statements_sent_again_are_guarded_alike() {
        let g = DestroyPolicy::new(&[database("D", true), database("E", false)], true, false)
            .resend_guard();
        assert!(g.allow_destroy);
        assert_eq!(g.protected.len(), 1);
    }
}
