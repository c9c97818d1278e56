//! Account roles: CREATE, ALTER (SET / UNSET COMMENT, RENAME TO) and DROP. The
//! system-defined roles exist in every account and are never changed here; grants are not
//! emulated.

use super::super::catalog::{AccountRole, SYSTEM_ROLES};
use super::super::errors;
use super::super::parse::ast::{AlterAction, CreateHead, Name, Prop};
use super::account::no_such_action;
use super::{created, drop_missing, dropped, exists_skipped, ok, props, Exec, Outcome};
use crate::sandbox::SqlError;

fn exists(exec: &Exec, name: &str) -> bool {
    SYSTEM_ROLES.contains(&name) || exec.catalog.roles.contains_key(name)
}

/// A system-defined role is refused for any change: what Snowflake allows on them (a
/// comment, say) is not emulated.
fn refuse_system(exec: &Exec, name: &str) -> Result<(), SqlError> {
    if SYSTEM_ROLES.contains(&name) {
        return Err(exec.unsupported(&format!("changing the system-defined role {name}")));
    }
    Ok(())
}

/// COMMENT is a role's one property: any other is not in CREATE / ALTER ROLE's grammar.
fn apply_prop(role: &mut AccountRole, prop: &Prop) -> Result<(), SqlError> {
    match prop.key.as_str() {
        "COMMENT" => role.meta.comment = props::opt_string(prop)?,
        key => return Err(errors::syntax(1, 0, &format!("unexpected '{key}'."))),
    }
    Ok(())
}

pub(crate) fn create_role(
    exec: &mut Exec,
    head: CreateHead,
    props: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&head.name)?;
    if exists(exec, &name) {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&name));
        }
        refuse_system(exec, &name)?;
    }
    let mut role = AccountRole {
        meta: exec.meta(None),
    };
    for p in &props {
        apply_prop(&mut role, p)?;
    }
    exec.catalog.roles.insert(name.clone(), role);
    Ok(Outcome::changed(created("Role", &name)))
}

pub(crate) fn alter_role(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&name)?;
    if !exists(exec, &name) {
        return if if_exists {
            Ok(Outcome::unchanged(ok()))
        } else {
            Err(errors::does_not_exist("Role", &name))
        };
    }
    refuse_system(exec, &name)?;
    let mut role = exec.catalog.roles[&name].clone();
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                apply_prop(&mut role, p)?;
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "COMMENT" => role.meta.comment = None,
                    k => return Err(errors::syntax(1, 0, &format!("unexpected '{k}'."))),
                }
            }
        }
        AlterAction::Rename(to) => {
            let to = exec.account_name(&to)?;
            if exists(exec, &to) {
                return Err(errors::already_exists(&to));
            }
            exec.catalog.roles.remove(&name);
            exec.catalog.roles.insert(to, role);
            return Ok(Outcome::changed(ok()));
        }
        other => return Err(no_such_action("ROLE", &other)),
    }
    exec.catalog.roles.insert(name, role);
    Ok(Outcome::changed(ok()))
}

pub(crate) fn drop_role(exec: &mut Exec, if_exists: bool, name: Name) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&name)?;
    if !exists(exec, &name) {
        return if if_exists {
            Ok(Outcome::unchanged(drop_missing(&name)))
        } else {
            Err(errors::does_not_exist("Role", &name))
        };
    }
    refuse_system(exec, &name)?;
    exec.catalog.roles.remove(&name);
    Ok(Outcome::changed(dropped(&name)))
}
