//! Model Registry models and their versions: versions come from a stage location, the
//! first becomes the default, the default cannot be dropped, each version has at most one
//! alias, and DEFAULT / FIRST / LAST are system aliases.

use super::super::catalog::{Model, ModelVersion};
use super::super::errors;
use super::super::parse::ast::{AlterAction, CreateHead, Name, Prop, PropValue, StageLocation};
use super::account::no_such_action;
use super::{created, exists_skipped, ok, props, rename_target, Exec, Fqn, Outcome};
use crate::sandbox::SqlError;

pub(crate) const SYSTEM_ALIASES: [&str; 3] = ["DEFAULT", "FIRST", "LAST"];

/// The version names in creation order.
pub fn versions_in_order(model: &Model) -> Vec<&String> {
    let mut v: Vec<(&String, &ModelVersion)> = model.versions.iter().collect();
    v.sort_by_key(|(_, mv)| (mv.created_on, mv.sequence));
    v.into_iter().map(|(n, _)| n).collect()
}

/// The system aliases that point at `version`, in DEFAULT, FIRST, LAST order.
pub fn system_aliases(model: &Model, version: &str) -> Vec<&'static str> {
    let order = versions_in_order(model);
    let mut out = Vec::new();
    if model.default_version == version {
        out.push("DEFAULT");
    }
    if order.first().is_some_and(|v| *v == version) {
        out.push("FIRST");
    }
    if order.last().is_some_and(|v| *v == version) {
        out.push("LAST");
    }
    out
}

/// A version by name, user alias or system alias.
fn resolve_version(model: &Model, fqn: &Fqn, reference: &str) -> Result<String, SqlError> {
    if model.versions.contains_key(reference) {
        return Ok(reference.to_string());
    }
    if let Some((name, _)) = model
        .versions
        .iter()
        .find(|(_, v)| v.alias.as_deref() == Some(reference))
    {
        return Ok(name.clone());
    }
    let order = versions_in_order(model);
    let system = match reference {
        "DEFAULT" => Some(model.default_version.clone()),
        "FIRST" => order.first().map(|s| s.to_string()),
        "LAST" => order.last().map(|s| s.to_string()),
        _ => None,
    };
    system.ok_or_else(|| {
        errors::does_not_exist("Model version", &format!("{}/{reference}", fqn.dotted()))
    })
}

fn check_stage(exec: &Exec, source: &StageLocation) -> Result<(), SqlError> {
    let s = exec.resolve_schema_object(&source.stage, "CREATE MODEL")?;
    let exists = exec
        .schema(&s.database, &s.schema)
        .map(|sc| sc.stages.contains_key(&s.name))
        .unwrap_or(false);
    if !exists {
        return Err(errors::does_not_exist("Stage", &s.dotted()));
    }
    Ok(())
}

fn new_version(exec: &mut Exec, source: &StageLocation) -> ModelVersion {
    let sequence = exec.catalog.next_sequence();
    ModelVersion {
        created_on: exec.now,
        last_altered: exec.now,
        sequence,
        source: source.text.clone(),
        alias: None,
        comment: None,
        metadata: serde_json::Value::Object(Default::default()),
    }
}

pub(crate) fn create_model(
    exec: &mut Exec,
    head: CreateHead,
    version: String,
    source: StageLocation,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&head.name, "CREATE MODEL")?;
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    if schema.models.contains_key(&f.name) {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&f.name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&f.name));
        }
    }
    check_stage(exec, &source)?;
    let v = new_version(exec, &source);
    let model = Model {
        meta: exec.meta(None),
        last_altered: exec.now,
        default_version: version.clone(),
        versions: [(version, v)].into(),
    };
    exec.schema_mut(&f.database, &f.schema)?
        .models
        .insert(f.name.clone(), model);
    Ok(Outcome::changed(created("Model", &f.name)))
}

/// A version or alias name given as a property value (`DEFAULT_VERSION = v2`).
fn version_value(prop: &Prop) -> Result<String, SqlError> {
    match &prop.value {
        PropValue::Str(s) => match super::super::parse::split_name(s).as_deref() {
            Some([one]) => Ok(one.clone()),
            _ => Err(errors::invalid_value(&prop.key, s)),
        },
        _ => props::simple_name(prop),
    }
}

fn json_object(prop: &Prop) -> Result<serde_json::Value, SqlError> {
    let s = props::string(prop)?;
    match serde_json::from_str::<serde_json::Value>(&s) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(v),
        _ => Err(errors::invalid_value(&prop.key, &s)),
    }
}

pub(crate) fn alter_model(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "ALTER MODEL")?;
    let found = exec
        .schema(&f.database, &f.schema)
        .ok()
        .and_then(|s| s.models.get(&f.name))
        .cloned();
    let Some(mut model) = found else {
        return if if_exists {
            Ok(Outcome::unchanged(ok()))
        } else {
            Err(errors::does_not_exist("Model", &f.dotted()))
        };
    };
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                match p.key.as_str() {
                    "COMMENT" => model.meta.comment = props::opt_string(p)?,
                    "DEFAULT_VERSION" => {
                        let v = version_value(p)?;
                        model.default_version = resolve_version(&model, &f, &v)?;
                    }
                    k => return Err(exec.unsupported(&format!("model property {k}"))),
                }
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "COMMENT" => model.meta.comment = None,
                    k => return Err(exec.unsupported(&format!("UNSET {k} on a model"))),
                }
            }
        }
        AlterAction::Rename(to) => {
            let t = rename_target(&f, &to)?;
            if exec
                .schema(&t.database, &t.schema)?
                .models
                .contains_key(&t.name)
            {
                return Err(errors::already_exists(&t.name));
            }
            exec.schema_for_create(&t.database, &t.schema)?;
            exec.schema_mut(&f.database, &f.schema)?
                .models
                .remove(&f.name);
            model.last_altered = exec.now;
            exec.schema_mut(&t.database, &t.schema)?
                .models
                .insert(t.name, model);
            return Ok(Outcome::changed(ok()));
        }
        AlterAction::AddVersion { version, source } => {
            if model.versions.contains_key(&version) {
                return Err(errors::already_exists(&version));
            }
            check_stage(exec, &source)?;
            let v = new_version(exec, &source);
            model.versions.insert(version, v);
        }
        AlterAction::DropVersion(version) => {
            if !model.versions.contains_key(&version) {
                return Err(errors::does_not_exist(
                    "Model version",
                    &format!("{}/{version}", f.dotted()),
                ));
            }
            if model.default_version == version {
                // Wording follows the docs; UNCONFIRMED code.
                return Err(errors::invalid_state(format!(
                    "Cannot drop version {version} of model {}: it is the default version. Set another default version first, or drop the model.",
                    f.dotted()
                )));
            }
            model.versions.remove(&version);
        }
        AlterAction::VersionSetAlias { version, alias } => {
            let v = resolve_version(&model, &f, &version)?;
            if SYSTEM_ALIASES.contains(&alias.as_str()) {
                return Err(errors::invalid_state(format!(
                    "{alias} is a system alias and cannot be set."
                )));
            }
            if model.versions.contains_key(&alias) {
                return Err(errors::invalid_state(format!(
                    "Alias {alias} is the name of a version of model {}.",
                    f.dotted()
                )));
            }
            if let Some((other, _)) = model
                .versions
                .iter()
                .find(|(n, mv)| mv.alias.as_deref() == Some(alias.as_str()) && **n != v)
            {
                return Err(errors::invalid_state(format!(
                    "Alias {alias} is already set on version {other} of model {}.",
                    f.dotted()
                )));
            }
            let mv = model
                .versions
                .get_mut(&v)
                .ok_or_else(|| errors::does_not_exist("Model version", &v))?;
            if let Some(existing) = &mv.alias {
                if *existing != alias {
                    return Err(errors::invalid_state(format!(
                        "Version {v} already has the alias {existing}; a version can have one alias. Unset it first."
                    )));
                }
            }
            mv.alias = Some(alias);
            mv.last_altered = exec.now;
        }
        AlterAction::VersionUnsetAlias(reference) => {
            if SYSTEM_ALIASES.contains(&reference.as_str())
                && !model.versions.contains_key(&reference)
            {
                return Err(errors::invalid_state(format!(
                    "{reference} is a system alias and cannot be removed."
                )));
            }
            let v = resolve_version(&model, &f, &reference)?;
            if let Some(mv) = model.versions.get_mut(&v) {
                mv.alias = None;
                mv.last_altered = exec.now;
            }
        }
        AlterAction::ModifyVersion { version, props } => {
            let v = resolve_version(&model, &f, &version)?;
            let mut updated = model.versions[&v].clone();
            for p in &props {
                match p.key.as_str() {
                    "COMMENT" => updated.comment = props::opt_string(p)?,
                    "METADATA" => updated.metadata = json_object(p)?,
                    k => return Err(exec.unsupported(&format!("model version property {k}"))),
                }
            }
            updated.last_altered = exec.now;
            model.versions.insert(v, updated);
        }
        other => return Err(no_such_action("MODEL", &other)),
    }
    model.last_altered = exec.now;
    exec.schema_mut(&f.database, &f.schema)?
        .models
        .insert(f.name, model);
    Ok(Outcome::changed(ok()))
}

/// Every alias of the model and the version it names: DEFAULT, FIRST, LAST and the user
/// aliases (SHOW MODELS `aliases`).
pub fn model_aliases(model: &Model) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let order = versions_in_order(model);
    out.insert("DEFAULT".into(), model.default_version.clone().into());
    if let (Some(first), Some(last)) = (order.first(), order.last()) {
        out.insert("FIRST".into(), (*first).clone().into());
        out.insert("LAST".into(), (*last).clone().into());
    }
    for (name, v) in &model.versions {
        if let Some(a) = &v.alias {
            out.insert(a.clone(), name.clone().into());
        }
    }
    out
}
