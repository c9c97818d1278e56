//! Stored procedures: kept with their clauses, listed by SHOW PROCEDURES and DESCRIBE
//! PROCEDURE in the documented layouts, never run. A procedure is known by its name and
//! argument types, so overloads are distinct procedures.

use super::super::catalog::Procedure;
use super::super::errors;
use super::super::format;
use super::super::parse::ast::{Name, ProcedureDef, Show, ShowScope};
use super::super::show::like_pattern;
use super::describe::reported_type;
use super::{created, drop_missing, dropped, exists_skipped, Exec, Outcome};
use crate::sandbox::{Column, ResultSet, SqlError};

/// A type in a procedure's signature: the canonical type without length or precision, as
/// SHOW PROCEDURES prints it (`AREA_OF_CIRCLE(FLOAT) RETURN FLOAT`); overloads differ by it.
fn signature_type(exec: &Exec, declared: &str) -> Result<String, SqlError> {
    let full = reported_type(declared)
        .ok_or_else(|| exec.unsupported(&format!("the procedure argument type {declared}")))?;
    Ok(full.split('(').next().unwrap_or_default().to_string())
}

/// The catalog key: `NAME(T1,T2)`.
fn key(name: &str, types: &[String]) -> String {
    format!("{name}({})", types.join(","))
}

/// `NAME(T1, T2)`, as Snowflake prints a signature in messages and SHOW.
fn shown(name: &str, types: &[String]) -> String {
    format!("{name}({})", types.join(", "))
}

pub fn create(exec: &mut Exec, def: ProcedureDef) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&def.head.name, "CREATE PROCEDURE")?;
    let types = def
        .args
        .iter()
        .map(|(_, t)| signature_type(exec, t))
        .collect::<Result<Vec<_>, _>>()?;
    let args = def
        .args
        .iter()
        .zip(&types)
        .map(|((n, _), t)| (n.clone(), t.clone()))
        .collect();
    let returns = reported_type(&def.returns)
        .ok_or_else(|| exec.unsupported(&format!("the procedure return type {}", def.returns)))?;
    let k = key(&f.name, &types);
    let meta = exec.meta(def.comment.clone());
    let schema = exec.schema_for_create(&f.database, &f.schema)?;
    if schema.procedures.contains_key(&k) {
        if def.head.if_not_exists {
            return Ok(Outcome::unchanged(exists_skipped(&f.name)));
        }
        if !def.head.or_replace {
            return Err(errors::already_exists(&f.name));
        }
    }
    schema.procedures.insert(
        k,
        Procedure {
            meta,
            name: f.name.clone(),
            secure: def.secure,
            args,
            returns,
            returns_not_null: def.returns_not_null,
            language: def.language,
            runtime_version: def.runtime_version,
            packages: def.packages,
            imports: def.imports,
            handler: def.handler,
            execute_as: def.execute_as,
            body: def.body,
        },
    );
    Ok(Outcome::changed(created("Function", &f.name)))
}

fn resolve(
    exec: &Exec,
    name: &Name,
    types: &[String],
    command: &str,
) -> Result<(super::Fqn, String, Vec<String>), SqlError> {
    let f = exec.resolve_schema_object(name, command)?;
    let types = types
        .iter()
        .map(|t| signature_type(exec, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((f.clone(), key(&f.name, &types), types))
}

pub fn drop(
    exec: &mut Exec,
    if_exists: bool,
    name: Name,
    types: Vec<String>,
) -> Result<Outcome, SqlError> {
    let (f, k, types) = resolve(exec, &name, &types, "DROP PROCEDURE")?;
    let found = exec
        .schema_mut(&f.database, &f.schema)
        .ok()
        .and_then(|s| s.procedures.remove(&k));
    match found {
        Some(_) => Ok(Outcome::changed(dropped(&f.name))),
        None if if_exists => Ok(Outcome::unchanged(drop_missing(&f.name))),
        None => Err(errors::does_not_exist(
            "Procedure",
            &format!("{}.{}.{}", f.database, f.schema, shown(&f.name, &types)),
        )),
    }
}

fn row(property: &str, value: impl Into<String>) -> Vec<Option<String>> {
    vec![Some(property.to_string()), Some(value.into())]
}

/// The DESCRIBE PROCEDURE rows: the documented ones (signature, returns, language, null
/// handling, volatility, execute as, body), and for handler languages the rows
/// terraform-provider-snowflake decodes (runtime_version, packages, handler, imports; its
/// list parser reads `['a','b']` and `[...]`). External access, secrets, target path and
/// installed packages are not kept (docs/sandbox.md).
pub(crate) fn describe(exec: &Exec, name: Name, types: Vec<String>) -> Result<Outcome, SqlError> {
    let (f, k, types) = resolve(exec, &name, &types, "DESCRIBE PROCEDURE")?;
    let p = exec
        .schema(&f.database, &f.schema)
        .ok()
        .and_then(|s| s.procedures.get(&k))
        .ok_or_else(|| {
            errors::does_not_exist(
                "Procedure",
                &format!("{}.{}.{}", f.database, f.schema, shown(&f.name, &types)),
            )
        })?;
    let signature = format!(
        "({})",
        p.args
            .iter()
            .map(|(n, t)| format!("{n} {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let returns = if p.returns_not_null {
        format!("{} NOT NULL", p.returns)
    } else {
        p.returns.clone()
    };
    let mut rows = vec![
        row("signature", signature),
        row("returns", returns),
        row("language", p.language.clone()),
    ];
    // Not printed for SQL (Snowflake Scripting) procedures (terraform-provider-snowflake
    // pkg/sdk/procedures_ext.go, ProcedureDetails).
    if p.language != "SQL" {
        rows.push(row("null handling", "CALLED ON NULL INPUT"));
        rows.push(row("volatility", "VOLATILE"));
    }
    rows.push(row("execute as", p.execute_as.clone()));
    if matches!(p.language.as_str(), "PYTHON" | "JAVA" | "SCALA") {
        rows.push(row(
            "runtime_version",
            p.runtime_version.clone().unwrap_or_default(),
        ));
        rows.push(row(
            "packages",
            format!(
                "[{}]",
                p.packages
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ));
        rows.push(row("handler", p.handler.clone().unwrap_or_default()));
        rows.push(row("imports", format!("[{}]", p.imports.join(","))));
    }
    rows.push(vec![Some("body".into()), p.body.clone()]);
    Ok(Outcome::unchanged(ResultSet {
        columns: vec![Column::text("property"), Column::text("value")],
        rows,
        dml: None,
    }))
}

/// The SHOW PROCEDURES columns (SHOW PROCEDURES reference, Output).
const SHOW_COLUMNS: [&str; 14] = [
    "created_on",
    "name",
    "schema_name",
    "is_builtin",
    "is_aggregate",
    "is_ansi",
    "min_num_arguments",
    "max_num_arguments",
    "arguments",
    "description",
    "catalog_name",
    "is_table_function",
    "valid_for_clustering",
    "is_secure",
];

/// SHOW PROCEDURES [LIKE] [IN ACCOUNT | DATABASE [d] | SCHEMA [s]]: the user-defined
/// procedures in scope (built-in ones are not emulated).
pub fn show(exec: &Exec, show: &Show) -> Result<ResultSet, SqlError> {
    if show.starts_with.is_some() || show.limit.is_some() || show.terse || show.root_only {
        return Err(exec.unsupported("SHOW PROCEDURES with STARTS WITH, LIMIT or TERSE"));
    }
    let (db, schema) = match &show.scope {
        None | Some(ShowScope::Database(None)) => (exec.session_database().map(String::from), None),
        Some(ShowScope::Account) => (None, None),
        Some(ShowScope::Database(Some(d))) => {
            exec.database(d)?;
            (Some(d.clone()), None)
        }
        Some(ShowScope::Schema(None)) => (
            exec.session_database().map(String::from),
            exec.session_schema().map(String::from),
        ),
        Some(ShowScope::Schema(Some(name))) => {
            let (d, sc) = exec.resolve_schema(name, "SHOW")?;
            exec.schema(&d, &sc)?;
            (Some(d), Some(sc))
        }
        Some(_) => return Err(errors::syntax(1, 0, "unexpected 'IN'.")),
    };
    let mut rows = Vec::new();
    for (d, database) in &exec.catalog.databases {
        if db.as_ref().is_some_and(|want| want != d) {
            continue;
        }
        for (sn, sc) in &database.schemas {
            if schema.as_ref().is_some_and(|want| want != sn) {
                continue;
            }
            for p in sc.procedures.values() {
                if show
                    .like
                    .as_deref()
                    .is_some_and(|l| !like_pattern(l, &p.name))
                {
                    continue;
                }
                let types: Vec<String> = p.args.iter().map(|(_, t)| t.clone()).collect();
                let ret = p.returns.split('(').next().unwrap_or_default();
                let n = p.args.len().to_string();
                rows.push((
                    (p.name.clone(), d.clone(), sn.clone(), types.clone()),
                    vec![
                        Some(format::timestamp(p.meta.created_on)),
                        Some(p.name.clone()),
                        Some(sn.clone()),
                        Some("N".into()),
                        Some("N".into()),
                        Some("N".into()),
                        Some(n.clone()),
                        Some(n),
                        Some(format!("{} RETURN {ret}", shown(&p.name, &types))),
                        Some(
                            p.meta
                                .comment
                                .clone()
                                .unwrap_or_else(|| "user-defined procedure".into()),
                        ),
                        Some(d.clone()),
                        Some("N".into()),
                        Some("N".into()),
                        Some(format::yn(p.secure)),
                    ],
                ));
            }
        }
    }
    rows.sort();
    Ok(ResultSet {
        columns: SHOW_COLUMNS.iter().map(|c| Column::text(c)).collect(),
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        dml: None,
    })
}

/// CALL: a procedure that does not exist fails; one that does is refused (the sandbox
/// keeps procedures, it does not run them).
pub(crate) fn call(exec: &Exec, name: Name, _args: String) -> Result<Outcome, SqlError> {
    let f = exec.resolve_schema_object(&name, "CALL")?;
    let exists = exec
        .schema(&f.database, &f.schema)
        .ok()
        .is_some_and(|s| s.procedures.values().any(|p| p.name == f.name));
    if exists {
        return Err(exec.unsupported("running a stored procedure (CALL)"));
    }
    Err(errors::unknown_procedure(&f.dotted()))
}
