//! Stages and tags (the objects; tag values on other objects are in `tagging`).

use super::super::catalog::{Stage, Tag};
use super::super::errors;
use super::super::parse::ast::{AlterAction, CreateHead, Name, Prop};
use super::account::no_such_action;
use super::{created, exists_skipped, ok, props, rename_target, tagging, Exec, Fqn, Outcome};
use crate::sandbox::SqlError;

const MAX_ALLOWED_VALUES: usize = 5_000;

pub(crate) fn create_stage(
    exec: &mut Exec,
    head: CreateHead,
    props: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&head.name, "CREATE STAGE")?;
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    if schema.stages.contains_key(&f.name) {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&f.name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&f.name));
        }
    }
    let mut stage = Stage {
        meta: exec.meta(None),
        url: None,
        storage_integration: None,
        encryption: None,
        directory_enabled: false,
    };
    for p in &props {
        apply_stage_prop(exec, &mut stage, p, true)?;
    }
    if stage.url.is_none() && stage.storage_integration.is_some() {
        return Err(errors::invalid_value(
            "STORAGE_INTEGRATION",
            "a storage integration needs a URL (external stage)",
        ));
    }
    if stage.url.is_some() && stage.encryption.is_some() {
        return Err(exec.unsupported("ENCRYPTION on an external stage"));
    }
    if stage.url.is_none() && stage.encryption.is_none() {
        stage.encryption = Some("SNOWFLAKE_FULL".into());
    }
    exec.schema_mut(&f.database, &f.schema)?
        .stages
        .insert(f.name.clone(), stage);
    Ok(Outcome::changed(created("Stage area", &f.name)))
}

fn apply_stage_prop(
    exec: &Exec,
    stage: &mut Stage,
    prop: &Prop,
    creating: bool,
) -> Result<(), SqlError> {
    match prop.key.as_str() {
        "URL" => {
            let url = props::string(prop)?;
            if !creating && stage.url.is_none() {
                // UNCONFIRMED text: ALTER has no clause that turns an internal stage external.
                return Err(errors::invalid_state(
                    "An internal stage cannot be given a URL; recreate it as an external stage.",
                ));
            }
            stage.url = Some(url);
        }
        "STORAGE_INTEGRATION" => {
            if !creating && stage.url.is_none() {
                return Err(errors::invalid_state(
                    "An internal stage cannot use a storage integration.",
                ));
            }
            stage.storage_integration = props::opt_simple_name(prop)?;
        }
        "ENCRYPTION" => {
            if !creating {
                return Err(errors::invalid_state(
                    "The encryption of an internal stage cannot be changed.",
                ));
            }
            for q in props::list(prop)? {
                match q.key.as_str() {
                    "TYPE" => {
                        stage.encryption = Some(
                            props::one_of(q, &["SNOWFLAKE_FULL", "SNOWFLAKE_SSE"]).map_err(
                                |_| {
                                    exec.unsupported(
                                "ENCRYPTION types other than SNOWFLAKE_FULL and SNOWFLAKE_SSE",
                            )
                                },
                            )?,
                        )
                    }
                    k => return Err(exec.unsupported(&format!("ENCRYPTION option {k}"))),
                }
            }
        }
        "DIRECTORY" => {
            for q in props::list(prop)? {
                match q.key.as_str() {
                    "ENABLE" => stage.directory_enabled = props::boolean(q)?,
                    k => return Err(exec.unsupported(&format!("DIRECTORY option {k}"))),
                }
            }
        }
        "COMMENT" => stage.meta.comment = props::opt_string(prop)?,
        k => return Err(exec.unsupported(&format!("stage property {k}"))),
    }
    Ok(())
}

pub(crate) fn alter_stage(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "ALTER STAGE")?;
    let found = exec
        .schema(&f.database, &f.schema)
        .ok()
        .and_then(|s| s.stages.get(&f.name))
        .cloned();
    let Some(mut stage) = found else {
        return if if_exists {
            Ok(Outcome::unchanged(ok()))
        } else {
            Err(errors::does_not_exist("Stage", &f.dotted()))
        };
    };
    match action {
        AlterAction::Set(props) => {
            // The reference lists `SET DIRECTORY = (...)` as a statement of its own, apart
            // from the SET of other properties; whether Snowflake accepts both in one SET is
            // unconfirmed, so that is not emulated.
            if props.len() > 1 && props.iter().any(|p| p.key == "DIRECTORY") {
                return Err(exec.unsupported(
                    "DIRECTORY together with other properties in ALTER STAGE ... SET (set it in an ALTER STAGE of its own)",
                ));
            }
            for p in &props {
                apply_stage_prop(exec, &mut stage, p, false)?;
            }
        }
        AlterAction::Rename(to) => {
            let t = rename_target(&f, &to)?;
            if exec
                .schema(&t.database, &t.schema)?
                .stages
                .contains_key(&t.name)
            {
                return Err(errors::already_exists(&t.name));
            }
            exec.schema_for_create(&t.database, &t.schema)?;
            exec.schema_mut(&f.database, &f.schema)?
                .stages
                .remove(&f.name);
            exec.schema_mut(&t.database, &t.schema)?
                .stages
                .insert(t.name, stage);
            return Ok(Outcome::changed(ok()));
        }
        // Snowflake's ALTER STAGE has no UNSET other than UNSET TAG.
        other => return Err(no_such_action("STAGE", &other)),
    }
    exec.schema_mut(&f.database, &f.schema)?
        .stages
        .insert(f.name, stage);
    Ok(Outcome::changed(ok()))
}

fn check_allowed(values: &[String], tag: &Fqn) -> Result<(), SqlError> {
    if values.len() > MAX_ALLOWED_VALUES {
        return Err(errors::invalid_value(
            "ALLOWED_VALUES",
            &format!("{} values; at most {MAX_ALLOWED_VALUES}", values.len()),
        ));
    }
    for v in values {
        tagging::check_value_length(v, &tag.dotted())?;
    }
    Ok(())
}

pub(crate) fn create_tag(
    exec: &mut Exec,
    head: CreateHead,
    allowed_values: Option<Vec<String>>,
    props: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&head.name, "CREATE TAG")?;
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    let exists = schema.tags.contains_key(&f.name);
    if exists {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&f.name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&f.name));
        }
    }
    if let Some(v) = &allowed_values {
        check_allowed(v, &f)?;
    }
    let mut tag = Tag {
        meta: exec.meta(None),
        allowed_values: allowed_values.map(dedup),
    };
    for p in &props {
        match p.key.as_str() {
            "COMMENT" => tag.meta.comment = props::opt_string(p)?,
            k => return Err(exec.unsupported(&format!("tag property {k}"))),
        }
    }
    if exists {
        tagging::forget_tag(exec.catalog, &f);
    }
    exec.schema_mut(&f.database, &f.schema)?
        .tags
        .insert(f.name.clone(), tag);
    Ok(Outcome::changed(created("Tag", &f.name)))
}

/// Keep the first occurrence of each value, in order.
fn dedup(values: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

pub(crate) fn alter_tag(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "ALTER TAG")?;
    let found = exec
        .schema(&f.database, &f.schema)
        .ok()
        .and_then(|s| s.tags.get(&f.name))
        .cloned();
    let Some(mut tag) = found else {
        return if if_exists {
            Ok(Outcome::unchanged(ok()))
        } else {
            Err(errors::does_not_exist("Tag", &f.dotted()))
        };
    };
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                match p.key.as_str() {
                    "COMMENT" => tag.meta.comment = props::opt_string(p)?,
                    k => return Err(exec.unsupported(&format!("tag property {k}"))),
                }
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "COMMENT" => tag.meta.comment = None,
                    k => return Err(exec.unsupported(&format!("UNSET {k} on a tag"))),
                }
            }
        }
        AlterAction::AddAllowedValues(values) => {
            let mut all = tag.allowed_values.take().unwrap_or_default();
            all.extend(values);
            let all = dedup(all);
            check_allowed(&all, &f)?;
            tag.allowed_values = Some(all);
        }
        AlterAction::DropAllowedValues(values) => {
            if let Some(all) = &mut tag.allowed_values {
                all.retain(|v| !values.contains(v));
            }
        }
        AlterAction::SetAllowedValues(values) => {
            check_allowed(&values, &f)?;
            tag.allowed_values = Some(dedup(values));
        }
        AlterAction::UnsetAllowedValues => tag.allowed_values = None,
        AlterAction::Rename(to) => {
            let t: Fqn = rename_target(&f, &to)?;
            if exec
                .schema(&t.database, &t.schema)?
                .tags
                .contains_key(&t.name)
            {
                return Err(errors::already_exists(&t.name));
            }
            exec.schema_for_create(&t.database, &t.schema)?;
            exec.schema_mut(&f.database, &f.schema)?
                .tags
                .remove(&f.name);
            exec.schema_mut(&t.database, &t.schema)?
                .tags
                .insert(t.name.clone(), tag);
            tagging::rekey_tags(
                exec.catalog,
                &[&f.database, &f.schema, &f.name],
                &[&t.database, &t.schema, &t.name],
            );
            return Ok(Outcome::changed(ok()));
        }
        other => return Err(no_such_action("TAG", &other)),
    }
    exec.schema_mut(&f.database, &f.schema)?
        .tags
        .insert(f.name, tag);
    Ok(Outcome::changed(ok()))
}
