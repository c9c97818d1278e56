//! Schemas: creation inside a database, managed access, parameters inherited from the
//! database, and renames that may move a schema to another database.

use super::super::catalog::Schema;
use super::super::errors;
use super::super::parse::ast::{AlterAction, CreateHead, Name, Prop};
use super::account::{apply_container_prop, no_such_action, unset_container_key};
use super::{
    created, drop_missing, dropped, exists_skipped, ok, tagging, Exec, Outcome, INFORMATION_SCHEMA,
};
use crate::sandbox::SqlError;

pub(crate) fn create_schema(
    exec: &mut Exec,
    head: CreateHead,
    transient: bool,
    managed_access: bool,
    props: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let (db, name) = exec.resolve_schema(&head.name, "CREATE SCHEMA")?;
    let database = exec.database(&db)?;
    let exists = name == INFORMATION_SCHEMA || database.schemas.contains_key(&name);
    if exists {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&name));
        }
        if name == INFORMATION_SCHEMA {
            return Err(errors::insufficient_privileges(&name));
        }
    }
    let mut schema = Schema {
        meta: exec.meta(None),
        transient: transient || database.transient,
        managed_access,
        ..Default::default()
    };
    for p in &props {
        apply_container_prop(
            exec,
            "schema",
            &mut schema.params,
            &mut schema.meta.comment,
            p,
        )?;
    }
    let replaced = exec
        .database_mut(&db)?
        .schemas
        .insert(name.clone(), schema)
        .is_some();
    if replaced {
        tagging::forget_tags_under(exec.catalog, &[&db, &name]);
    }
    Ok(Outcome::changed(created("Schema", &name)))
}

pub(crate) fn alter_schema(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let (db, name) = exec.resolve_schema(&name, "ALTER SCHEMA")?;
    if name == INFORMATION_SCHEMA && exec.catalog.databases.contains_key(&db) {
        return Err(errors::insufficient_privileges(&name));
    }
    let schema = match exec.schema(&db, &name) {
        Ok(s) => s.clone(),
        Err(_) if if_exists => return Ok(Outcome::unchanged(ok())),
        Err(e) => return Err(e),
    };
    let mut schema = schema;
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                apply_container_prop(
                    exec,
                    "schema",
                    &mut schema.params,
                    &mut schema.meta.comment,
                    p,
                )?;
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                unset_container_key(
                    exec,
                    "schema",
                    &mut schema.params,
                    &mut schema.meta.comment,
                    k,
                )?;
            }
        }
        AlterAction::EnableManagedAccess => schema.managed_access = true,
        AlterAction::DisableManagedAccess => schema.managed_access = false,
        AlterAction::Rename(to) => {
            let (to_db, to_name) = match to.as_slice() {
                [s] => (db.clone(), s.clone()),
                _ => exec.resolve_schema(&to, "ALTER SCHEMA")?,
            };
            let target = exec.database(&to_db)?;
            if to_name == INFORMATION_SCHEMA || target.schemas.contains_key(&to_name) {
                return Err(errors::already_exists(&to_name));
            }
            exec.database_mut(&db)?.schemas.remove(&name);
            exec.database_mut(&to_db)?
                .schemas
                .insert(to_name.clone(), schema);
            tagging::rekey_tags(exec.catalog, &[&db, &name], &[&to_db, &to_name]);
            return Ok(Outcome::changed(ok()));
        }
        other => return Err(no_such_action("SCHEMA", &other)),
    }
    exec.database_mut(&db)?.schemas.insert(name, schema);
    Ok(Outcome::changed(ok()))
}

pub(crate) fn drop_schema(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
) -> Result<Outcome, SqlError> {
    let (db, name) = exec.resolve_schema(&name, "DROP SCHEMA")?;
    if name == INFORMATION_SCHEMA && exec.catalog.databases.contains_key(&db) {
        return Err(errors::insufficient_privileges(&name));
    }
    let removed = match exec.database_mut(&db) {
        Ok(d) => d.schemas.remove(&name).is_some(),
        Err(_) if if_exists => false,
        Err(e) => return Err(e),
    };
    if !removed {
        return if if_exists {
            Ok(Outcome::unchanged(drop_missing(&name)))
        } else {
            Err(errors::does_not_exist("Schema", &format!("{db}.{name}")))
        };
    }
    tagging::forget_tags_under(exec.catalog, &[&db, &name]);
    Ok(Outcome::changed(dropped(&name)))
}
