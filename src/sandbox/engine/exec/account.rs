//! Warehouses and databases: the account-level objects.

use super::super::catalog::{Database, Schema, Warehouse};
use super::super::errors;
use super::super::format::warehouse_size_keyword;
use super::super::params;
use super::super::parse::ast::{AlterAction, CreateHead, Name, Prop};
use super::{created, drop_missing, dropped, exists_skipped, ok, props, tagging, Exec, Outcome};
use crate::sandbox::SqlError;

const SNOWPARK: &str = "SNOWPARK-OPTIMIZED";
const SIZE_ORDER: &[&str] = &[
    "XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "XXLARGE", "XXXLARGE", "X4LARGE", "X5LARGE",
    "X6LARGE",
];
const RESOURCE_CONSTRAINTS: &[&str] = &[
    "STANDARD_GEN_1",
    "STANDARD_GEN_2",
    "MEMORY_1X",
    "MEMORY_1X_X86",
    "MEMORY_16X",
    "MEMORY_16X_X86",
    "MEMORY_64X",
    "MEMORY_64X_X86",
];

/// A syntax error for an ALTER action the kind does not have in Snowflake's grammar.
pub(crate) fn no_such_action(kind: &str, action: &AlterAction) -> SqlError {
    let word = format!("{action:?}");
    let word = word
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    errors::syntax(1, 0, &format!("unexpected '{word}' in ALTER {kind}."))
}

fn default_warehouse(exec: &mut Exec, comment: Option<String>) -> Warehouse {
    let seq = exec.catalog.next_sequence();
    Warehouse {
        meta: exec.meta(comment),
        started: true,
        warehouse_type: "STANDARD".into(),
        size: "XSMALL".into(),
        min_cluster_count: 1,
        max_cluster_count: 1,
        scaling_policy: "STANDARD".into(),
        auto_suspend: Some(600),
        auto_resume: true,
        enable_query_acceleration: false,
        query_acceleration_max_scale_factor: 8,
        resource_monitor: None,
        resource_constraint: None,
        generation: Some("2".into()),
        uuid: format!("{}", 1_000_000 + seq),
        resumed_on: exec.now,
        updated_on: exec.now,
        params: Default::default(),
    }
}

pub(crate) fn create_warehouse(
    exec: &mut Exec,
    head: CreateHead,
    props: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&head.name)?;
    if exec.catalog.warehouses.contains_key(&name) {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&name));
        }
    }
    let mut wh = default_warehouse(exec, None);
    // A Snowpark-optimized warehouse defaults to MEDIUM and MEMORY_16X.
    let snowpark = props
        .iter()
        .any(|p| p.key == "WAREHOUSE_TYPE" && props::keyword(p).is_ok_and(|k| k == SNOWPARK));
    if snowpark {
        wh.size = "MEDIUM".into();
        wh.resource_constraint = Some("MEMORY_16X".into());
        wh.generation = None;
    }
    let mut initially_suspended = false;
    for p in &props {
        if p.key == "INITIALLY_SUSPENDED" {
            initially_suspended = props::boolean(p)?;
        } else {
            apply_warehouse_prop(exec, &mut wh, p)?;
        }
    }
    check_warehouse(&wh)?;
    wh.started = !initially_suspended;
    exec.catalog.warehouses.insert(name.clone(), wh);
    Ok(Outcome::changed(created("Warehouse", &name)))
}

fn apply_warehouse_prop(exec: &Exec, wh: &mut Warehouse, prop: &Prop) -> Result<(), SqlError> {
    match prop.key.as_str() {
        "WAREHOUSE_SIZE" => {
            let k = props::keyword(prop)?;
            wh.size = warehouse_size_keyword(&k)
                .ok_or_else(|| errors::invalid_value(&prop.key, &k))?
                .to_string();
        }
        "WAREHOUSE_TYPE" => {
            let t = props::one_of(prop, &["STANDARD", SNOWPARK])?;
            if t == SNOWPARK && wh.warehouse_type != SNOWPARK {
                wh.resource_constraint = Some("MEMORY_16X".into());
                wh.generation = None;
            } else if t == "STANDARD" && wh.warehouse_type == SNOWPARK {
                wh.resource_constraint = None;
                wh.generation = Some("2".into());
            }
            wh.warehouse_type = t;
        }
        "AUTO_SUSPEND" => wh.auto_suspend = props::opt_integer(prop, 0, i64::from(i32::MAX))?,
        "AUTO_RESUME" => wh.auto_resume = props::boolean(prop)?,
        "MIN_CLUSTER_COUNT" => wh.min_cluster_count = props::integer(prop, 1, 300)?,
        "MAX_CLUSTER_COUNT" => wh.max_cluster_count = props::integer(prop, 1, 300)?,
        "SCALING_POLICY" => wh.scaling_policy = props::one_of(prop, &["STANDARD", "ECONOMY"])?,
        "ENABLE_QUERY_ACCELERATION" => wh.enable_query_acceleration = props::boolean(prop)?,
        "QUERY_ACCELERATION_MAX_SCALE_FACTOR" => {
            wh.query_acceleration_max_scale_factor = props::integer(prop, 0, 100)?
        }
        "RESOURCE_MONITOR" => wh.resource_monitor = props::opt_simple_name(prop)?,
        "RESOURCE_CONSTRAINT" => {
            let rc = props::one_of(prop, RESOURCE_CONSTRAINTS)?;
            match rc.strip_prefix("STANDARD_GEN_") {
                Some(generation) => wh.generation = Some(generation.to_string()),
                None => wh.resource_constraint = Some(rc),
            }
        }
        "GENERATION" => {
            let g = props::keyword(prop)
                .or_else(|_| props::integer(prop, 1, 2).map(|n| n.to_string()))?;
            if g != "1" && g != "2" {
                return Err(errors::invalid_value(&prop.key, &g));
            }
            wh.generation = Some(g);
        }
        "COMMENT" => wh.meta.comment = props::opt_string(prop)?,
        key => match params::find(params::WAREHOUSE, key) {
            Some(def) => {
                wh.params.insert(key.to_string(), params::value(def, prop)?);
            }
            None => return Err(exec.unsupported(&format!("warehouse property {key}"))),
        },
    }
    Ok(())
}

fn check_warehouse(wh: &Warehouse) -> Result<(), SqlError> {
    if wh.min_cluster_count > wh.max_cluster_count {
        return Err(errors::invalid_value(
            "MIN_CLUSTER_COUNT",
            &format!(
                "{} > MAX_CLUSTER_COUNT {}",
                wh.min_cluster_count, wh.max_cluster_count
            ),
        ));
    }
    let rank = |s: &str| SIZE_ORDER.iter().position(|x| *x == s).unwrap_or(0);
    if wh.warehouse_type == SNOWPARK && rank(&wh.size) < rank("MEDIUM") {
        // Snowpark-optimized warehouses start at MEDIUM.
        return Err(errors::invalid_value("WAREHOUSE_SIZE", &wh.size));
    }
    Ok(())
}

pub(crate) fn alter_warehouse(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&name)?;
    let Some(mut wh) = exec.catalog.warehouses.get(&name).cloned() else {
        return if if_exists {
            Ok(Outcome::unchanged(ok()))
        } else {
            Err(errors::does_not_exist("Warehouse", &name))
        };
    };
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                if p.key == "INITIALLY_SUSPENDED" {
                    return Err(errors::invalid_value(
                        &p.key,
                        "only valid when the warehouse is created",
                    ));
                }
                apply_warehouse_prop(exec, &mut wh, p)?;
            }
            check_warehouse(&wh)?;
        }
        AlterAction::Unset(keys) => {
            for key in &keys {
                match key.as_str() {
                    "WAREHOUSE_SIZE" => {
                        wh.size = if wh.warehouse_type == SNOWPARK {
                            "MEDIUM".into()
                        } else {
                            "XSMALL".into()
                        }
                    }
                    "AUTO_SUSPEND" => wh.auto_suspend = Some(600),
                    "AUTO_RESUME" => wh.auto_resume = true,
                    "MIN_CLUSTER_COUNT" => wh.min_cluster_count = 1,
                    "MAX_CLUSTER_COUNT" => wh.max_cluster_count = 1,
                    "SCALING_POLICY" => wh.scaling_policy = "STANDARD".into(),
                    "ENABLE_QUERY_ACCELERATION" => wh.enable_query_acceleration = false,
                    "QUERY_ACCELERATION_MAX_SCALE_FACTOR" => {
                        wh.query_acceleration_max_scale_factor = 8
                    }
                    "RESOURCE_MONITOR" => wh.resource_monitor = None,
                    "COMMENT" => wh.meta.comment = None,
                    k if params::find(params::WAREHOUSE, k).is_some() => {
                        wh.params.remove(k);
                    }
                    k => return Err(exec.unsupported(&format!("UNSET {k} on a warehouse"))),
                }
            }
            check_warehouse(&wh)?;
        }
        AlterAction::Rename(to) => {
            let to = exec.account_name(&to)?;
            if exec.catalog.warehouses.contains_key(&to) {
                return Err(errors::already_exists(&to));
            }
            exec.catalog.warehouses.remove(&name);
            wh.updated_on = exec.now;
            exec.catalog.warehouses.insert(to, wh);
            return Ok(Outcome::changed(ok()));
        }
        AlterAction::Suspend => {
            if !wh.started {
                return Err(errors::invalid_state(format!(
                    "Invalid state. Warehouse '{name}' cannot be suspended."
                )));
            }
            wh.started = false;
        }
        AlterAction::Resume { if_suspended } => {
            if wh.started {
                if if_suspended {
                    return Ok(Outcome::unchanged(ok()));
                }
                return Err(errors::invalid_state(format!(
                    "Invalid state. Warehouse '{name}' cannot be resumed."
                )));
            }
            wh.started = true;
            wh.resumed_on = exec.now;
        }
        other => return Err(no_such_action("WAREHOUSE", &other)),
    }
    wh.updated_on = exec.now;
    exec.catalog.warehouses.insert(name, wh);
    Ok(Outcome::changed(ok()))
}

pub(crate) fn drop_warehouse(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&name)?;
    if exec.catalog.warehouses.remove(&name).is_none() {
        return if if_exists {
            Ok(Outcome::unchanged(drop_missing(&name)))
        } else {
            Err(errors::does_not_exist("Warehouse", &name))
        };
    }
    Ok(Outcome::changed(dropped(&name)))
}

/// Apply a container parameter or COMMENT from a property.
pub(crate) fn apply_container_prop(
    exec: &Exec,
    kind: &str,
    params_map: &mut std::collections::BTreeMap<String, String>,
    comment: &mut Option<String>,
    prop: &Prop,
) -> Result<(), SqlError> {
    if prop.key == "COMMENT" {
        *comment = props::opt_string(prop)?;
        return Ok(());
    }
    match params::find(params::CONTAINER, &prop.key) {
        Some(def) => {
            params_map.insert(prop.key.clone(), params::value(def, prop)?);
            Ok(())
        }
        None => Err(exec.unsupported(&format!("{kind} property {}", prop.key))),
    }
}

/// Unset a container parameter or COMMENT.
pub(crate) fn unset_container_key(
    exec: &Exec,
    kind: &str,
    params_map: &mut std::collections::BTreeMap<String, String>,
    comment: &mut Option<String>,
    key: &str,
) -> Result<(), SqlError> {
    if key == "COMMENT" {
        *comment = None;
    } else if params::find(params::CONTAINER, key).is_some() {
        params_map.remove(key);
    } else {
        return Err(exec.unsupported(&format!("UNSET {key} on a {kind}")));
    }
    Ok(())
}

pub(crate) fn create_database(
    exec: &mut Exec,
    head: CreateHead,
    transient: bool,
    props: Vec<Prop>,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&head.name)?;
    if exec.catalog.databases.contains_key(&name) {
        if head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&name)));
        }
        if !head.or_replace {
            return Err(errors::already_exists(&name));
        }
    }
    let mut db = Database {
        meta: exec.meta(None),
        transient,
        params: Default::default(),
        schemas: Default::default(),
        database_roles: Default::default(),
    };
    for p in &props {
        apply_container_prop(exec, "database", &mut db.params, &mut db.meta.comment, p)?;
    }
    // Snowflake creates PUBLIC (and INFORMATION_SCHEMA, implied here) with every database.
    db.schemas.insert(
        "PUBLIC".into(),
        Schema {
            meta: exec.meta(None),
            transient,
            ..Default::default()
        },
    );
    if exec.catalog.databases.remove(&name).is_some() {
        tagging::forget_tags_under(exec.catalog, &[&name]);
    }
    exec.catalog.databases.insert(name.clone(), db);
    Ok(Outcome::changed(created("Database", &name)))
}

pub(crate) fn alter_database(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&name)?;
    let Some(mut db) = exec.catalog.databases.get(&name).cloned() else {
        return if if_exists {
            Ok(Outcome::unchanged(ok()))
        } else {
            Err(errors::does_not_exist("Database", &name))
        };
    };
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                apply_container_prop(exec, "database", &mut db.params, &mut db.meta.comment, p)?;
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                unset_container_key(exec, "database", &mut db.params, &mut db.meta.comment, k)?;
            }
        }
        AlterAction::Rename(to) => {
            let to = exec.account_name(&to)?;
            if exec.catalog.databases.contains_key(&to) {
                return Err(errors::already_exists(&to));
            }
            exec.catalog.databases.remove(&name);
            exec.catalog.databases.insert(to.clone(), db);
            tagging::rekey_tags(exec.catalog, &[&name], &[&to]);
            return Ok(Outcome::changed(ok()));
        }
        other => return Err(no_such_action("DATABASE", &other)),
    }
    exec.catalog.databases.insert(name, db);
    Ok(Outcome::changed(ok()))
}

pub(crate) fn drop_database(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
) -> Result<Outcome, SqlError> {
    let name = exec.account_name(&name)?;
    if exec.catalog.databases.remove(&name).is_none() {
        return if if_exists {
            Ok(Outcome::unchanged(drop_missing(&name)))
        } else {
            Err(errors::does_not_exist("Database", &name))
        };
    }
    tagging::forget_tags_under(exec.catalog, &[&name]);
    Ok(Outcome::changed(dropped(&name)))
}
