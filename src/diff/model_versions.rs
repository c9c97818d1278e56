//! A model's versions are parts of the model: added, dropped, or changed one by one.
//! Their files cannot change in place, and Snowflake will not drop the default version.

use super::{AttrChange, Change};
use crate::diag::{Diagnostic, Diagnostics};
use crate::kinds::model::{versions, VERSIONS, VERSION_ATTRS};
use crate::model::attr;
use crate::model::{same_value, Object, Value};

/// Version sources are not in SHOW output: take them from the record. A version never
/// recorded has no source: unknown, and not compared.
pub(super) fn merge_recorded_sources(live: &mut Object, recorded: Option<&Object>) {
    let recorded_versions = recorded.map(versions).unwrap_or_default();
    let Some(Value::Map(vs)) = live.props.get_mut(VERSIONS) else {
        return;
    };
    for (name, v) in vs.iter_mut() {
        if let Value::Map(fields) = v {
            match recorded_versions
                .get(name)
                .and_then(|r| r.get(attr::SOURCE))
            {
                Some(source) => fields.insert(attr::SOURCE.into(), source.clone()),
                None => fields.remove(attr::SOURCE),
            };
        }
    }
}

/// One field of a version compared as its type compares: an empty comment is no comment,
/// as for every other attribute.
pub(crate) fn same_field(field: &str, left: Option<&Value>, right: Option<&Value>) -> bool {
    match VERSION_ATTRS.iter().find(|x| x.name == field) {
        Some(attr) => same_value(&attr.ty, left, right),
        None => left == right,
    }
}

pub(super) fn compare(
    desired: &Object,
    cur: &Object,
    change: &mut Change,
) -> Result<(), Diagnostics> {
    let want = versions(desired);
    let have = versions(cur);
    let current_default = cur.get_str(attr::DEFAULT_VERSION).map(str::to_string);
    // The default after this plan: the configured one, or whatever it is now.
    let final_default = desired
        .get_str(attr::DEFAULT_VERSION)
        .map(str::to_string)
        .or(current_default.clone());
    let mut diags = Diagnostics::new();
    let model = &desired.name;
    // lifecycle.ignore_changes: what the configuration leaves to others (metrics set from
    // the Model Registry, a version added there) is neither added, dropped nor reverted.
    let ignored = |path: &str| desired.lifecycle.ignores(path);

    for (v, fields) in &want {
        if ignored(&format!("{VERSIONS}.{v}")) {
            continue;
        }
        match have.get(v) {
            None => change.attrs.push(AttrChange {
                name: format!("{VERSIONS}.{v}"),
                before: None,
                after: Some(Value::Map(fields.clone())),
            }),
            Some(old) => {
                for field in [attr::SOURCE, attr::COMMENT, attr::ALIAS, attr::METADATA] {
                    let (a, b) = (old.get(field), fields.get(field));
                    // A live version has a source only when it was recorded.
                    if a == b || (field == attr::SOURCE && a.is_none()) {
                        continue;
                    }
                    if ignored(&format!("{VERSIONS}.{v}.{field}")) {
                        continue;
                    }
                    if same_field(field, a, b) {
                        continue;
                    }
                    if field == attr::SOURCE {
                        if final_default.as_deref() == Some(v)
                            || current_default.as_deref() == Some(v)
                        {
                            diags.push(
                                Diagnostic::error(format!("version {v} of model {model} cannot change its source: it is the default version"))
                                    .with_detail(format!(
                                        "A version's files cannot change in place; snowform would drop and add it again, and Snowflake will not drop the default version. Add a new version with the new source, make it default_version, then remove {v}."
                                    ))
                                    .at(desired.span.clone()),
                            );
                            continue;
                        }
                        change.destructive = true;
                        change.reasons.push(
                            super::Why::VersionSourceChanged {
                                versions: VERSIONS,
                                version: v.to_string(),
                            }
                            .into(),
                        );
                    }
                    change.attrs.push(AttrChange {
                        name: format!("{VERSIONS}.{v}.{field}"),
                        before: a.cloned(),
                        after: b.cloned(),
                    });
                }
            }
        }
    }
    for (v, fields) in &have {
        if want.contains_key(v) || ignored(&format!("{VERSIONS}.{v}")) {
            continue;
        }
        if final_default.as_deref() == Some(v) {
            diags.push(
                Diagnostic::error(format!("version {v} of model {model} cannot be dropped: it is the default version"))
                    .with_detail("Snowflake refuses to drop a model's default version. Set default_version to another version first (in the same plan or an earlier one), then remove this version.")
                    .at(desired.span.clone()),
            );
            continue;
        }
        change.destructive = true;
        change.reasons.push(
            super::Why::VersionDropped {
                versions: VERSIONS,
                version: v.to_string(),
            }
            .into(),
        );
        change.attrs.push(AttrChange {
            name: format!("{VERSIONS}.{v}"),
            before: Some(Value::Map(fields.clone())),
            after: None,
        });
    }
    if diags.has_errors() {
        Err(diags)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Action;
    use crate::model::{Address, Ident, Kind, ObjectName};
    use std::collections::BTreeMap;

    fn model(comment: Option<&str>) -> Object {
        let id = Ident::from_canonical;
        let mut o = Object::new(
            Address::new(Kind::Model, "m"),
            ObjectName::in_schema(id("D"), id("S"), id("M")),
        );
        let mut v = BTreeMap::new();
        if let Some(c) = comment {
            v.insert("comment".to_string(), Value::Str(c.into()));
        }
        o.set(
            VERSIONS,
            Value::Map([("V1".to_string(), Value::Map(v))].into_iter().collect()),
        );
        o.set(attr::DEFAULT_VERSION, "V1");
        o
    }

    fn with_metadata(object: &mut Object, version: &str, metadata: &str) {
        let Some(Value::Map(vs)) = object.props.get_mut(VERSIONS) else {
            unreachable!()
        };
        let mut fields = BTreeMap::new();
        fields.insert(attr::METADATA.to_string(), Value::Str(metadata.into()));
        vs.insert(version.to_string(), Value::Map(fields));
    }

    #[test]
    fn ignore_changes_covers_versions_one_version_and_one_field() {
        // The account has a metric set from the Model Registry, and a version added there.
        let mut live = model(None);
        with_metadata(&mut live, "V1", r#"{"metrics":{"rmse":0.1}}"#);
        with_metadata(&mut live, "V9", "{}");
        let desired = model(None);
        let changed = |ignore: &[&str]| {
            let mut d = desired.clone();
            d.lifecycle.ignore_changes = ignore.iter().map(|s| s.to_string()).collect();
            let mut change = Change::new(Address::new(Kind::Model, "m"), Action::NoOp);
            compare(&d, &live, &mut change).unwrap();
            change.attrs.into_iter().map(|a| a.name).collect::<Vec<_>>()
        };
        assert_eq!(changed(&[]), ["versions.V1.metadata", "versions.V9"]);
        assert_eq!(changed(&["versions.V1.metadata"]), ["versions.V9"]);
        assert_eq!(
            changed(&["versions.V1.comment"]),
            ["versions.V1.metadata", "versions.V9"]
        );
        assert_eq!(
            changed(&["versions.V1", "versions.V9"]),
            Vec::<String>::new()
        );
        assert_eq!(changed(&[attr::VERSIONS]), Vec::<String>::new());
        // A prefix of a version name is not that version.
        assert_eq!(
            changed(&["versions.V"]),
            ["versions.V1.metadata", "versions.V9"]
        );
    }

    #[test]
    fn an_empty_version_comment_is_no_comment() {
        let mut change = Change::new(Address::new(Kind::Model, "m"), Action::NoOp);
        compare(&model(Some("")), &model(None), &mut change).unwrap();
        assert!(change.attrs.is_empty(), "{:?}", change.attrs);
        compare(&model(Some("x")), &model(None), &mut change).unwrap();
        assert_eq!(change.attrs.len(), 1);
    }
}
