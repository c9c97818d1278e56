//! Users: CREATE USER, ALTER USER (SET / UNSET of the properties below, RENAME TO) and DROP
//! USER. Only the properties an infrastructure definition sets are kept: TYPE, LOGIN_NAME,
//! DISPLAY_NAME, COMMENT, DISABLED, the session defaults and the RSA public keys. Passwords,
//! names, e-mail, MFA, network policies, workload identity and session parameters are refused
//! as unsupported rather than accepted and forgotten.

use super::super::catalog::User;
use super::super::errors;
use super::super::parse::ast::{AlterAction, CreateHead, Name, Prop, PropValue};
use super::account::no_such_action;
use super::{created, drop_missing, dropped, exists_skipped, ok, props, Exec, Outcome};
use crate::sandbox::{Column, ResultSet, SqlError};

/// The user types CREATE USER takes (SERVICE_AGENT is documented too; not emulated).
const TYPES: &[&str] = &["PERSON", "SERVICE", "LEGACY_SERVICE"];

/// The CREATE USER properties (objectProperties) the sandbox does not keep.
const NOT_KEPT: &[&str] = &[
    "PASSWORD",
    "FIRST_NAME",
    "MIDDLE_NAME",
    "LAST_NAME",
    "EMAIL",
    "MUST_CHANGE_PASSWORD",
    "ALLOWED_INTERFACES",
    "DAYS_TO_EXPIRY",
    "MINS_TO_UNLOCK",
    "DEFAULT_SECONDARY_ROLES",
    "MINS_TO_BYPASS_MFA",
    "RSA_PUBLIC_KEY_FP",
    "RSA_PUBLIC_KEY_2_FP",
    "WORKLOAD_IDENTITY",
    "NETWORK_POLICY",
];

/// A name-valued property (DEFAULT_WAREHOUSE, DEFAULT_ROLE, DEFAULT_NAMESPACE): an
/// identifier (bare words upper-cased, quoted ones kept, parts joined by `.`) or a string
/// literal as written. CREATE USER does not check that the object exists.
fn name_text(prop: &Prop) -> Result<Option<String>, SqlError> {
    match &prop.value {
        PropValue::Null => Ok(None),
        PropValue::Str(s) => Ok(Some(s.clone())),
        _ => props::name(prop).map(|n| Some(n.join("."))),
    }
}

/// A public key the sandbox can read: DESCRIBE USER prints its fingerprint. One it cannot
/// read is refused as unsupported rather than kept with no fingerprint to show.
fn public_key(exec: &Exec, prop: &Prop) -> Result<Option<String>, SqlError> {
    let key = props::opt_string(prop)?;
    if let Some(k) = &key {
        if crate::snowflake::keys::parse_public_key(k).is_err() {
            return Err(exec.unsupported(
                "a public key that is not an RSA public key in PEM or base64 DER form",
            ));
        }
    }
    Ok(key)
}

fn apply_prop(exec: &Exec, user: &mut User, prop: &Prop) -> Result<(), SqlError> {
    match prop.key.as_str() {
        "TYPE" if props::keyword(prop).is_ok_and(|k| k == "SERVICE_AGENT") => {
            return Err(exec.unsupported("the user type SERVICE_AGENT"))
        }
        "TYPE" => user.user_type = Some(props::one_of(prop, TYPES)?),
        // Login names are case-insensitive; Snowflake keeps them in upper case.
        "LOGIN_NAME" => user.login_name = login_name(prop)?,
        "DISPLAY_NAME" => user.display_name = props::opt_string(prop)?,
        "COMMENT" => user.meta.comment = props::opt_string(prop)?,
        "DISABLED" => user.disabled = props::boolean(prop)?,
        "DEFAULT_WAREHOUSE" => user.default_warehouse = name_text(prop)?,
        "DEFAULT_NAMESPACE" => user.default_namespace = name_text(prop)?,
        "DEFAULT_ROLE" => user.default_role = name_text(prop)?,
        "RSA_PUBLIC_KEY" => user.rsa_public_key = public_key(exec, prop)?,
        "RSA_PUBLIC_KEY_2" => user.rsa_public_key_2 = public_key(exec, prop)?,
        key if NOT_KEPT.contains(&key) => {
            return Err(exec.unsupported(&format!("the user property {key}")))
        }
        key => return Err(exec.unsupported(&format!("the user property or parameter {key}"))),
    }
    Ok(())
}

fn login_name(prop: &Prop) -> Result<String, SqlError> {
    match &prop.value {
        PropValue::Str(s) | PropValue::Word(s) => Ok(s.to_uppercase()),
        PropValue::Name(n) => Ok(n.join(".").to_uppercase()),
        _ => Err(errors::invalid_value(&prop.key, &props::shown(&prop.value))),
    }
}

fn exists(exec: &Exec, name: &str) -> bool {
    exec.catalog.users.contains_key(name)
}

pub(crate) fn create_user(
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
    }
    // Not set, the login name and the display name are the user's name.
    let mut user = User {
        meta: exec.meta(None),
        login_name: name.to_uppercase(),
        display_name: Some(name.clone()),
        user_type: None,
        disabled: false,
        default_warehouse: None,
        default_namespace: None,
        default_role: None,
        rsa_public_key: None,
        rsa_public_key_2: None,
    };
    for p in &props {
        apply_prop(exec, &mut user, p)?;
    }
    exec.catalog.users.insert(name.clone(), user);
    Ok(Outcome::changed(created("User", &name)))
}

pub(crate) fn alter_user(
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
            Err(errors::does_not_exist("User", &name))
        };
    }
    let mut user = exec.catalog.users[&name].clone();
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                apply_prop(exec, &mut user, p)?;
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "TYPE" => user.user_type = None,
                    "LOGIN_NAME" => user.login_name = name.to_uppercase(),
                    "DISPLAY_NAME" => user.display_name = None,
                    "COMMENT" => user.meta.comment = None,
                    "DISABLED" => user.disabled = false,
                    "DEFAULT_WAREHOUSE" => user.default_warehouse = None,
                    "DEFAULT_NAMESPACE" => user.default_namespace = None,
                    "DEFAULT_ROLE" => user.default_role = None,
                    "RSA_PUBLIC_KEY" => user.rsa_public_key = None,
                    "RSA_PUBLIC_KEY_2" => user.rsa_public_key_2 = None,
                    k if NOT_KEPT.contains(&k) => {
                        return Err(exec.unsupported(&format!("the user property {k}")))
                    }
                    k => return Err(errors::syntax(1, 0, &format!("unexpected '{k}'."))),
                }
            }
        }
        AlterAction::Rename(to) => {
            let to = exec.account_name(&to)?;
            if exists(exec, &to) {
                return Err(errors::already_exists(&to));
            }
            exec.catalog.users.remove(&name);
            exec.catalog.users.insert(to, user);
            return Ok(Outcome::changed(ok()));
        }
        other => return Err(no_such_action("USER", &other)),
    }
    exec.catalog.users.insert(name, user);
    Ok(Outcome::changed(ok()))
}

pub(crate) fn drop_user(exec: &mut Exec, if_exists: bool, name: Name) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&name)?;
    if !exists(exec, &name) {
        return if if_exists {
            Ok(Outcome::unchanged(drop_missing(&name)))
        } else {
            Err(errors::does_not_exist("User", &name))
        };
    }
    exec.catalog.users.remove(&name);
    Ok(Outcome::changed(dropped(&name)))
}

/// DESC[RIBE] USER: the documented columns (property, value, default, description) for the
/// properties the sandbox keeps, with the public keys' fingerprints computed as Snowflake
/// prints them. Unset values print `null`, as the reference's example does; the properties
/// the sandbox does not keep (names, e-mail, password, MFA, ...) are not listed
/// (docs/sandbox.md).
pub(crate) fn describe_user(exec: &Exec, name: &Name) -> Result<Outcome, SqlError> {
    let name = exec.account_name(name)?;
    let user = exec
        .catalog
        .users
        .get(&name)
        .ok_or_else(|| errors::does_not_exist("User", &name))?;
    let text = |v: &Option<String>| v.clone().unwrap_or_else(|| "null".into());
    let fingerprint = |key: &Option<String>| match key {
        Some(k) => crate::snowflake::keys::parse_public_key(k)
            .ok()
            .and_then(|parsed| crate::snowflake::keys::fingerprint_of(&parsed).ok())
            .unwrap_or_else(|| "null".into()),
        None => "null".into(),
    };
    let rows: Vec<[String; 4]> = vec![
        ["NAME".into(), name.clone(), "null".into(), "Name".into()],
        [
            "COMMENT".into(),
            text(&user.meta.comment),
            "null".into(),
            "user comment associated to an object in the dictionary".into(),
        ],
        [
            "DISPLAY_NAME".into(),
            text(&user.display_name),
            "null".into(),
            "Display name of the associated object".into(),
        ],
        [
            "TYPE".into(),
            text(&user.user_type),
            "null".into(),
            "Type of the user".into(),
        ],
        [
            "LOGIN_NAME".into(),
            user.login_name.clone(),
            "null".into(),
            "Login name of the user".into(),
        ],
        [
            "DISABLED".into(),
            user.disabled.to_string(),
            "false".into(),
            "Whether the entity is disabled".into(),
        ],
        [
            "DEFAULT_WAREHOUSE".into(),
            text(&user.default_warehouse),
            "null".into(),
            "Default warehouse for this user".into(),
        ],
        [
            "DEFAULT_NAMESPACE".into(),
            text(&user.default_namespace),
            "null".into(),
            "Default database namespace prefix for this user".into(),
        ],
        [
            "DEFAULT_ROLE".into(),
            text(&user.default_role),
            "null".into(),
            "Primary principal of user session will be set to this role".into(),
        ],
        [
            "RSA_PUBLIC_KEY".into(),
            text(&user.rsa_public_key),
            "null".into(),
            "RSA public key of the user".into(),
        ],
        [
            "RSA_PUBLIC_KEY_FP".into(),
            fingerprint(&user.rsa_public_key),
            "null".into(),
            "Fingerprint of user's RSA public key.".into(),
        ],
        [
            "RSA_PUBLIC_KEY_2".into(),
            text(&user.rsa_public_key_2),
            "null".into(),
            "Second RSA public key of the user".into(),
        ],
        [
            "RSA_PUBLIC_KEY_2_FP".into(),
            fingerprint(&user.rsa_public_key_2),
            "null".into(),
            "Fingerprint of user's second RSA public key.".into(),
        ],
    ];
    Ok(Outcome::unchanged(ResultSet {
        columns: ["property", "value", "default", "description"]
            .iter()
            .map(|c| Column::text(c))
            .collect(),
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(Some).collect())
            .collect(),
        dml: None,
    }))
}
