//! Diff: a pure comparison of desired objects with what is live (or, offline, with what
//! state recorded), giving one change per address: create, update, replace, delete or
//! noop, with the changed attributes and why.

mod compare;
pub mod contents;
mod model_versions;
mod reason;

use crate::diag::{Diagnostic, Diagnostics};
use crate::model::attr;
use crate::model::{schema, Address, Kind, Object, ObjectName, Source, Value};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub(crate) use compare::compare_props;
pub(crate) use contents::{attach as attach_contents, Found};
pub use contents::{replaced_containers, Contained, Contents};
pub(crate) use model_versions::same_field as same_version_field;
#[cfg(test)]
use reason::RECORD_ONLY;
use reason::RETENTION;
pub use reason::{Reason, RetentionCause, Why};

/// What is known to exist, keyed by kind and Snowflake name.
pub type Picture = BTreeMap<(Kind, ObjectName), Object>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    #[serde(rename = "noop")]
    NoOp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
            Action::NoOp => "noop",
        }
    }
}

pub use crate::model::AttrChange;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub address: Address,
    pub action: Action,
    /// Loses data or grants: a delete, a replace, or an update that drops a part (a model version).
    pub destructive: bool,
    pub reasons: Vec<Reason>,
    pub attrs: Vec<AttrChange>,
    /// What exists now (live, or recorded when offline).
    pub before: Option<Object>,
    /// What the configuration wants.
    pub after: Option<Object>,
    /// The state address this object was recorded under, when the configuration moved it.
    pub(crate) moved_from: Option<Address>,
    /// The database or schema whose replacement or deletion takes this object with it.
    pub(crate) with_container: Option<Address>,
    /// Nothing to run: only the state changes (an object already gone, or dropped with
    /// its container, or moved to a new address).
    pub(crate) state_only: bool,
    /// The object is protected with lifecycle.prevent_destroy.
    pub prevent_destroy: bool,
    /// Attributes (paths) this change puts back: the record holds the configured value and
    /// the account another, so they were changed outside snowform since the last apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changed_outside: Vec<String>,
    /// A replaced database or schema: what the account holds inside it, managed or not,
    /// which Snowflake drops with it ([`attach_contents`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drops_with_it: Option<Contents>,
    /// Replaced because the user asked (`--replace`), not because anything needs it: a
    /// kind that otherwise changes in place is dropped and created.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub(crate) replace_requested: bool,
    /// Adopted by an `import` block: the account's object is recorded by this change's
    /// first step, no statement run for that (`before` is what is adopted).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
}

impl Change {
    fn new(address: Address, action: Action) -> Change {
        Change {
            address,
            action,
            destructive: matches!(action, Action::Delete | Action::Replace),
            reasons: Vec::new(),
            attrs: Vec::new(),
            before: None,
            after: None,
            moved_from: None,
            with_container: None,
            state_only: false,
            prevent_destroy: false,
            changed_outside: Vec::new(),
            drops_with_it: None,
            replace_requested: false,
            imported: false,
        }
    }

    pub fn kind(&self) -> Kind {
        self.address.kind
    }

    /// The Snowflake name shown for this change: the desired one, or the recorded one.
    pub fn name(&self) -> &ObjectName {
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .map(|o| &o.name)
            .expect("a change has an object")
    }

    pub fn is_noop(&self) -> bool {
        self.action == Action::NoOp
    }

    /// Why this change breaks what others run, without destroying anything: a rename of a
    /// database, schema, warehouse or role. Every query, view, task, grant script, connection
    /// and pipeline outside snowform that names the old name fails after it.
    pub fn disruption(&self) -> Option<String> {
        if self.action != Action::Update
            || !matches!(
                self.kind(),
                Kind::Database | Kind::Schema | Kind::Warehouse | Kind::Role
            )
        {
            return None;
        }
        let rename = self.attrs.iter().find(|a| a.name == attr::NAME)?;
        let old = rename
            .before
            .as_ref()
            .and_then(Value::as_str)
            .unwrap_or("?");
        let new = rename.after.as_ref().and_then(Value::as_str).unwrap_or("?");
        Some(format!(
            "renaming {} {old} to {new} breaks everything outside snowform that names {old}: queries, views, tasks, connections and scripts",
            self.kind().noun()
        ))
    }
}

/// The inputs of a diff.
pub struct DiffInput<'a> {
    pub desired: &'a [Object],
    /// The state: what snowform recorded after its last apply.
    pub recorded: &'a BTreeMap<Address, Object>,
    /// What the account has, when refreshed; None plans against the recorded state alone.
    pub live: Option<&'a Picture>,
}

/// The passes of a diff, in the order they run once the configuration is matched with
/// the record ([`match_records`]), each named for what it adds. Order matters: moves are
/// marked on the changes of configured objects, and the last two passes revise what the
/// first three decided.
const PASSES: [(&str, Pass); 7] = [
    ("decide configured objects", decide_configured),
    ("mark moves", mark_moves),
    ("requested replacements", requested_replacements),
    ("decide deletes", decide_deletes),
    ("revoke undeclared privileges", revoke_undeclared),
    ("keep inherited retention", keep_inherited_retention),
    (
        "contents of replaced containers",
        contents_of_replaced_containers,
    ),
];

/// One pass: reads the matched inputs, adds to or revises the changes.
type Pass = fn(&Matched, &mut Vec<Change>, &mut Diagnostics);

/// Compare and decide an action per address by running [`PASSES`]. Errors are changes
/// Snowflake would refuse, or objects that exist but are not managed.
pub fn diff(input: &DiffInput) -> Result<Vec<Change>, Diagnostics> {
    diff_requested(input, &Requests::default())
}

/// What the user asks of a plan besides the configuration (`plan --replace ADDRESS`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Requests {
    /// Objects to replace although nothing about them needs it (a dynamic table to
    /// rebuild, a stage to empty).
    pub replace: Vec<Address>,
    /// The configuration's `moved` blocks: a record they take to a configured address is
    /// that object's, whatever its name (a block renamed along with its object).
    pub moves: Vec<crate::model::Move>,
    /// The configuration's `import` blocks: an object they name that the state does not
    /// record is adopted from the account by the plan.
    pub imports: Vec<crate::model::Import>,
    /// The configuration's `removed` blocks: a recorded object they cover with
    /// `destroy = false` is forgotten, not dropped.
    pub(crate) removals: Vec<crate::model::Removal>,
}

/// [`diff`], with what the user asks besides the configuration.
pub(crate) fn diff_requested(
    input: &DiffInput,
    requests: &Requests,
) -> Result<Vec<Change>, Diagnostics> {
    let mut matched = match_records(input, &requests.moves);
    matched.requests = requests.clone();
    let matched = matched;
    let mut diags = Diagnostics::new();
    // A change per configured object and per record no longer configured, besides the
    // revokes (few): sized once rather than grown by copying.
    let deletes = matched.configured.iter().filter(|c| !**c).count();
    let mut changes = Vec::with_capacity(input.desired.len() + deletes);
    for (_, pass) in PASSES {
        pass(&matched, &mut changes, &mut diags);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    changes.sort_by(|a, b| a.address.cmp(&b.address));
    Ok(changes)
}

/// The configuration matched with the record: which state address each configured object
/// was recorded under, and where this plan's renames take recorded names.
struct Matched<'i, 'a> {
    input: &'i DiffInput<'a>,
    /// Configured address -> the state address it moved from.
    moved: BTreeMap<&'a Address, &'a Address>,
    relocation: Relocation,
    requests: Requests,
    /// Per configured object (in `input.desired`'s order), the record at its own address.
    own: Vec<Option<&'a Object>>,
    /// Per record (in `input.recorded`'s order), whether a configured object has its address.
    configured: Vec<bool>,
}

impl<'a> Matched<'_, 'a> {
    /// The record of the configured object `input.desired[at]`: at its own address, or
    /// the one it moved from.
    fn recorded(&self, at: usize) -> Option<&'a Object> {
        match self.moved.get(&self.input.desired[at].address) {
            Some(from) => self.input.recorded.get(*from),
            None => self.own[at],
        }
    }
}

/// Which configured objects have a record at their own address, and which records a
/// configured object has: one walk of the records beside the configuration in address
/// order (the configuration comes sorted; it is sorted here when not), where searching
/// the records and a set of configured addresses for each object cost a tenth of a
/// refreshing plan of 10,000 objects (every comparison of two addresses reads their text).
fn index_by_address<'a>(
    desired: &[Object],
    recorded: &'a BTreeMap<Address, Object>,
) -> (Vec<Option<&'a Object>>, Vec<bool>) {
    let mut order: Vec<usize> = (0..desired.len()).collect();
    if !desired.windows(2).all(|w| w[0].address <= w[1].address) {
        order.sort_by(|&x, &y| desired[x].address.cmp(&desired[y].address));
    }
    let mut own = vec![None; desired.len()];
    let mut configured = vec![false; recorded.len()];
    let mut next = order.iter().copied().peekable();
    for (at, (address, record)) in recorded.iter().enumerate() {
        while let Some(&i) = next.peek() {
            match desired[i].address.cmp(address) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => {
                    own[i] = Some(record);
                    configured[at] = true;
                }
                std::cmp::Ordering::Greater => break,
            }
            next.next();
        }
    }
    (own, configured)
}

/// Match desired, recorded and live: a state entry whose object the configuration now
/// holds under another address has moved. Its name is the one recorded, or that name
/// after the renames of its database and schema in this plan (found once those containers
/// are matched up, hence a loop).
fn match_records<'i, 'a>(
    input: &'i DiffInput<'a>,
    moves: &[crate::model::Move],
) -> Matched<'i, 'a> {
    let (own, configured) = index_by_address(input.desired, input.recorded);
    let mut moved: BTreeMap<&'a Address, &'a Address> = BTreeMap::new();
    // The moved blocks first, each applied in turn (a chain a -> b -> c takes a to c): a
    // record they take to a configured address that records nothing is that object's.
    if !moves.is_empty() {
        let desired_by_addr: BTreeMap<&Address, &'a Address> = input
            .desired
            .iter()
            .map(|o| (&o.address, &o.address))
            .collect();
        for (old, _) in input.recorded.keys().zip(&configured).filter(|(_, c)| !**c) {
            let mut at = old.clone();
            for m in moves {
                if let Some(next) = m.apply(&at) {
                    at = next;
                }
            }
            if at == *old || input.recorded.contains_key(&at) {
                continue;
            }
            if let Some(&to) = desired_by_addr.get(&at) {
                if !moved.contains_key(to) {
                    moved.insert(to, old);
                }
            }
        }
    }
    let relocation = loop {
        let relocation = Relocation::of(input, &moved);
        let taken: BTreeSet<&Address> = moved.values().copied().collect();
        let recorded_by_name: BTreeMap<(Kind, ObjectName), &'a Address> = input
            .recorded
            .iter()
            .zip(&configured)
            .filter(|((a, _), c)| !**c && !taken.contains(a))
            .map(|((a, o), _)| ((a.kind, relocation.recorded_name(o)), a))
            .collect();
        if recorded_by_name.is_empty() {
            // Every record is configured at its own address or taken: nothing to match by name.
            break relocation;
        }
        let mut found = false;
        for (d, own) in input.desired.iter().zip(&own) {
            if own.is_some() || moved.contains_key(&d.address) {
                continue;
            }
            if let Some(old) = recorded_by_name.get(&(d.kind(), d.name.clone())) {
                if !moved.values().any(|m| m == old) {
                    moved.insert(&d.address, old);
                    found = true;
                }
            }
        }
        if !found {
            break relocation;
        }
    };
    Matched {
        input,
        moved,
        relocation,
        requests: Requests::default(),
        own,
        configured,
    }
}

/// A change per configured object: created (again, when the account lost it), updated,
/// replaced or left alone, from the comparison with what exists now; what only the
/// record changes ([`follow_record`]); or a refusal when the account has an object of
/// that name that snowform never recorded.
fn decide_configured(matched: &Matched, changes: &mut Vec<Change>, diags: &mut Diagnostics) {
    decide_range(matched, 0..matched.input.desired.len(), changes, diags);
}

/// [`decide_configured`] for the configured objects `input.desired[range]`, in order.
fn decide_range(
    matched: &Matched,
    range: std::ops::Range<usize>,
    changes: &mut Vec<Change>,
    diags: &mut Diagnostics,
) {
    let input = matched.input;
    for at in range {
        let d = &input.desired[at];
        let mut recorded = matched.recorded(at);
        // An import block adopts the account's object: it is as good as recorded.
        let adopted = match recorded {
            None if matched.requests.imports.iter().any(|i| i.to == d.address) => {
                match input.live {
                    None => {
                        diags.push(
                        Diagnostic::error(format!(
                            "the import block of {} needs the account",
                            d.address
                        ))
                        .with_detail("an import is planned from what the account has: plan with a connection, without --refresh=false"),
                    );
                        continue;
                    }
                    Some(live) => match live.get(&(d.kind(), d.name.clone())) {
                        None => {
                            diags.push(
                            Diagnostic::error(format!(
                                "the import block of {} names {} {}, which the account does not have",
                                d.address,
                                d.kind().noun(),
                                d.name
                            ))
                            .with_detail("or the role of this connection cannot see it (SHOW lists only objects the role has a privilege on); remove the import block to create it instead"),
                        );
                            continue;
                        }
                        Some(found) => {
                            let mut record = merge_state_only(found.clone(), Some(d));
                            record.address = d.address.clone();
                            record.deps = d.deps.clone();
                            record.lifecycle = d.lifecycle.clone();
                            Some(record)
                        }
                    },
                }
            }
            _ => None,
        };
        if adopted.is_some() {
            recorded = adopted.as_ref();
        }
        // An object of that name that snowform never recorded is someone else's: refuse to
        // plan a create Snowflake would reject, or changes to an object nobody adopted.
        // A grant is adopted instead: it has no owner to take it from, and a declared
        // role's privileges are the configuration's anyway.
        if recorded.is_none()
            && d.kind() != Kind::Grant
            && input
                .live
                .is_some_and(|live| live.contains_key(&(d.kind(), d.name.clone())))
        {
            diags.push(exists_unmanaged(d));
            continue;
        }
        let current = current_of(input, d, recorded).map(|c| matched.relocation.apply(c));
        let mut change = match current {
            None => {
                let mut c = Change::new(d.address.clone(), Action::Create);
                if let Some(r) = recorded {
                    c.reasons.push(
                        Why::DeletedOutside {
                            kind: d.kind(),
                            name: r.name.clone(),
                        }
                        .into(),
                    );
                }
                c.attrs = create_attrs(d);
                c
            }
            Some(cur) => match compare::compare(d, cur) {
                Ok(c) => follow_record(matched, d, recorded, c),
                Err(e) => {
                    diags.extend(e);
                    continue;
                }
            },
        };
        change.after = Some(d.clone());
        change.prevent_destroy = d.lifecycle.prevent_destroy;
        if let Some(record) = adopted {
            change.imported = true;
            change.reasons.insert(
                0,
                Why::Imported {
                    name: record.name.clone(),
                }
                .into(),
            );
            if change.action == Action::NoOp {
                // Nothing to run: the step records what the account has.
                change.action = Action::Update;
                change.state_only = true;
            }
            if change.before.is_none() {
                change.before = Some(record);
            }
        }
        changes.push(change);
    }
}

/// What the comparison with the account leaves to the record: a change with nothing to
/// run whose record follows its renamed database or schema, or differs from the
/// configuration the account already matches (state only); and for a change that runs,
/// the attributes it puts back after they were changed outside snowform. `change` is the
/// comparison with what exists now (its `before`).
fn follow_record(
    matched: &Matched,
    desired: &Object,
    recorded: Option<&Object>,
    mut change: Change,
) -> Change {
    if change.action == Action::NoOp {
        if let Some(r) = recorded {
            let cur = change
                .before
                .as_ref()
                .expect("a comparison keeps what it compared");
            if r.name != cur.name {
                // Its database or schema is renamed: nothing to run for it, but its record
                // must follow.
                change.state_only = true;
                change.reasons.push(
                    Why::MovesWithRenamedContainer {
                        recorded_as: r.name.clone(),
                    }
                    .into(),
                );
            } else if let Some(attrs) = record_differs(desired, &matched.relocation.names_ref(r)) {
                // The account already is as configured, but the state says otherwise (a
                // value set to what the account had inherited, a version source naming a
                // renamed stage): only the state changes, or every plan without a refresh
                // would show it.
                change.action = Action::Update;
                change.state_only = true;
                change.attrs = attrs;
                change.reasons.push(Why::RecordOnly.into());
            }
        }
    } else if let (Some(r), Some(_)) = (recorded, matched.input.live) {
        change.changed_outside = changed_outside(&change, &matched.relocation.names_ref(r));
    }
    change
}

/// The objects the user asked to replace (`--replace ADDRESS`) are replaced: an update or a
/// change with nothing to run becomes a replacement, with that reason. One being created is
/// created anyway; asking for one that is not configured is an error, since a typo would
/// otherwise replace nothing and say nothing.
#[allow(clippy::ptr_arg)] // the one signature of every pass ([`Pass`])
fn requested_replacements(matched: &Matched, changes: &mut Vec<Change>, diags: &mut Diagnostics) {
    for address in &matched.requests.replace {
        let Some(c) = changes.iter_mut().find(|c| &c.address == address) else {
            diags.push(
                Diagnostic::error(format!(
                    "--replace {address}: the configuration has no such object"
                ))
                .with_detail(
                    "name the address of a block of the configuration, as `snowform state list` or a plan prints it",
                ),
            );
            continue;
        };
        match c.action {
            Action::Create | Action::Delete => {}
            Action::NoOp | Action::Update | Action::Replace => {
                c.action = Action::Replace;
                c.destructive = true;
                c.state_only = false;
                c.replace_requested = true;
                c.reasons.push(Why::ReplaceRequested.into());
            }
        }
    }
}

/// A configured object recorded under another address moved there: its change says from
/// where (first among its reasons), and is at least an update, of the state.
#[allow(clippy::ptr_arg)] // the one signature of every pass ([`Pass`]): the first ones push
fn mark_moves(matched: &Matched, changes: &mut Vec<Change>, _: &mut Diagnostics) {
    if matched.moved.is_empty() {
        return;
    }
    for change in changes.iter_mut().filter(|c| c.after.is_some()) {
        let Some(&from) = matched.moved.get(&change.address) else {
            continue;
        };
        change.moved_from = Some(from.clone());
        change
            .reasons
            .insert(0, Why::MovedFrom { from: from.clone() }.into());
        if change.action == Action::NoOp {
            change.action = Action::Update;
        }
    }
}

/// A delete per recorded object the configuration no longer has (and did not move): of
/// the object as the account has it, or, when the account lost it, of the record alone.
fn decide_deletes(matched: &Matched, changes: &mut Vec<Change>, _: &mut Diagnostics) {
    let input = matched.input;
    let moved_sources: BTreeSet<&Address> = matched.moved.values().copied().collect();
    for ((addr, r), configured) in input.recorded.iter().zip(&matched.configured) {
        if *configured || moved_sources.contains(addr) {
            continue;
        }
        let mut c = Change::new(addr.clone(), Action::Delete);
        c.prevent_destroy = r.lifecycle.prevent_destroy;
        if matched
            .requests
            .removals
            .iter()
            .any(|x| !x.destroy && x.covers(addr))
        {
            // A removed block with destroy = false: the state forgets it, the account
            // keeps it.
            c.destructive = false;
            c.prevent_destroy = false;
            c.state_only = true;
            c.reasons.push(Why::Forgotten.into());
            c.before = Some(r.clone());
            changes.push(c);
            continue;
        }
        let exists = match input.live {
            Some(live) => live
                .get(&(addr.kind, r.name.clone()))
                .cloned()
                .or_else(|| unseen_on_all(r).then(|| r.clone())),
            None => Some(r.clone()),
        };
        match exists {
            Some(cur) => {
                c.reasons.push(Why::NoLongerConfigured.into());
                c.attrs = create_attrs(&cur)
                    .into_iter()
                    .map(|a| AttrChange {
                        name: a.name,
                        before: a.after,
                        after: None,
                    })
                    .collect();
                let mut before = merge_state_only(cur, Some(r));
                // SHOW says nothing of references: the record knows what the object
                // depends on, which is what orders its drop before those objects'.
                before.deps = r.deps.clone();
                c.before = Some(matched.relocation.apply(before));
            }
            None => {
                c.destructive = false;
                c.reasons.push(
                    Why::AlreadyGone {
                        kind: addr.kind,
                        name: r.name.clone(),
                    }
                    .into(),
                );
                c.state_only = true;
                c.before = Some(r.clone());
            }
        }
        changes.push(c);
    }
}

/// A revoke per privilege that a role the configuration declares holds inside the
/// databases and warehouses it manages and that no grant declares (nor records, whose
/// revoke is already a delete): the role's privileges there are the configuration's.
/// Offline (no live picture) there is nothing to compare with.
#[allow(clippy::ptr_arg)] // the one signature of every pass ([`Pass`])
fn revoke_undeclared(matched: &Matched, changes: &mut Vec<Change>, _: &mut Diagnostics) {
    let Some(live) = matched.input.live else {
        return;
    };
    let recorded: Vec<&Object> = matched.input.recorded.values().collect();
    for o in undeclared_grants(matched.input.desired, &recorded, live) {
        let mut c = Change::new(
            Address::with_key(Kind::Grant, "undeclared", o.name.name.as_str()),
            Action::Delete,
        );
        c.destructive = false;
        c.reasons.push(
            Why::UndeclaredPrivilege {
                grantee: o.get_str(attr::TO).unwrap_or_default().to_string(),
            }
            .into(),
        );
        c.attrs = vec![AttrChange {
            name: "privileges".into(),
            before: o.get(attr::PRIVILEGES).cloned(),
            after: None,
        }];
        c.before = Some(o);
        changes.push(c);
    }
}

/// The privileges, grouped as the account's grants, that the roles `declared` declares hold
/// inside the databases and warehouses it manages and that none of its grants (nor of
/// `known`, the recorded ones) gives: each is a grant object with only those privileges.
/// A privilege on an object that an `on_all` or `on_future` grant of the same grantee
/// covers (the object's kind, in its schema or database) is declared by that grant.
pub(crate) fn undeclared_grants(
    declared: &[Object],
    known: &[&Object],
    live: &Picture,
) -> Vec<Object> {
    use crate::kinds::grant::{securable_of_plural, split_target};
    let roles: BTreeSet<String> = declared
        .iter()
        .filter_map(|o| match o.kind() {
            Kind::Role => Some(format!("ROLE {}", o.name.to_sql())),
            Kind::DatabaseRole => Some(format!("DATABASE ROLE {}", o.name.to_sql())),
            _ => None,
        })
        .collect();
    if roles.is_empty() {
        return Vec::new();
    }
    let databases: BTreeSet<String> = declared
        .iter()
        .filter(|o| o.kind() == Kind::Database)
        .map(|o| o.name.to_sql())
        .collect();
    let warehouses: BTreeSet<String> = declared
        .iter()
        .filter(|o| o.kind() == Kind::Warehouse)
        .map(|o| format!("WAREHOUSE {}", o.name.to_sql()))
        .collect();
    let grants = || {
        declared
            .iter()
            .chain(known.iter().copied())
            .filter(|o| o.kind() == Kind::Grant)
    };
    let names: BTreeSet<&ObjectName> = grants().map(|o| &o.name).collect();
    // The grants by grantee (the on_all / on_future ones among them cover), found once:
    // looking them up per live grant scanned every declared and recorded object for each
    // (20,000 objects times 5,000 live grants on a 10,000-object account with access control).
    let mut by_grantee: BTreeMap<&str, Vec<&Object>> = BTreeMap::new();
    for g in grants() {
        if let Some(to) = g.get_str(attr::TO) {
            by_grantee.entry(to).or_default().push(g);
        }
    }
    let managed = |target: &str| {
        if warehouses.contains(target) {
            return true;
        }
        let name = target
            .strip_prefix("FUTURE ")
            .and_then(|t| t.split_once(" IN ").map(|(_, i)| i))
            .unwrap_or(target);
        let name = split_target(name).map(|(_, n)| n).unwrap_or(name);
        let first = crate::model::ident::split_parts(name)
            .ok()
            .and_then(|p| p.first().map(crate::model::Ident::to_sql));
        first.is_some_and(|db| databases.contains(&db))
    };
    let mut out = Vec::new();
    for o in live.values().filter(|o| o.kind() == Kind::Grant) {
        let Some(to) = o.get_str(attr::TO) else {
            continue;
        };
        if !roles.contains(to) || names.contains(&o.name) {
            continue;
        }
        let target = o.get_str(attr::ON).map(str::to_string).unwrap_or_else(|| {
            format!(
                "FUTURE {} IN {}",
                o.get_str(attr::ON_FUTURE).unwrap_or_default(),
                o.get_str(attr::IN).unwrap_or_default()
            )
        });
        if !managed(&target) {
            continue;
        }
        let mut privileges: Vec<String> = o
            .get(attr::PRIVILEGES)
            .map(|v| v.str_list())
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect();
        // Covered by an on_all / on_future grant of the same grantee.
        if let Some((sec, name)) = o.get_str(attr::ON).and_then(split_target) {
            let parts = crate::model::ident::split_parts(name).unwrap_or_default();
            let sql = |n: usize| {
                parts[..n.min(parts.len())]
                    .iter()
                    .map(crate::model::Ident::to_sql)
                    .collect::<Vec<_>>()
                    .join(".")
            };
            let containers = [format!("DATABASE {}", sql(1)), format!("SCHEMA {}", sql(2))];
            for g in by_grantee.get(to).into_iter().flatten() {
                let plural = g.get_str(attr::ON_ALL).or(g.get_str(attr::ON_FUTURE));
                let covers = plural
                    .and_then(securable_of_plural)
                    .is_some_and(|s| s.keyword == sec.keyword)
                    && g.get_str(attr::IN)
                        .is_some_and(|i| containers.iter().any(|c| c == i));
                if covers {
                    let held = g
                        .get(attr::PRIVILEGES)
                        .map(|v| v.str_list())
                        .unwrap_or_default();
                    privileges.retain(|p| !held.contains(&p.as_str()));
                }
            }
        }
        if privileges.is_empty() {
            continue;
        }
        let mut revoke = o.clone();
        revoke.set(
            attr::PRIVILEGES,
            Value::List(privileges.into_iter().map(Value::Str).collect()),
        );
        out.push(revoke);
    }
    out
}

/// The attributes (top-level names, `name` included) a plan from `current` (live, with
/// state-only attributes merged) to `wanted` would change; None when no plan could.
pub(crate) fn differing(wanted: &Object, current: &Object) -> Option<BTreeSet<String>> {
    let change = compare::compare_attrs(wanted, current).ok()?;
    Some(
        change
            .attrs
            .iter()
            .map(|a| a.name.split('.').next().unwrap_or(&a.name).to_string())
            .collect(),
    )
}

/// The attributes on which the record of an object differs from the configuration, when
/// a plan from the record would change something; None when it would not.
/// A value of an object at an attribute path: a property (with its default) or a field of a
/// model version (`versions.V1.comment`).
fn value_at(object: &Object, path: &str) -> Option<Value> {
    if let Some(attr) = schema(object.kind()).attr(path) {
        return object.effective(attr);
    }
    let mut parts = path.split('.');
    let mut v = object.props.get(parts.next()?)?;
    for p in parts {
        v = v.as_map()?.get(p)?;
    }
    Some(v.clone())
}

fn same_at(object: &Object, path: &str, left: Option<&Value>, right: Option<&Value>) -> bool {
    if let Some(attr) = schema(object.kind()).attr(path) {
        return crate::model::same_value(&attr.ty, left, right);
    }
    match path.rsplit_once('.') {
        Some((_, field)) if path.starts_with("versions.") => {
            model_versions::same_field(field, left, right)
        }
        _ => left == right,
    }
}

/// The attributes a change puts back to what the record holds: the account has another
/// value, set outside snowform since the last apply.
fn changed_outside(change: &Change, record: &Object) -> Vec<String> {
    change
        .attrs
        .iter()
        .filter(|a| a.name != attr::NAME)
        .filter(|a| {
            let recorded = value_at(record, &a.name);
            same_at(record, &a.name, recorded.as_ref(), a.after.as_ref())
                && !same_at(record, &a.name, recorded.as_ref(), a.before.as_ref())
        })
        .map(|a| a.name.clone())
        .collect()
}

fn record_differs(desired: &Object, record: &Object) -> Option<Vec<AttrChange>> {
    // An `owner` no longer configured is no longer managed: the record forgets it, or drift
    // would keep comparing the account with the owner once configured.
    if desired.owner().is_none() {
        if let Some(was) = record.owner() {
            return Some(vec![AttrChange {
                name: attr::OWNER.to_string(),
                before: Some(Value::from(was)),
                after: None,
            }]);
        }
    }
    match compare::compare_attrs(desired, record) {
        Ok(c) if c.action == Action::NoOp => None,
        Ok(c) => Some(c.attrs),
        // Only a version source can make the comparison fail; the record holds another.
        Err(_) => Some(Vec::new()),
    }
}

/// Where renamed databases and schemas take what they hold: after `ALTER DATABASE OLD
/// RENAME TO NEW` a recorded `OLD.S.X` is `NEW.S.X`, so its own statements must name it so.
/// A model version's source names its stage as it was when the version was added; a
/// renamed stage (or one in a renamed container) holds the same files.
struct Relocation {
    databases: BTreeMap<crate::model::Ident, crate::model::Ident>,
    /// (database, schema) before -> after.
    schemas: BTreeMap<
        (crate::model::Ident, crate::model::Ident),
        (crate::model::Ident, crate::model::Ident),
    >,
    /// Stages renamed or moved: recorded name -> configured name.
    stages: BTreeMap<ObjectName, ObjectName>,
}

impl Relocation {
    fn of(input: &DiffInput, moved: &BTreeMap<&Address, &Address>) -> Relocation {
        let mut r = Relocation {
            databases: BTreeMap::new(),
            schemas: BTreeMap::new(),
            stages: BTreeMap::new(),
        };
        for d in input
            .desired
            .iter()
            .filter(|d| matches!(d.kind(), Kind::Database | Kind::Schema | Kind::Stage))
        {
            let addr = moved.get(&d.address).copied().unwrap_or(&d.address);
            let Some(old) = input.recorded.get(addr).filter(|o| o.name != d.name) else {
                continue;
            };
            match (d.kind(), &old.name.database, &d.name.database) {
                (Kind::Stage, _, _) => {
                    r.stages.insert(old.name.clone(), d.name.clone());
                }
                (Kind::Database, _, _) => {
                    r.databases
                        .insert(old.name.name.clone(), d.name.name.clone());
                }
                (Kind::Schema, Some(odb), Some(ndb)) => {
                    r.schemas.insert(
                        (odb.clone(), old.name.name.clone()),
                        (ndb.clone(), d.name.name.clone()),
                    );
                }
                _ => {}
            }
        }
        r
    }

    /// Whether [`Relocation::names`] and [`Relocation::apply`] give `object` back as it
    /// is: no container or stage renamed, and no task's predecessors out of order.
    fn leaves(&self, object: &Object) -> bool {
        self.databases.is_empty()
            && self.schemas.is_empty()
            && self.stages.is_empty()
            && (object.kind() != Kind::Task
                || match object.props.get(attr::AFTER) {
                    Some(Value::List(preds)) => {
                        preds.windows(2).all(|w| w[0].as_str() <= w[1].as_str())
                    }
                    _ => true,
                })
    }

    /// [`Relocation::names`] of a borrowed object, copied only when it changes.
    fn names_ref<'o>(&self, object: &'o Object) -> std::borrow::Cow<'o, Object> {
        if self.leaves(object) {
            std::borrow::Cow::Borrowed(object)
        } else {
            std::borrow::Cow::Owned(self.names(object.clone()))
        }
    }

    /// The object as it is after the renames of this plan: its name, and for a model the
    /// stages its version sources name.
    fn apply(&self, object: Object) -> Object {
        if self.leaves(&object) {
            return object;
        }
        let mut object = self.names(object);
        if object.kind() == Kind::Model {
            self.sources(&mut object);
        }
        object
    }

    fn sources(&self, object: &mut Object) {
        let Some(Value::Map(versions)) = object.props.get_mut(crate::kinds::model::VERSIONS) else {
            return;
        };
        for v in versions.values_mut() {
            let Value::Map(fields) = v else { continue };
            let Some(Value::Str(source)) = fields.get_mut("source") else {
                continue;
            };
            let Some(rest) = source.strip_prefix('@') else {
                continue;
            };
            let (stage, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let Ok(stage) = ObjectName::parse_qualified(stage) else {
                continue;
            };
            let now = match self.stages.get(&stage) {
                Some(n) => n.clone(),
                None => self.name_of(&stage),
            };
            if now != stage {
                *source = format!("@{}{path}", now.to_sql());
            }
        }
    }

    /// The object's name after the renames of its database and schema, and for a task
    /// the names of its predecessors, which live in the same schema.
    fn names(&self, mut object: Object) -> Object {
        object.name = self.name_of(&object.name);
        if object.kind() == Kind::Grant {
            self.grant(&mut object);
        }
        if object.kind() == Kind::Task {
            if let Some(Value::List(preds)) = object.props.get_mut("after") {
                for p in preds.iter_mut() {
                    let Some(Ok(n)) = p.as_str().map(ObjectName::parse_qualified) else {
                        continue;
                    };
                    let now = self.name_of(&n);
                    if now != n {
                        *p = Value::Str(now.to_sql());
                    }
                }
                preds.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
        }
        object
    }

    /// A recorded object's name after the renames, as the configuration names it: a
    /// grant's name holds its target's, which a renamed container takes along.
    fn recorded_name(&self, object: &Object) -> ObjectName {
        if object.kind() == Kind::Grant {
            return self.names(object.clone()).name;
        }
        self.name_of(&object.name)
    }

    /// A grant whose target (`on`) or container (`in`) is, or is inside, a renamed database
    /// or schema: Snowflake keeps the grant on the renamed object, so its record follows
    /// (target and name). Renames of the target itself (a stage, a table) are not followed.
    fn grant(&self, object: &mut Object) {
        use crate::kinds::grant::{grant_name, target_text};
        use crate::model::ident::split_parts;
        let mut changed = false;
        for attr in [attr::ON, attr::IN] {
            let Some((keyword, name)) = object
                .get_str(attr)
                .and_then(|t| crate::kinds::grant::split_target(t).map(|(s, n)| (s.keyword, n)))
            else {
                continue;
            };
            let Ok(mut parts) = split_parts(name) else {
                continue;
            };
            let now = match (keyword, parts.len()) {
                ("DATABASE", 1) => self.databases.get(&parts[0]).map(|d| vec![d.clone()]),
                ("SCHEMA", 2) => {
                    let key = (parts[0].clone(), parts[1].clone());
                    match self.schemas.get(&key) {
                        Some((d, s)) => Some(vec![d.clone(), s.clone()]),
                        None => self.databases.get(&parts[0]).map(|d| {
                            parts[0] = d.clone();
                            parts.clone()
                        }),
                    }
                }
                (_, 3) => {
                    let n =
                        ObjectName::in_schema(parts[0].clone(), parts[1].clone(), parts[2].clone());
                    let now = self.name_of(&n);
                    (now != n).then(|| {
                        vec![
                            now.database.clone().unwrap_or_else(|| parts[0].clone()),
                            now.schema.clone().unwrap_or_else(|| parts[1].clone()),
                            now.name.clone(),
                        ]
                    })
                }
                _ => None,
            };
            if let Some(now) = now {
                let text = now.iter().map(|i| i.to_sql()).collect::<Vec<_>>().join(".");
                object.set(attr, format!("{keyword} {text}"));
                changed = true;
            }
        }
        if changed {
            let target = target_text(
                object.get_str(attr::ON),
                object.get_str(attr::ON_ALL),
                object.get_str(attr::ON_FUTURE),
                object.get_str(attr::IN),
            );
            if let (Some(target), Some(to)) = (target, object.get_str(attr::TO)) {
                object.name = grant_name(&target, to);
            }
        }
    }

    fn name_of(&self, name: &ObjectName) -> ObjectName {
        let mut n = name.clone();
        match (&n.database, &n.schema) {
            (Some(db), Some(schema)) => {
                if let Some((ndb, ns)) = self.schemas.get(&(db.clone(), schema.clone())) {
                    n.database = Some(ndb.clone());
                    n.schema = Some(ns.clone());
                } else if let Some(ndb) = self.databases.get(db) {
                    n.database = Some(ndb.clone());
                }
            }
            (Some(db), None) => {
                if let Some(ndb) = self.databases.get(db) {
                    n.database = Some(ndb.clone());
                }
            }
            _ => {}
        }
        n
    }
}

/// The object as it is now: live (with state-only attributes from the record) or recorded.
fn current_of(input: &DiffInput, desired: &Object, recorded: Option<&Object>) -> Option<Object> {
    match input.live {
        None => recorded.cloned(),
        Some(live) => {
            let by_desired = live.get(&(desired.kind(), desired.name.clone()));
            let by_recorded = recorded
                .filter(|r| r.name != desired.name)
                .and_then(|r| live.get(&(desired.kind(), r.name.clone())));
            let Some(found) = by_desired.or(by_recorded).cloned() else {
                return recorded.filter(|r| unseen_on_all(r)).cloned();
            };
            // A record of another object (renamed away) says nothing about this one.
            let record = recorded.filter(|r| r.name == found.name);
            Some(merge_state_only(found, record))
        }
    }
}

/// An `on_all` grant the live read could not see: with no object of its kind in its
/// container, it grants nothing, so the account holds it as recorded (`live::read` reads one
/// only from the objects it finds).
pub(crate) fn unseen_on_all(recorded: &Object) -> bool {
    recorded.kind() == Kind::Grant && recorded.get(attr::ON_ALL).is_some()
}

/// Live objects lack what SHOW does not return; the record holds it. Unknown (never
/// recorded, as after an import) is taken to match the configuration.
pub(crate) fn merge_state_only(mut live: Object, recorded: Option<&Object>) -> Object {
    let kind = live.kind();
    for attr in Object::state_only_attrs(kind) {
        // Read by the kind's DESCRIBE: the account's value, not the record's.
        if attr.source == Source::Describe && live.props.contains_key(attr.name) {
            continue;
        }
        match recorded.and_then(|r| r.props.get(attr.name)) {
            Some(v) => {
                live.props.insert(attr.name.to_string(), v.clone());
            }
            None if recorded.is_some() => {
                live.props.remove(attr.name);
            }
            None => {
                live.props
                    .insert(attr.name.to_string(), Value::Str(UNKNOWN.into()));
            }
        }
    }
    if kind == Kind::Model {
        model_versions::merge_recorded_sources(&mut live, recorded);
    }
    live
}

/// Marks a value snowform could not read and never recorded; it compares equal to anything.
pub(crate) const UNKNOWN: &str = "\u{0}unknown";

fn create_attrs(object: &Object) -> Vec<AttrChange> {
    object
        .props
        .iter()
        .filter(|(k, _)| {
            schema(object.kind())
                .attr(k)
                // A table's columns come from its blocks, and a plan shows them.
                .map(|a| {
                    a.role != crate::model::Role::Derived
                        || matches!(a.ty, crate::model::AttrType::Columns)
                })
                .unwrap_or(true)
        })
        .map(|(k, v)| AttrChange {
            name: k.clone(),
            before: None,
            after: Some(v.clone()),
        })
        .collect()
}

fn exists_unmanaged(desired: &Object) -> Diagnostic {
    Diagnostic::error(format!(
        "{} {} already exists in the account but snowform does not manage it",
        desired.kind().noun(),
        desired.name
    ))
    .with_detail(format!(
        "{} would fail to create it. Workspaces (environments) that share an account see \
         each other's objects but not each other's state: if another workspace manages it, \
         give each workspace its own name for it (for example from a variable in its \
         workspace's variable file); if it was made outside snowform, adopt it with: {}",
        desired.address,
        crate::model::import_command(&desired.address.to_string(), &desired.name.to_sql())
    ))
    .at(desired.span.clone())
}

/// A schema inherits its database's retention unless it is set on the schema, and SHOW
/// cannot tell which: a configured retention the account already shows may be inherited.
/// When this plan changes the database's retention, or moves the schema to another
/// database, the value is set on the schema, so that it keeps it.
#[allow(clippy::ptr_arg)] // the one signature of every pass ([`Pass`]): the first ones push
fn keep_inherited_retention(_: &Matched, changes: &mut Vec<Change>, _: &mut Diagnostics) {
    let changing: BTreeSet<ObjectName> = changes
        .iter()
        .filter(|c| c.kind() == Kind::Database && c.action == Action::Update)
        .filter(|c| c.attrs.iter().any(|a| a.name == RETENTION))
        .map(|c| c.name().clone())
        .collect();
    for c in changes.iter_mut() {
        if c.kind() != Kind::Schema || !matches!(c.action, Action::NoOp | Action::Update) {
            continue;
        }
        let (Some(b), Some(a)) = (c.before.as_ref(), c.after.as_ref()) else {
            continue;
        };
        let Some(want) = a.get(RETENTION).cloned() else {
            continue;
        };
        let database = |o: &Object| o.name.database.clone().map(ObjectName::account);
        let because = if database(b) != database(a) {
            RetentionCause::MovesToAnotherDatabase
        } else if database(a).is_some_and(|d| changing.contains(&d)) {
            RetentionCause::DatabaseRetentionChanges
        } else {
            continue;
        };
        if !c.state_only && c.attrs.iter().any(|x| x.name == RETENTION) {
            continue;
        }
        c.action = Action::Update;
        c.state_only = false;
        c.reasons.retain(|r| !follows_record(r));
        c.reasons.push(Why::RetentionSetOnSchema { because }.into());
        c.attrs.retain(|x| x.name != RETENTION);
        c.attrs.push(AttrChange {
            name: RETENTION.into(),
            before: b.get(RETENTION).cloned(),
            after: Some(want),
        });
    }
}

/// A reason that says only the record changes: the change no longer says so once it
/// runs something.
fn follows_record(reason: &Reason) -> bool {
    matches!(
        reason.why(),
        Why::RecordOnly | Why::MovesWithRenamedContainer { .. }
    )
}

/// Contents of replaced containers: a replaced database or schema is created empty, so
/// everything in it is replaced too, and whatever in it is deleted goes with it.
#[allow(clippy::ptr_arg)] // the one signature of every pass ([`Pass`]): the first ones push
fn contents_of_replaced_containers(_: &Matched, changes: &mut Vec<Change>, _: &mut Diagnostics) {
    // By its name before and after (a container both renamed and replaced).
    let replaced: Vec<(ObjectName, Address)> = changes
        .iter()
        .filter(|c| {
            matches!(c.kind(), Kind::Database | Kind::Schema)
                && matches!(c.action, Action::Replace | Action::Delete)
        })
        .flat_map(|c| {
            let names = c
                .before
                .iter()
                .chain(c.after.iter())
                .map(|o| o.name.clone());
            names.map(|n| (n, c.address.clone()))
        })
        .collect();
    if replaced.is_empty() {
        return;
    }
    for c in changes.iter_mut() {
        let inside = |o: Option<&Object>| {
            let name = &o?.name;
            replaced
                .iter()
                .find(|(cn, a)| *a != c.address && contains(cn, name))
                .map(|(_, a)| a.clone())
        };
        let (was_in, goes_in) = (inside(c.before.as_ref()), inside(c.after.as_ref()));
        match (c.action, was_in, goes_in) {
            (Action::Delete, Some(addr), _) if !c.state_only => {
                c.with_container = Some(addr.clone());
                c.state_only = true;
                c.reasons.push(
                    Why::DroppedWithContainer {
                        container: addr.clone(),
                    }
                    .into(),
                );
            }
            // Still inside (or a record only): created again in the new container.
            (Action::NoOp | Action::Update | Action::Replace, Some(_), Some(addr)) => {
                c.action = Action::Replace;
                c.destructive = true;
                // Created again in the new container: not just a record that follows it.
                c.state_only = false;
                c.reasons.retain(|r| !follows_record(r));
                c.reasons.push(
                    Why::RecreatedInReplacedContainer {
                        container: addr.clone(),
                        address: c.address.clone(),
                    }
                    .into(),
                );
                c.attrs = create_attrs(c.after.as_ref().expect("inside"));
                c.with_container = Some(addr.clone());
            }
            // Moved out by being created elsewhere: the old one goes with its container,
            // so nothing is suspended or dropped under the old name. (One moved out by a
            // rename stays an update: the rename runs before the container goes.)
            (Action::Replace, Some(addr), None) => {
                c.reasons.push(
                    Why::OldDroppedWithContainer {
                        container: addr.clone(),
                    }
                    .into(),
                );
                c.with_container = Some(addr.clone());
            }
            // Moved in (by a rename, or created there): its own statements follow the
            // container's, through the reference to it.
            _ => {}
        }
    }
}

/// True when `inner` lives inside `outer` (a database or a schema).
pub fn contains(outer: &ObjectName, inner: &ObjectName) -> bool {
    match (&outer.database, &outer.schema) {
        // outer is a database
        (None, None) => inner.database.as_ref() == Some(&outer.name),
        // outer is a schema DB.S
        (Some(db), None) => {
            inner.database.as_ref() == Some(db) && inner.schema.as_ref() == Some(&outer.name)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warehouse(size: &str) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Warehouse, "w"),
            ObjectName::account(crate::model::Ident::from_canonical("W")),
        );
        o.set(attr::SIZE, size);
        o
    }

    /// Warehouses in every state a configured object can be in, out of address order: new,
    /// changed in the account, unchanged, unmanaged (an error), lost by the account, changed
    /// in the record only; and records no longer configured.
    fn many_warehouses(count: usize) -> (Vec<Object>, BTreeMap<Address, Object>, Picture) {
        let named = |i: usize, size: &str| {
            let mut o = warehouse(size);
            o.address = Address::new(Kind::Warehouse, format!("w{i:05}"));
            o.name = ObjectName::account(crate::model::Ident::from_canonical(format!("W{i:05}")));
            o
        };
        let mut desired = Vec::new();
        let mut recorded = BTreeMap::new();
        let mut live = Picture::new();
        for i in 0..count {
            let d = named(i, "XSMALL");
            let (record, account) = match i % 7 {
                0 => (None, None),
                1 => (Some("XSMALL"), Some("SMALL")),
                2 | 6 => (Some("XSMALL"), Some("XSMALL")),
                3 => (None, Some("XSMALL")),
                4 => (Some("XSMALL"), None),
                _ => (Some("LARGE"), Some("XSMALL")),
            };
            if let Some(size) = record {
                recorded.insert(d.address.clone(), named(i, size));
            }
            if let Some(size) = account {
                live.insert((Kind::Warehouse, d.name.clone()), named(i, size));
            }
            if i % 13 == 5 {
                // No longer configured.
                continue;
            }
            desired.push(d);
        }
        // Out of address order: the index sorts what it is not given sorted.
        desired.reverse();
        desired.swap(0, count / 3);
        (desired, recorded, live)
    }

    #[test]
    fn the_index_by_address_finds_what_searching_the_records_finds() {
        let (desired, recorded, _) = many_warehouses(500);
        for desired in [desired.clone(), {
            let mut sorted = desired.clone();
            sorted.sort_by(|a, b| a.address.cmp(&b.address));
            sorted
        }] {
            let (own, configured) = index_by_address(&desired, &recorded);
            for (d, own) in desired.iter().zip(&own) {
                assert_eq!(*own, recorded.get(&d.address), "{}", d.address);
            }
            let addresses: BTreeSet<&Address> = desired.iter().map(|d| &d.address).collect();
            for ((a, _), configured) in recorded.iter().zip(&configured) {
                assert_eq!(*configured, addresses.contains(a), "{a}");
            }
        }
    }

    #[test]
    fn an_object_of_the_desired_name_that_state_never_recorded_is_refused() {
        let desired = [warehouse("XSMALL")];
        let live: Picture = [(
            (Kind::Warehouse, desired[0].name.clone()),
            warehouse("SMALL"),
        )]
        .into_iter()
        .collect();
        let none = BTreeMap::new();
        let err = diff(&DiffInput {
            desired: &desired,
            recorded: &none,
            live: Some(&live),
        })
        .unwrap_err();
        let text = err.iter().map(|d| d.to_string()).collect::<String>();
        assert!(
            text.contains("W already exists in the account but snowform does not manage it"),
            "{text}"
        );
        // Recorded, the same live object is an update.
        let recorded: BTreeMap<Address, Object> =
            [(desired[0].address.clone(), warehouse("XSMALL"))]
                .into_iter()
                .collect();
        let changes = diff(&DiffInput {
            desired: &desired,
            recorded: &recorded,
            live: Some(&live),
        })
        .unwrap();
        assert_eq!(changes[0].action, Action::Update);
    }

    #[test]
    fn a_delete_planned_from_the_account_keeps_the_recorded_dependencies() {
        let id = crate::model::Ident::from_canonical;
        let entity = Object::new(
            Address::new(Kind::Entity, "e"),
            ObjectName::in_schema(id("D"), id("S"), id("SNOWML_FEATURE_STORE_ENTITY_E")),
        );
        let mut fv = Object::new(
            Address::new(Kind::FeatureView, "f"),
            ObjectName::in_schema(id("D"), id("S"), id("F$V1")),
        );
        fv.deps.insert(entity.address.clone());
        let recorded: BTreeMap<Address, Object> = [&entity, &fv]
            .into_iter()
            .map(|o| (o.address.clone(), o.clone()))
            .collect();
        // What SHOW gives back knows nothing of references.
        let live: Picture = [&entity, &fv]
            .into_iter()
            .map(|o| {
                let mut l = o.clone();
                l.deps.clear();
                ((o.kind(), o.name.clone()), l)
            })
            .collect();
        let changes = diff(&DiffInput {
            desired: &[],
            recorded: &recorded,
            live: Some(&live),
        })
        .unwrap();
        let f = changes.iter().find(|c| c.address == fv.address).unwrap();
        assert_eq!(f.action, Action::Delete);
        assert_eq!(f.before.as_ref().unwrap().deps, fv.deps);
    }

    #[test]
    fn an_object_in_a_replaced_container_is_created_again_not_only_recorded() {
        let id = crate::model::Ident::from_canonical;
        let mut db = Object::new(
            Address::new(Kind::Database, "d"),
            ObjectName::account(id("D")),
        );
        let mut schema = Object::new(
            Address::new(Kind::Schema, "s"),
            ObjectName::in_database(id("D"), id("S")),
        );
        schema.deps.insert(db.address.clone());
        let recorded: BTreeMap<Address, Object> = [&db, &schema]
            .into_iter()
            .map(|o| (o.address.clone(), o.clone()))
            .collect();
        // The account already has the schema's new comment: alone, a record-only update.
        schema.set(attr::COMMENT, "c");
        let live: Picture = [&db, &schema]
            .into_iter()
            .map(|o| ((o.kind(), o.name.clone()), o.clone()))
            .collect();
        db.set(attr::TRANSIENT, true);
        let changes = diff(&DiffInput {
            desired: &[db, schema.clone()],
            recorded: &recorded,
            live: Some(&live),
        })
        .unwrap();
        let s = changes
            .iter()
            .find(|c| c.address == schema.address)
            .unwrap();
        assert_eq!(s.action, Action::Replace);
        assert!(!s.state_only);
        assert!(
            !s.reasons.iter().any(|r| r == RECORD_ONLY),
            "{:?}",
            s.reasons
        );
    }
}

#[cfg(test)]
mod pass_tests {
    //! Each pass on its own: the passes before it run, then it, and the test pins what it
    //! added (`+`) and took away (`-`) of what the changes say.
    use super::*;
    use crate::model::Ident;

    fn id(name: &str) -> Ident {
        Ident::from_canonical(name)
    }

    fn warehouse(addr: &str, size: &str) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Warehouse, addr),
            ObjectName::account(id("W")),
        );
        o.set(attr::SIZE, size);
        o
    }

    fn database(retention: Option<i64>, transient: bool) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Database, "d"),
            ObjectName::account(id("D")),
        );
        if let Some(r) = retention {
            o.set(RETENTION, r);
        }
        if transient {
            o.set(attr::TRANSIENT, true);
        }
        o
    }

    fn schema(retention: Option<i64>) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Schema, "s"),
            ObjectName::in_database(id("D"), id("S")),
        );
        o.deps.insert(Address::new(Kind::Database, "d"));
        if let Some(r) = retention {
            o.set(RETENTION, r);
        }
        o
    }

    fn role() -> Object {
        Object::new(Address::new(Kind::Role, "r"), ObjectName::account(id("R")))
    }

    /// A grant of `privileges` on `on` (`SCHEMA D.S`) or, with `future`, on the future
    /// objects of that kind in `on`, to role R.
    fn grant(addr: &str, on: &str, future: Option<&str>, privileges: &[&str]) -> Object {
        use crate::kinds::grant::grant_name;
        let target = match future {
            Some(p) => format!("FUTURE {p} IN {on}"),
            None => on.to_string(),
        };
        let mut o = Object::new(
            Address::new(Kind::Grant, addr),
            grant_name(&target, "ROLE R"),
        );
        match future {
            Some(p) => {
                o.set(attr::ON_FUTURE, p);
                o.set(attr::IN, on);
            }
            None => o.set(attr::ON, on),
        }
        o.set(attr::TO, "ROLE R");
        o.set(
            attr::PRIVILEGES,
            Value::List(privileges.iter().map(|p| Value::str(*p)).collect()),
        );
        o
    }

    fn facts(changes: &[Change]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for c in changes {
            let a = &c.address;
            out.insert(format!("{a}: {}", c.action.as_str()));
            for r in &c.reasons {
                out.insert(format!("{a}: why {r}"));
            }
            if c.state_only {
                out.insert(format!("{a}: state only"));
            }
            if let Some(f) = &c.moved_from {
                out.insert(format!("{a}: moved from {f}"));
            }
            if let Some(w) = &c.with_container {
                out.insert(format!("{a}: with {w}"));
            }
            let attrs: Vec<&str> = c.attrs.iter().map(|x| x.name.as_str()).collect();
            if !attrs.is_empty() {
                out.insert(format!("{a}: attrs {}", attrs.join(",")));
            }
            if !c.changed_outside.is_empty() {
                out.insert(format!(
                    "{a}: changed outside {}",
                    c.changed_outside.join(",")
                ));
            }
        }
        out
    }

    /// What the pass named `name` adds (`+`) and takes away (`-`), with the diagnostics it
    /// adds; `live` None plans from the record alone.
    fn added_by(
        name: &str,
        desired: &[Object],
        recorded: &[Object],
        live: Option<&[Object]>,
    ) -> (Vec<String>, Vec<String>) {
        let recorded: BTreeMap<Address, Object> = recorded
            .iter()
            .map(|o| (o.address.clone(), o.clone()))
            .collect();
        let live: Option<Picture> = live.map(|l| {
            l.iter()
                .map(|o| ((o.kind(), o.name.clone()), o.clone()))
                .collect()
        });
        let input = DiffInput {
            desired,
            recorded: &recorded,
            live: live.as_ref(),
        };
        let m = match_records(&input, &[]);
        let (mut changes, mut diags) = (Vec::new(), Diagnostics::new());
        let at = PASSES
            .iter()
            .position(|(n, _)| *n == name)
            .expect("a pass of that name");
        for (_, pass) in &PASSES[..at] {
            pass(&m, &mut changes, &mut diags);
        }
        let (before, errors_before) = (facts(&changes), diags.iter().count());
        (PASSES[at].1)(&m, &mut changes, &mut diags);
        let after = facts(&changes);
        let mut out: Vec<String> = after.difference(&before).map(|f| format!("+{f}")).collect();
        out.extend(before.difference(&after).map(|f| format!("-{f}")));
        let errors = diags
            .iter()
            .skip(errors_before)
            .map(|d| d.to_string())
            .collect();
        (out, errors)
    }

    #[test]
    fn the_passes_run_in_the_documented_order() {
        let names: Vec<&str> = PASSES.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "decide configured objects",
                "mark moves",
                "requested replacements",
                "decide deletes",
                "revoke undeclared privileges",
                "keep inherited retention",
                "contents of replaced containers",
            ]
        );
        let doc = include_str!("../../docs/ARCHITECTURE.md");
        let mut from = doc
            .find("`match records`")
            .expect("the matching is listed first");
        for n in names {
            from += doc[from..].find(&format!("`{n}`")).unwrap_or_else(|| {
                panic!("docs/ARCHITECTURE.md lists `{n}` after the pass before it")
            });
        }
    }

    #[test]
    fn requested_replacements_replace_what_exists_and_refuse_an_unknown_address() {
        let recorded: BTreeMap<Address, Object> = [warehouse("w", "XSMALL"), database(None, false)]
            .into_iter()
            .map(|o| (o.address.clone(), o))
            .collect();
        let live: Picture = recorded
            .values()
            .map(|o| ((o.kind(), o.name.clone()), o.clone()))
            .collect();
        // The warehouse changes in place, the database not at all, the schema is new.
        let desired = [warehouse("w", "SMALL"), database(None, false), schema(None)];
        let input = DiffInput {
            desired: &desired,
            recorded: &recorded,
            live: Some(&live),
        };
        let run = |replace: &[&str]| {
            let requests = Requests {
                replace: replace.iter().map(|a| Address::parse(a).unwrap()).collect(),
                ..Requests::default()
            };
            diff_requested(&input, &requests)
        };
        let plain: Vec<Action> = run(&[]).unwrap().iter().map(|c| c.action).collect();
        assert_eq!(plain, [Action::Update, Action::NoOp, Action::Create]);
        let asked = run(&["warehouse.w", "database.d", "schema.s"]).unwrap();
        let got: Vec<(String, &str, bool, Vec<&str>)> = asked
            .iter()
            .map(|c| {
                (
                    c.address.to_string(),
                    c.action.as_str(),
                    c.destructive,
                    c.reasons.iter().map(|r| r.as_str()).collect(),
                )
            })
            .collect();
        let why = "replacement requested with --replace";
        assert_eq!(
            got,
            [
                ("warehouse.w".to_string(), "replace", true, vec![why]),
                ("database.d".to_string(), "replace", true, vec![why]),
                // A schema created anyway.
                ("schema.s".to_string(), "create", false, vec![]),
            ]
        );
        let err = run(&["warehouse.nope"]).unwrap_err();
        assert!(
            err.iter().any(|d| d
                .to_string()
                .contains("--replace warehouse.nope: the configuration has no such object")),
            "{err:?}"
        );
    }

    #[test]
    fn matching_finds_an_object_moved_to_another_address_by_its_name() {
        let recorded: BTreeMap<Address, Object> = [warehouse("old", "XSMALL")]
            .into_iter()
            .map(|o| (o.address.clone(), o))
            .collect();
        let desired = [warehouse("new", "XSMALL")];
        let input = DiffInput {
            desired: &desired,
            recorded: &recorded,
            live: None,
        };
        let m = match_records(&input, &[]);
        assert_eq!(
            m.moved
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>(),
            [("warehouse.new".to_string(), "warehouse.old".to_string())]
        );
    }

    #[test]
    fn each_pass_adds_what_its_name_says() {
        let w = |size| warehouse("w", size);
        type Case<'a> = (
            &'a str,
            Vec<Object>,
            Vec<Object>,
            Option<Vec<Object>>,
            Vec<&'a str>,
        );
        let cases: Vec<Case> = vec![
            (
                "decide configured objects",
                vec![w("XSMALL")],
                vec![],
                None,
                vec!["+warehouse.w: attrs size", "+warehouse.w: create"],
            ),
            (
                // Recorded, and gone from the account.
                "decide configured objects",
                vec![w("XSMALL")],
                vec![w("XSMALL")],
                Some(vec![]),
                vec![
                    "+warehouse.w: attrs size",
                    "+warehouse.w: create",
                    "+warehouse.w: why warehouse W was deleted outside snowform; it is created again",
                ],
            ),
            (
                // The account already has what the configuration says; the record not.
                "decide configured objects",
                vec![w("SMALL")],
                vec![w("XSMALL")],
                Some(vec![w("SMALL")]),
                vec![
                    "+warehouse.w: attrs size",
                    "+warehouse.w: state only",
                    "+warehouse.w: update",
                    "+warehouse.w: why the account already matches the configuration; only the state records it",
                ],
            ),
            (
                // Changed outside snowform: the record holds the configured value.
                "decide configured objects",
                vec![w("XSMALL")],
                vec![w("XSMALL")],
                Some(vec![w("LARGE")]),
                vec![
                    "+warehouse.w: attrs size",
                    "+warehouse.w: changed outside size",
                    "+warehouse.w: update",
                ],
            ),
            (
                "mark moves",
                vec![warehouse("new", "XSMALL")],
                vec![warehouse("old", "XSMALL")],
                None,
                vec![
                    "+warehouse.new: moved from warehouse.old",
                    "+warehouse.new: update",
                    "+warehouse.new: why moved from warehouse.old",
                    "-warehouse.new: noop",
                ],
            ),
            (
                "decide deletes",
                vec![],
                vec![w("XSMALL")],
                None,
                vec![
                    "+warehouse.w: attrs size",
                    "+warehouse.w: delete",
                    "+warehouse.w: why no longer in the configuration",
                ],
            ),
            (
                "decide deletes",
                vec![],
                vec![w("XSMALL")],
                Some(vec![]),
                vec![
                    "+warehouse.w: delete",
                    "+warehouse.w: state only",
                    "+warehouse.w: why warehouse W is already gone from the account; snowform forgets it",
                ],
            ),
            (
                "keep inherited retention",
                vec![database(Some(5), false), schema(Some(1))],
                vec![database(Some(1), false), schema(Some(1))],
                None,
                vec![
                    "+schema.s: attrs data_retention_time_in_days",
                    "+schema.s: update",
                    "+schema.s: why data_retention_time_in_days is set on the schema, which may only have inherited it: its database's retention changes",
                    "-schema.s: noop",
                ],
            ),
            (
                // R is declared and D managed: USAGE on D.S and the SELECT on a view no
                // future grant covers are revoked; the future grant covers D.S.V's REFERENCES,
                // and a warehouse the configuration does not manage is left alone.
                "revoke undeclared privileges",
                vec![
                    role(),
                    database(None, false),
                    grant("fv", "SCHEMA D.S", Some("VIEWS"), &["REFERENCES"]),
                ],
                vec![],
                Some(vec![
                    role(),
                    database(None, false),
                    grant("fv", "SCHEMA D.S", Some("VIEWS"), &["REFERENCES"]),
                    grant("_", "SCHEMA D.S", None, &["USAGE"]),
                    grant("_", "VIEW D.S.V", None, &["REFERENCES", "SELECT"]),
                    grant("_", "WAREHOUSE OTHER", None, &["USAGE"]),
                ]),
                vec![
                    "+grant.undeclared[\"SCHEMA D.S TO ROLE R\"]: attrs privileges",
                    "+grant.undeclared[\"SCHEMA D.S TO ROLE R\"]: delete",
                    "+grant.undeclared[\"SCHEMA D.S TO ROLE R\"]: why ROLE R is declared, and no grant of the configuration gives it this; snowform revokes it",
                    "+grant.undeclared[\"VIEW D.S.V TO ROLE R\"]: attrs privileges",
                    "+grant.undeclared[\"VIEW D.S.V TO ROLE R\"]: delete",
                    "+grant.undeclared[\"VIEW D.S.V TO ROLE R\"]: why ROLE R is declared, and no grant of the configuration gives it this; snowform revokes it",
                ],
            ),
            (
                "contents of replaced containers",
                vec![database(None, true), schema(None)],
                vec![database(None, false), schema(None)],
                None,
                vec![
                    "+schema.s: replace",
                    "+schema.s: why database.d is replaced, which drops everything in it; schema.s is created again",
                    "+schema.s: with database.d",
                    "-schema.s: noop",
                ],
            ),
            (
                "contents of replaced containers",
                vec![database(None, true)],
                vec![database(None, false), schema(None)],
                None,
                vec![
                    "+schema.s: state only",
                    "+schema.s: why dropped with database.d",
                    "+schema.s: with database.d",
                ],
            ),
        ];
        for (pass, desired, recorded, live, want) in cases {
            let (got, errors) = added_by(pass, &desired, &recorded, live.as_deref());
            assert_eq!(got, want, "pass {pass:?}");
            assert!(errors.is_empty(), "{errors:?}");
        }
    }

    #[test]
    fn an_unrecorded_object_of_a_configured_name_is_refused_by_the_first_pass() {
        let (got, errors) = added_by(
            "decide configured objects",
            &[warehouse("w", "XSMALL")],
            &[],
            Some(&[warehouse("w", "XSMALL")]),
        );
        assert!(got.is_empty(), "{got:?}");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("W already exists in the account"),
            "{errors:?}"
        );
    }

    /// A renamed container's contents keep their record-only reason until the contents
    /// pass replaces them: it decides on the kind of reason, not on its words.
    #[test]
    fn reasons_that_follow_the_record_are_told_by_kind() {
        assert!(follows_record(&Why::RecordOnly.into()));
        assert!(follows_record(
            &Why::MovesWithRenamedContainer {
                recorded_as: ObjectName::account(id("X"))
            }
            .into()
        ));
        // The same words read back from a saved plan decide nothing.
        let read: Reason =
            serde_json::from_str(&serde_json::to_string(RECORD_ONLY).unwrap()).unwrap();
        assert!(!follows_record(&read));
        assert!(!follows_record(&Why::NoLongerConfigured.into()));
    }
}
