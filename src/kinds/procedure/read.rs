//! How procedures are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, set_opt, Details, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Kind, Object, ObjectName, Value};
use std::collections::BTreeMap;

/// SHOW PROCEDURES: existence and argument types, per database or schema.
pub(crate) const PROCEDURES: Family = Family {
    name: "procedures",
    show: "SHOW PROCEDURES",
    pages: false,
    recording: "show_procedures",
};

/// DESCRIBE PROCEDURE of one procedure SHOW PROCEDURES found and the configuration or the state names (its code, handler, packages...): sent as SHOW PROCEDURES' rows come.
pub(crate) const PROCEDURE_DETAILS: Family = Family {
    name: "procedure details",
    show: "DESCRIBE PROCEDURE",
    pages: false,
    recording: "desc_procedure",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Procedure,
    families: &[PROCEDURES],
    decode: |fetch| {
        let mut found = procedures(fetch.rows(PROCEDURES));
        for p in &mut found {
            if let Some(rows) = fetch.details(PROCEDURE_DETAILS, &p.name) {
                procedure_details(p, rows);
            }
        }
        found
    },
    // The arguments' names and the code: only DESCRIBE PROCEDURE prints them.
    details: Some(Details {
        family: PROCEDURE_DETAILS,
        names: |rows| procedures(rows).into_iter().map(|p| p.name).collect(),
    }),
};

/// Procedures from SHOW PROCEDURES (documented columns: name, schema_name, catalog_name,
/// arguments as `NAME(NUMBER, VARCHAR) RETURN VARCHAR`, description): each overload its
/// own object, the argument types its signature. The description is the comment, or
/// `user-defined procedure` when there is none (terraform-provider-snowflake's reading).
/// The arguments' names and the code come from DESCRIBE PROCEDURE (`procedure_details`).
pub fn procedures(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let raw_name = rows.raw(r, "name")?;
            let name = ObjectName::in_schema(
                id(rows.raw(r, "catalog_name")?),
                id(rows.raw(r, "schema_name")?),
                id(raw_name),
            );
            let arguments = rows.raw(r, "arguments")?;
            let rest = arguments.strip_prefix(raw_name)?;
            let end = rest.find(')')?;
            let types: Vec<String> = rest[1..end]
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| crate::model::canon::argument_type(t).unwrap_or_else(|_| t.to_string()))
                .collect();
            let mut o = live_object(
                Kind::Procedure,
                name.with_signature(Some(format!("({})", types.join(", ")))),
            );
            let comment = rows
                .raw(r, "description")
                .filter(|d| !d.is_empty() && *d != "user-defined procedure");
            set_opt(&mut o, attr::COMMENT, comment.map(str::to_string));
            Some(o)
        })
        .collect()
}

/// A procedure's DESCRIBE PROCEDURE rows (property, value; documented example and
/// terraform-provider-snowflake's procedureDetailsFromRows) onto the object SHOW found.
pub(crate) fn procedure_details(object: &mut Object, rows: &ShowRows) {
    let mut props: BTreeMap<String, String> = BTreeMap::new();
    for r in rows.iter() {
        if let (Some(k), Some(v)) = (rows.raw(r, "property"), rows.raw(r, "value")) {
            props.insert(k.to_string(), v.to_string());
        }
    }
    let text = |k: &str| props.get(k).filter(|v| !v.is_empty()).cloned();
    // `[a,b]` or `['a','b']`: the list DESCRIBE prints for packages and imports.
    let list = |k: &str| -> Option<Value> {
        let v = text(k)?;
        let inner = v.trim().strip_prefix('[')?.strip_suffix(']')?;
        let items: Vec<Value> = inner
            .split(',')
            .map(|i| i.trim().trim_matches('\'').to_string())
            .filter(|i| !i.is_empty())
            .map(Value::Str)
            .collect();
        (!items.is_empty()).then_some(Value::List(items))
    };
    if let Some(sig) = text("signature") {
        let inner = sig.trim().trim_start_matches('(').trim_end_matches(')');
        let args: Vec<Value> = inner
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .filter_map(|a| {
                let (n, t) = a.split_once(' ')?;
                let t = crate::model::canon::argument_type(t).unwrap_or_else(|_| t.to_string());
                Some(Value::Map(
                    [
                        ("name".to_string(), Value::str(n)),
                        ("type".to_string(), Value::Str(t)),
                    ]
                    .into_iter()
                    .collect(),
                ))
            })
            .collect();
        if !args.is_empty() {
            object.set(attr::ARGUMENTS, Value::List(args));
        }
    }
    if let Some(ret) = text("returns") {
        let ret = ret.trim_end_matches(" NOT NULL");
        object.set(
            attr::RETURNS,
            crate::model::canon::column_type(ret).unwrap_or_else(|_| ret.to_string()),
        );
    }
    set_opt(object, "language", text("language"));
    set_opt(object, "execute_as", text("execute as"));
    set_opt(object, "runtime_version", text("runtime_version"));
    set_opt(object, "handler", text("handler"));
    if let Some(p) = list("packages") {
        object.set(attr::PACKAGES, p);
    }
    if let Some(i) = list("imports") {
        object.set(attr::IMPORTS, i);
    }
    // The body exactly as stored: it is compared as written.
    if let Some(b) = props.get(attr::BODY) {
        object.set(attr::BODY, b.clone());
    }
}
