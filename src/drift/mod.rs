//! Drift: what changed in the account since snowform last applied, property by property:
//! objects changed or deleted outside snowform, and (when asked) objects in managed
//! schemas that snowform does not manage. Pure; the JSON shape is in docs/json.md.

use crate::diff::{compare_props, merge_state_only, Picture};
use crate::model::attr;
use crate::model::{unnest_json, Address, Ident, Kind, Object, ObjectName, Value};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DriftKind {
    Changed,
    Deleted,
    Unmanaged,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftedAttribute {
    pub name: String,
    pub expected: serde_json::Value,
    pub actual: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Drifted {
    pub address: String,
    pub kind: Kind,
    pub name: String,
    pub drift: DriftKind,
    pub attributes: Vec<DriftedAttribute>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftSummary {
    pub changed: usize,
    pub deleted: usize,
    pub unmanaged: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    pub format_version: String,
    pub workspace: String,
    pub summary: DriftSummary,
    pub drifted: Vec<Drifted>,
    /// Differences in attributes the configuration's `lifecycle.ignore_changes` leaves to
    /// others (metrics set from the Model Registry): information, not drift.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<Drifted>,
    pub metadata_queries: usize,
}

impl DriftReport {
    pub(crate) fn has_drift(&self) -> bool {
        !self.drifted.is_empty()
    }
}

fn json(value: Option<Value>) -> serde_json::Value {
    value
        .map(|v| v.to_json())
        .unwrap_or(serde_json::Value::Null)
}

/// Where objects snowform does not manage are reported: the schemas of the databases it
/// manages, and the objects of the schemas it manages. Warehouses and databases are
/// account-wide and usually shared, so they are never reported.
#[derive(Debug, Default)]
pub struct UnmanagedScope {
    pub databases: BTreeSet<Ident>,
    pub schemas: BTreeSet<ObjectName>,
}

impl UnmanagedScope {
    /// The scope of what `recorded` manages.
    pub fn of<'a>(recorded: impl IntoIterator<Item = &'a Object>) -> UnmanagedScope {
        let mut scope = UnmanagedScope::default();
        for o in recorded {
            match o.kind() {
                Kind::Database => {
                    scope.databases.insert(o.name.name.clone());
                }
                Kind::Schema => {
                    scope.schemas.insert(o.name.clone());
                }
                _ => {}
            }
        }
        scope
    }

    fn contains(&self, kind: Kind, name: &ObjectName) -> bool {
        match kind {
            Kind::Warehouse | Kind::Database => false,
            // Snowflake creates PUBLIC with every database (and INFORMATION_SCHEMA, which
            // SHOW lists too): not reporting them keeps a scheduled drift run quiet.
            Kind::Schema => {
                name.database
                    .as_ref()
                    .is_some_and(|d| self.databases.contains(d))
                    && !matches!(name.name.as_str(), "PUBLIC" | "INFORMATION_SCHEMA")
            }
            _ => name
                .schema_name()
                .is_some_and(|s| self.schemas.contains(&s)),
        }
    }
}

/// Compare the recorded objects with the account. Objects in `unmanaged` that snowform
/// does not record are reported as unmanaged.
pub fn detect(
    workspace: &str,
    recorded: &BTreeMap<Address, Object>,
    live: &Picture,
    unmanaged: Option<&UnmanagedScope>,
    queries: usize,
) -> DriftReport {
    let mut drifted = Vec::new();
    let mut ignored = Vec::new();
    for (addr, r) in recorded {
        match live.get(&(addr.kind, r.name.clone())) {
            None if crate::diff::unseen_on_all(r) => {}
            None => drifted.push(Drifted {
                address: addr.to_string(),
                kind: addr.kind,
                name: r.name.to_string(),
                drift: DriftKind::Deleted,
                attributes: vec![],
                hint: Some(
                    "it was dropped outside snowform, or the role cannot see it (a missing privilege looks the same); `snowform plan` creates it again"
                        .into(),
                ),
            }),
            Some(l) => {
                let current = merge_state_only(l.clone(), Some(r));
                // Every difference, ignored ones too: those are shown apart.
                let mut all = r.clone();
                all.lifecycle.ignore_changes.clear();
                let mut attrs: Vec<DriftedAttribute> = compare_props(&all, &current)
                    .into_iter()
                    .map(|(c, _)| DriftedAttribute { name: c.name, expected: json(c.after), actual: json(c.before) })
                    .collect();
                if addr.kind == Kind::Model {
                    attrs.extend(version_drift(r, &current));
                }
                // JSON-typed values read as JSON, as in the plan.
                for a in attrs.iter_mut() {
                    a.expected = unnest_json(addr.kind, &a.name, a.expected.take());
                    a.actual = unnest_json(addr.kind, &a.name, a.actual.take());
                }
                let (ignored_attrs, attrs): (Vec<_>, Vec<_>) = attrs
                    .into_iter()
                    .partition(|a| r.lifecycle.ignores(&a.name));
                if !ignored_attrs.is_empty() {
                    ignored.push(Drifted {
                        address: addr.to_string(),
                        kind: addr.kind,
                        name: r.name.to_string(),
                        drift: DriftKind::Changed,
                        attributes: ignored_attrs,
                        hint: Some("lifecycle.ignore_changes leaves these to others: snowform neither reports them as drift nor reverts them".into()),
                    });
                }
                if !attrs.is_empty() {
                    drifted.push(Drifted {
                        address: addr.to_string(),
                        kind: addr.kind,
                        name: r.name.to_string(),
                        drift: DriftKind::Changed,
                        attributes: attrs,
                        hint: Some("`snowform plan` shows how apply puts it back; or change the configuration to match".into()),
                    });
                }
            }
        }
    }
    // A declared role's privileges inside what the configuration manages are its grants':
    // one held that no recorded grant gives was granted outside snowform.
    let declared: Vec<Object> = recorded.values().cloned().collect();
    for o in crate::diff::undeclared_grants(&declared, &[], live) {
        drifted.push(Drifted {
            address: Address::with_key(Kind::Grant, "undeclared", o.name.name.as_str()).to_string(),
            kind: Kind::Grant,
            name: o.name.to_string(),
            drift: DriftKind::Changed,
            attributes: vec![DriftedAttribute {
                name: "privileges".into(),
                expected: serde_json::Value::Null,
                actual: json(o.get(attr::PRIVILEGES).cloned()),
            }],
            hint: Some(format!(
                "granted outside snowform to {}, which the configuration declares: `snowform plan` revokes it; or add a grant block for it",
                o.get_str(attr::TO).unwrap_or_default()
            )),
        });
    }
    if let Some(scope) = unmanaged {
        let known: BTreeSet<(Kind, &ObjectName)> =
            recorded.values().map(|o| (o.kind(), &o.name)).collect();
        for (kind, name) in live.keys() {
            if scope.contains(*kind, name) && !known.contains(&(*kind, name)) {
                drifted.push(Drifted {
                    address: String::new(),
                    kind: *kind,
                    name: name.to_string(),
                    drift: DriftKind::Unmanaged,
                    attributes: vec![],
                    hint: Some(format!(
                        "adopt it with `{}` after adding a block {kind} \"NAME\" for it, or drop it",
                        crate::model::import_command(&format!("{kind}.NAME"), &name.to_sql())
                    )),
                });
            }
        }
    }
    let summary = DriftSummary {
        changed: drifted
            .iter()
            .filter(|d| d.drift == DriftKind::Changed)
            .count(),
        deleted: drifted
            .iter()
            .filter(|d| d.drift == DriftKind::Deleted)
            .count(),
        unmanaged: drifted
            .iter()
            .filter(|d| d.drift == DriftKind::Unmanaged)
            .count(),
    };
    DriftReport {
        format_version: "1".into(),
        workspace: workspace.to_string(),
        summary,
        drifted,
        ignored,
        metadata_queries: queries,
    }
}

/// Versions added, dropped or changed outside snowform.
fn version_drift(recorded: &Object, live: &Object) -> Vec<DriftedAttribute> {
    let get = |o: &Object| -> BTreeMap<String, Value> {
        o.get(crate::kinds::model::VERSIONS)
            .and_then(Value::as_map)
            .cloned()
            .unwrap_or_default()
    };
    let (want, have) = (get(recorded), get(live));
    let mut out = Vec::new();
    let names: BTreeSet<&String> = want.keys().chain(have.keys()).collect();
    for v in names {
        match (want.get(v), have.get(v)) {
            (Some(w), None) => out.push(DriftedAttribute {
                name: format!("versions.{v}"),
                expected: w.to_json(),
                actual: serde_json::Value::Null,
            }),
            (None, Some(h)) => out.push(DriftedAttribute {
                name: format!("versions.{v}"),
                expected: serde_json::Value::Null,
                actual: h.to_json(),
            }),
            (Some(w), Some(h)) => {
                for field in [attr::COMMENT, attr::ALIAS, attr::METADATA] {
                    let (a, b) = (
                        w.as_map().and_then(|m| m.get(field)),
                        h.as_map().and_then(|m| m.get(field)),
                    );
                    if !crate::diff::same_version_field(field, a, b) {
                        out.push(DriftedAttribute {
                            name: format!("versions.{v}.{field}"),
                            expected: json(a.cloned()),
                            actual: json(b.cloned()),
                        });
                    }
                }
            }
            (None, None) => {}
        }
    }
    out
}
