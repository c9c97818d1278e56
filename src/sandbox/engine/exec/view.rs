//! Views and dynamic tables: their queries are kept as text and never run. A view's `text`
//! is its CREATE statement exactly as submitted; a dynamic table's is re-printed with its
//! current options, as Snowflake shows it (`DynamicTable::shown_text`).

use super::super::catalog::{DynamicTable, Relation, Schema, ShownText, View};
use super::super::errors;
use super::super::parse::ast::{
    AlterAction, CreateHead, ListedColumn, Name, Prop, PropValue, TagAssign,
};
use super::super::parse::sources::sources;
use super::account::no_such_action;
use super::{created, exists_skipped, ok, props, rename_target, tagging, Exec, Fqn, Outcome};
use crate::sandbox::SqlError;

pub(crate) struct ViewDef {
    pub head: CreateHead,
    pub secure: bool,
    pub columns: Vec<ListedColumn>,
    pub props: Vec<Prop>,
    pub tags: Vec<TagAssign>,
    pub query: String,
    pub text: String,
}

pub(crate) struct DynamicTableDef {
    pub head: CreateHead,
    pub columns: Vec<ListedColumn>,
    pub props: Vec<Prop>,
    pub tags: Vec<TagAssign>,
    pub cluster_by: Option<String>,
    pub query: String,
    pub text: String,
    pub shown_head: String,
    pub shown_body: String,
}

/// The common CREATE checks for a relation (table, view, dynamic table): Some(result)
/// when the statement is already decided (IF NOT EXISTS), an error when it must fail.
pub(crate) fn check_relation_create(
    schema: &Schema,
    head: &CreateHead,
    name: &str,
    kind: Relation,
) -> Result<Option<Outcome>, SqlError> {
    match schema.relation(name) {
        None => Ok(None),
        Some(_) if head.if_not_exists => Ok(Some(Outcome::unchanged(exists_skipped(name)))),
        Some(found) if head.or_replace && found != kind => {
            Err(errors::wrong_kind(found.type_name(), kind.type_name()))
        }
        Some(_) if head.or_replace => Ok(None),
        Some(_) => Err(errors::already_exists(name)),
    }
}

/// Snowflake compiles a view's or dynamic table's query when it is created: every table
/// or view it reads must exist. Names resolve in the new object's schema (unqualified) or
/// database (`schema.name`), not the session's (CREATE VIEW usage notes).
fn check_sources(exec: &Exec, fqn: &Fqn, query: &str, what: &str) -> Result<(), SqlError> {
    let names = sources(query).map_err(|e| exec.unsupported(&format!("{e} in {what}")))?;
    for n in names {
        let (db, schema, name) = match n.as_slice() {
            [t] => (fqn.database.clone(), fqn.schema.clone(), t.clone()),
            [s, t] => (fqn.database.clone(), s.clone(), t.clone()),
            [d, s, t] => (d.clone(), s.clone(), t.clone()),
            // The source scanner refuses longer names first.
            _ => return Err(errors::invalid_identifier(&n.join("."))),
        };
        // Shared and system databases are not emulated: they exist in every account.
        if db == "SNOWFLAKE" || schema == "INFORMATION_SCHEMA" {
            return Err(exec.unsupported(&format!("reading {db}.{schema} in {what}")));
        }
        if exec.schema(&db, &schema)?.relation(&name).is_none() {
            return Err(errors::object_not_found(&n.join(".")));
        }
    }
    Ok(())
}

pub(crate) fn create_view(exec: &mut Exec, def: ViewDef) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&def.head.name, "CREATE VIEW")?;
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    if let Some(done) = check_relation_create(schema, &def.head, &f.name, Relation::View)? {
        return Ok(done);
    }
    check_sources(exec, &f, &def.query, "a view's query")?;
    let _ = def.columns;
    let saved_columns = super::describe::derived_view_rows(exec, &def.text, &def.query).ok();
    let mut view = View {
        meta: exec.meta(None),
        secure: def.secure,
        text: def.text,
        query: def.query,
        saved_columns,
    };
    for p in &def.props {
        match p.key.as_str() {
            "COMMENT" => view.meta.comment = props::opt_string(p)?,
            k => return Err(exec.unsupported(&format!("view property {k}"))),
        }
    }
    view.meta
        .tags
        .extend(tagging::resolve_assigns(exec, &def.tags)?);
    exec.schema_mut(&f.database, &f.schema)?
        .views
        .insert(f.name.clone(), view);
    Ok(Outcome::changed(created("View", &f.name)))
}

/// Move a relation to a new name, checking the shared namespace of tables, views and
/// dynamic tables.
pub(crate) fn rename_relation(
    exec: &mut Exec,
    fqn: &Fqn,
    to: &Name,
    kind: Relation,
) -> Result<Outcome, SqlError> {
    let t = rename_target(fqn, to)?;
    if exec
        .schema(&t.database, &t.schema)?
        .relation(&t.name)
        .is_some()
    {
        return Err(errors::already_exists(&t.name));
    }
    exec.schema_for_create(&t.database, &t.schema)?;
    let from = exec.schema_mut(&fqn.database, &fqn.schema)?;
    match kind {
        Relation::Table => {
            let o = from.tables.remove(&fqn.name);
            if let Some(o) = o {
                exec.schema_mut(&t.database, &t.schema)?
                    .tables
                    .insert(t.name, o);
            }
        }
        Relation::View => {
            let o = from.views.remove(&fqn.name);
            if let Some(o) = o {
                exec.schema_mut(&t.database, &t.schema)?
                    .views
                    .insert(t.name, o);
            }
        }
        Relation::DynamicTable => {
            let o = from.dynamic_tables.remove(&fqn.name);
            if let Some(o) = o {
                exec.schema_mut(&t.database, &t.schema)?
                    .dynamic_tables
                    .insert(t.name, o);
            }
        }
    }
    Ok(Outcome::changed(ok()))
}

/// Find a relation of `kind` for ALTER: None when it is missing and IF EXISTS was given.
pub(crate) fn find_relation(
    exec: &Exec,
    fqn: &Fqn,
    kind: Relation,
    noun: &str,
    if_exists: bool,
) -> Result<Option<()>, SqlError> {
    let schema = match exec.schema(&fqn.database, &fqn.schema) {
        Ok(s) => s,
        Err(_) if if_exists => return Ok(None),
        Err(e) => return Err(e),
    };
    match schema.relation(&fqn.name) {
        Some(found) if found == kind => Ok(Some(())),
        Some(found) => Err(errors::wrong_kind(found.type_name(), kind.type_name())),
        None if if_exists => Ok(None),
        None => Err(errors::does_not_exist(noun, &fqn.dotted())),
    }
}

pub(crate) fn alter_view(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "ALTER VIEW")?;
    if find_relation(exec, &f, Relation::View, "View", if_exists)?.is_none() {
        return Ok(Outcome::unchanged(ok()));
    }
    if let AlterAction::Rename(to) = &action {
        return rename_relation(exec, &f, to, Relation::View);
    }
    let Some(mut view) = exec
        .schema(&f.database, &f.schema)?
        .views
        .get(&f.name)
        .cloned()
    else {
        return Err(errors::does_not_exist("View", &f.dotted()));
    };
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                match p.key.as_str() {
                    "COMMENT" => view.meta.comment = props::opt_string(p)?,
                    "SECURE" => view.secure = true,
                    k => return Err(exec.unsupported(&format!("view property {k}"))),
                }
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "COMMENT" => view.meta.comment = None,
                    "SECURE" => view.secure = false,
                    k => return Err(exec.unsupported(&format!("UNSET {k} on a view"))),
                }
            }
        }
        other => return Err(no_such_action("VIEW", &other)),
    }
    exec.schema_mut(&f.database, &f.schema)?
        .views
        .insert(f.name, view);
    Ok(Outcome::changed(ok()))
}

/// `'<n> <unit>'` of at least one minute, or DOWNSTREAM.
fn target_lag(prop: &Prop) -> Result<String, SqlError> {
    let text = match &prop.value {
        PropValue::Word(w) if w.eq_ignore_ascii_case("DOWNSTREAM") => {
            return Ok("DOWNSTREAM".into())
        }
        PropValue::Str(s) if s.trim().eq_ignore_ascii_case("DOWNSTREAM") => {
            return Ok("DOWNSTREAM".into())
        }
        PropValue::Str(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        other => return Err(errors::invalid_value("TARGET_LAG", &props::shown(other))),
    };
    let bad = || errors::invalid_value("TARGET_LAG", &text);
    let (n, unit) = text.split_once(' ').ok_or_else(bad)?;
    let n: i64 = n.parse().map_err(|_| bad())?;
    let seconds = match unit.to_ascii_lowercase().as_str() {
        "second" | "seconds" => n,
        "minute" | "minutes" => n * 60,
        "hour" | "hours" => n * 3_600,
        "day" | "days" => n * 86_400,
        _ => return Err(bad()),
    };
    if seconds < 60 {
        return Err(bad());
    }
    Ok(text)
}

fn existing_warehouse(exec: &Exec, prop: &Prop) -> Result<String, SqlError> {
    let w = props::simple_name(prop)?;
    if !exec.catalog.warehouses.contains_key(&w) {
        return Err(errors::does_not_exist("Warehouse", &w));
    }
    Ok(w)
}

pub(crate) fn create_dynamic_table(
    exec: &mut Exec,
    def: DynamicTableDef,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&def.head.name, "CREATE DYNAMIC TABLE")?;
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    if let Some(done) = check_relation_create(schema, &def.head, &f.name, Relation::DynamicTable)? {
        return Ok(done);
    }
    check_sources(exec, &f, &def.query, "a dynamic table's query")?;
    let _ = def.columns;
    let saved_columns = super::describe::derived_view_rows(exec, &def.text, &def.query).ok();
    let mut dt = DynamicTable {
        meta: exec.meta(None),
        text: def.text,
        shown: Some(ShownText {
            head: def.shown_head,
            body: def.shown_body,
        }),
        query: def.query,
        target_lag: String::new(),
        warehouse: String::new(),
        refresh_mode: "AUTO".into(),
        initialize: "ON_CREATE".into(),
        cluster_by: def.cluster_by,
        suspended: false,
        last_suspended_on: None,
        data_timestamp: None,
        saved_columns,
    };
    for p in &def.props {
        match p.key.as_str() {
            "TARGET_LAG" => dt.target_lag = target_lag(p)?,
            "WAREHOUSE" => dt.warehouse = existing_warehouse(exec, p)?,
            "REFRESH_MODE" => dt.refresh_mode = props::one_of(p, &["AUTO", "FULL", "INCREMENTAL"])?,
            "INITIALIZE" => dt.initialize = props::one_of(p, &["ON_CREATE", "ON_SCHEDULE"])?,
            "COMMENT" => dt.meta.comment = props::opt_string(p)?,
            k => return Err(exec.unsupported(&format!("dynamic table property {k}"))),
        }
    }
    if dt.target_lag.is_empty() {
        return Err(errors::invalid_value("TARGET_LAG", "(missing)"));
    }
    if dt.warehouse.is_empty() {
        return Err(errors::invalid_value("WAREHOUSE", "(missing)"));
    }
    if dt.initialize == "ON_CREATE" {
        dt.data_timestamp = Some(exec.now);
    }
    dt.meta
        .tags
        .extend(tagging::resolve_assigns(exec, &def.tags)?);
    exec.schema_mut(&f.database, &f.schema)?
        .dynamic_tables
        .insert(f.name.clone(), dt);
    Ok(Outcome::changed(created("Dynamic table", &f.name)))
}

pub(crate) fn alter_dynamic_table(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    action: AlterAction,
) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "ALTER DYNAMIC TABLE")?;
    if find_relation(exec, &f, Relation::DynamicTable, "Dynamic table", if_exists)?.is_none() {
        return Ok(Outcome::unchanged(ok()));
    }
    if let AlterAction::Rename(to) = &action {
        return rename_relation(exec, &f, to, Relation::DynamicTable);
    }
    let Some(mut dt) = exec
        .schema(&f.database, &f.schema)?
        .dynamic_tables
        .get(&f.name)
        .cloned()
    else {
        return Err(errors::does_not_exist("Dynamic table", &f.dotted()));
    };
    match action {
        AlterAction::Set(props) => {
            for p in &props {
                match p.key.as_str() {
                    "TARGET_LAG" => dt.target_lag = target_lag(p)?,
                    "WAREHOUSE" => dt.warehouse = existing_warehouse(exec, p)?,
                    "COMMENT" => dt.meta.comment = props::opt_string(p)?,
                    // UNCONFIRMED text: ALTER cannot change the refresh mode.
                    "REFRESH_MODE" | "INITIALIZE" => {
                        return Err(errors::invalid_state(format!("{} cannot be changed with ALTER DYNAMIC TABLE; recreate the dynamic table.", p.key)))
                    }
                    k => return Err(exec.unsupported(&format!("dynamic table property {k}"))),
                }
            }
        }
        AlterAction::Unset(keys) => {
            for k in &keys {
                match k.as_str() {
                    "COMMENT" => dt.meta.comment = None,
                    k => return Err(exec.unsupported(&format!("UNSET {k} on a dynamic table"))),
                }
            }
        }
        AlterAction::Suspend => {
            if !dt.suspended {
                dt.suspended = true;
                dt.last_suspended_on = Some(exec.now);
            }
        }
        AlterAction::Resume {
            if_suspended: false,
        } => dt.suspended = false,
        AlterAction::Refresh => dt.data_timestamp = Some(exec.now),
        other => return Err(no_such_action("DYNAMIC TABLE", &other)),
    }
    exec.schema_mut(&f.database, &f.schema)?
        .dynamic_tables
        .insert(f.name, dt);
    Ok(Outcome::changed(ok()))
}
