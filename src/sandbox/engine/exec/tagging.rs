//! Tag values on objects: `TAG (...)` at creation, `ALTER ... SET TAG / UNSET TAG`,
//! `SYSTEM$GET_TAG`, and keeping references right when tags or their containers are
//! dropped or renamed.

use super::super::catalog::{tag_key, Catalog, Meta};
use super::super::errors;
use super::super::parse::ast::{Name, ObjectKind, TagAssign};
use super::{ok, Exec, Fqn, Outcome};
use crate::sandbox::SqlError;

/// Snowflake stores tag values of at most 256 characters (CREATE TAG / ALTER ... SET TAG
/// reference); the sandbox keeps its own copy of the limit rather than the product's.
const TAG_VALUE_MAX_CHARS: usize = 256;

/// Where an object lives, by kind.
pub(crate) enum Target {
    Account(String),
    Schema(String, String),
    Object(Fqn),
}

impl Target {
    pub(crate) fn resolve(
        exec: &Exec,
        kind: ObjectKind,
        name: &Name,
        command: &str,
    ) -> Result<Target, SqlError> {
        Ok(match kind {
            ObjectKind::Warehouse | ObjectKind::Database => {
                Target::Account(exec.account_name(name)?)
            }
            ObjectKind::Schema => {
                let (d, s) = exec.resolve_schema(name, command)?;
                Target::Schema(d, s)
            }
            _ => Target::Object(exec.resolve_schema_object(name, command)?),
        })
    }

    pub fn display(&self) -> String {
        match self {
            Target::Account(n) => n.clone(),
            Target::Schema(d, s) => format!("{d}.{s}"),
            Target::Object(f) => f.dotted(),
        }
    }
}

/// The metadata of an object of `kind` at `target`, if it exists.
pub(crate) fn meta_mut<'c>(
    catalog: &'c mut Catalog,
    kind: ObjectKind,
    target: &Target,
) -> Option<&'c mut Meta> {
    match (kind, target) {
        (ObjectKind::Warehouse, Target::Account(n)) => {
            catalog.warehouses.get_mut(n).map(|o| &mut o.meta)
        }
        (ObjectKind::Database, Target::Account(n)) => {
            catalog.databases.get_mut(n).map(|o| &mut o.meta)
        }
        (ObjectKind::Schema, Target::Schema(d, s)) => catalog
            .databases
            .get_mut(d)?
            .schemas
            .get_mut(s)
            .map(|o| &mut o.meta),
        (k, Target::Object(f)) => {
            let s = catalog
                .databases
                .get_mut(&f.database)?
                .schemas
                .get_mut(&f.schema)?;
            match k {
                ObjectKind::Stage => s.stages.get_mut(&f.name).map(|o| &mut o.meta),
                ObjectKind::Tag => s.tags.get_mut(&f.name).map(|o| &mut o.meta),
                ObjectKind::Table => s.tables.get_mut(&f.name).map(|o| &mut o.meta),
                ObjectKind::View => s.views.get_mut(&f.name).map(|o| &mut o.meta),
                ObjectKind::DynamicTable => s.dynamic_tables.get_mut(&f.name).map(|o| &mut o.meta),
                ObjectKind::Task => s.tasks.get_mut(&f.name).map(|o| &mut o.meta),
                ObjectKind::Model => s.models.get_mut(&f.name).map(|o| &mut o.meta),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A tag value longer than Snowflake stores (`TAG_VALUE_MAX_CHARS`), in an assignment or in a
/// tag's ALLOWED_VALUES, fails before anything changes.
pub(crate) fn check_value_length(value: &str, tag: &str) -> Result<(), SqlError> {
    let n = value.chars().count();
    if n > TAG_VALUE_MAX_CHARS {
        return Err(errors::tag_value_too_long(n, tag));
    }
    Ok(())
}

/// Resolve `tag = 'value'` pairs: each tag must exist and allow the value.
pub(crate) fn resolve_assigns(
    exec: &Exec,
    assigns: &[TagAssign],
) -> Result<Vec<(String, String)>, SqlError> {
    let mut out = Vec::new();
    for a in assigns {
        let f = exec.resolve_schema_object(&a.tag, "SET TAG")?;
        let tag = exec
            .catalog
            .databases
            .get(&f.database)
            .and_then(|d| d.schemas.get(&f.schema))
            .and_then(|s| s.tags.get(&f.name))
            .ok_or_else(|| errors::does_not_exist("Tag", &f.dotted()))?;
        check_value_length(&a.value, &f.dotted())?;
        if let Some(allowed) = &tag.allowed_values {
            if !allowed.contains(&a.value) {
                return Err(errors::tag_value_not_allowed(&a.value, &f.dotted()));
            }
        }
        out.push((tag_key(&f.database, &f.schema, &f.name), a.value.clone()));
    }
    Ok(out)
}

pub(crate) fn set_tags(
    exec: &mut Exec,
    kind: ObjectKind,
    if_exists: bool,
    name: &Name,
    assigns: &[TagAssign],
) -> Result<Outcome, SqlError> {
    let command = format!("ALTER {}", kind.keyword());
    let target = Target::resolve(exec, kind, name, &command)?;
    let values = resolve_assigns(exec, assigns)?;
    let Some(meta) = meta_mut(exec.catalog, kind, &target) else {
        return missing(kind, if_exists, &target);
    };
    meta.tags.extend(values);
    Ok(Outcome::changed(ok()))
}

pub(crate) fn unset_tags(
    exec: &mut Exec,
    kind: ObjectKind,
    if_exists: bool,
    name: &Name,
    tags: &[Name],
) -> Result<Outcome, SqlError> {
    let command = format!("ALTER {}", kind.keyword());
    let target = Target::resolve(exec, kind, name, &command)?;
    let mut keys = Vec::new();
    for t in tags {
        let f = exec.resolve_schema_object(t, "UNSET TAG")?;
        keys.push(tag_key(&f.database, &f.schema, &f.name));
    }
    let Some(meta) = meta_mut(exec.catalog, kind, &target) else {
        return missing(kind, if_exists, &target);
    };
    for k in keys {
        meta.tags.remove(&k);
    }
    Ok(Outcome::changed(ok()))
}

fn missing(kind: ObjectKind, if_exists: bool, target: &Target) -> Result<Outcome, SqlError> {
    if if_exists {
        Ok(Outcome::unchanged(ok()))
    } else {
        Err(errors::does_not_exist(kind.noun(), &target.display()))
    }
}

/// The kinds a SYSTEM$GET_TAG domain covers.
fn domain_kinds(domain: &str) -> Option<&'static [ObjectKind]> {
    Some(match domain.to_ascii_uppercase().as_str() {
        "TABLE" => &[
            ObjectKind::Table,
            ObjectKind::View,
            ObjectKind::DynamicTable,
        ],
        "TASK" => &[ObjectKind::Task],
        "MODULE" | "MODEL" => &[ObjectKind::Model],
        "STAGE" => &[ObjectKind::Stage],
        "WAREHOUSE" => &[ObjectKind::Warehouse],
        "DATABASE" => &[ObjectKind::Database],
        "SCHEMA" => &[ObjectKind::Schema],
        _ => return None,
    })
}

/// `SYSTEM$GET_TAG('<tag>', '<object>', '<domain>')`: the value, or NULL when unset.
pub(crate) fn get_tag(
    exec: &mut Exec,
    tag: &str,
    object: &str,
    domain: &str,
) -> Result<Option<String>, SqlError> {
    let parse = |s: &str| -> Result<Name, SqlError> {
        super::super::parse::split_name(s).ok_or_else(|| errors::invalid_value("SYSTEM$GET_TAG", s))
    };
    let tag_name = parse(tag)?;
    let f = exec.resolve_schema_object(&tag_name, "SYSTEM$GET_TAG")?;
    let exists = exec
        .catalog
        .databases
        .get(&f.database)
        .and_then(|d| d.schemas.get(&f.schema))
        .is_some_and(|s| s.tags.contains_key(&f.name));
    if !exists {
        return Err(errors::does_not_exist("Tag", &f.dotted()));
    }
    let key = tag_key(&f.database, &f.schema, &f.name);
    let kinds = domain_kinds(domain).ok_or_else(|| errors::invalid_value("domain", domain))?;
    let object_name = parse(object)?;
    for kind in kinds {
        let target = Target::resolve(exec, *kind, &object_name, "SYSTEM$GET_TAG")?;
        if let Some(meta) = meta_mut(exec.catalog, *kind, &target) {
            return Ok(meta.tags.get(&key).cloned());
        }
    }
    let target = Target::resolve(exec, kinds[0], &object_name, "SYSTEM$GET_TAG")?;
    Err(errors::does_not_exist(kinds[0].noun(), &target.display()))
}

/// The Feature Store reads of `ENTITY_DETAIL(domain, name, sections)`, an undocumented system
/// function. The sandbox answers only the two call shapes snowflake-ml-python 2.6.0 sends
/// (snowflake/ml/feature_store/feature_store.py: `_lookup_tagged_objects` and `_lookup_tags`),
/// with the JSON keys that code reads, one text cell; every other shape is refused.
pub(crate) fn entity_detail(
    exec: &mut Exec,
    domain: &str,
    name: &str,
    sections: &str,
) -> Result<String, SqlError> {
    let section = match serde_json::from_str::<Vec<String>>(sections) {
        Ok(v) if v.len() == 1 => v[0].clone(),
        _ => {
            return Err(refuse_detail(
                exec,
                &format!("with the sections {sections}"),
            ))
        }
    };
    let object = super::super::parse::split_name(name)
        .ok_or_else(|| errors::invalid_value("ENTITY_DETAIL", name))?;
    let domain = domain.to_ascii_uppercase();
    let detail = match (domain.as_str(), section.as_str()) {
        ("TAG", "TAG_REFERENCES_INTERNAL") => serde_json::json!({
            "referencedEntities": { "tagReferenceList": tagged_objects(exec, &object)? }
        }),
        ("TABLE", "TAG_REFERENCES") => serde_json::json!({
            "tagReferencesInfo": { "tagReferenceList": object_tags(exec, &object)? }
        }),
        _ => {
            return Err(refuse_detail(
                exec,
                &format!("for domain {domain} with the sections {sections}"),
            ))
        }
    };
    Ok(detail.to_string())
}

fn refuse_detail(exec: &Exec, what: &str) -> SqlError {
    exec.unsupported(&format!("ENTITY_DETAIL {what}"))
}

/// `ENTITY_DETAIL('TAG', '<tag>', '["TAG_REFERENCES_INTERNAL"]')`: the objects that set the tag,
/// each as the library reads it (`entityName`, the object's name; `domain`; `tagValue`), in
/// name order. What the library's code does not show is refused: a tag set on a schema or
/// database (inherited references), on objects outside the tag's schema (the entry names no
/// schema), or on kinds other than tables, views, dynamic tables and tasks (whose domain the
/// library does not name).
fn tagged_objects(exec: &Exec, tag: &Name) -> Result<Vec<serde_json::Value>, SqlError> {
    let f = exec.resolve_schema_object(tag, "ENTITY_DETAIL")?;
    let exists = exec
        .catalog
        .databases
        .get(&f.database)
        .and_then(|d| d.schemas.get(&f.schema))
        .is_some_and(|s| s.tags.contains_key(&f.name));
    if !exists {
        return Err(refuse_detail(exec, "of a tag that does not exist"));
    }
    let key = tag_key(&f.database, &f.schema, &f.name);
    if exec
        .catalog
        .warehouses
        .values()
        .any(|w| w.meta.tags.contains_key(&key))
    {
        return Err(refuse_detail(exec, "of a tag set on a warehouse"));
    }
    let mut out = Vec::new();
    for (dname, d) in &exec.catalog.databases {
        if d.meta.tags.contains_key(&key) {
            return Err(refuse_detail(exec, "of a tag set on a database"));
        }
        for (sname, s) in &d.schemas {
            if s.meta.tags.contains_key(&key) {
                return Err(refuse_detail(exec, "of a tag set on a schema"));
            }
            let table = |(n, m): (&String, &Meta)| (n.clone(), m.clone(), Some("TABLE"));
            let objects = s
                .tables
                .iter()
                .map(|(n, o)| table((n, &o.meta)))
                .chain(s.views.iter().map(|(n, o)| table((n, &o.meta))))
                .chain(s.dynamic_tables.iter().map(|(n, o)| table((n, &o.meta))))
                .chain(
                    s.tasks
                        .iter()
                        .map(|(n, o)| (n.clone(), o.meta.clone(), Some("TASK"))),
                )
                .chain(
                    s.stages
                        .iter()
                        .map(|(n, o)| (n.clone(), o.meta.clone(), None)),
                )
                .chain(
                    s.models
                        .iter()
                        .map(|(n, o)| (n.clone(), o.meta.clone(), None)),
                )
                .chain(
                    s.tags
                        .iter()
                        .map(|(n, o)| (n.clone(), o.meta.clone(), None)),
                );
            for (name, meta, domain) in objects {
                let Some(value) = meta.tags.get(&key) else {
                    continue;
                };
                let Some(domain) = domain else {
                    return Err(refuse_detail(exec, "of a tag set on a stage, model or tag"));
                };
                if *dname != f.database || *sname != f.schema {
                    return Err(refuse_detail(exec, "of a tag set outside its schema"));
                }
                out.push((name, domain, value.clone()));
            }
        }
    }
    out.sort();
    Ok(out
        .into_iter()
        .map(|(name, domain, value)| {
            serde_json::json!({ "entityName": name, "domain": domain, "tagValue": value })
        })
        .collect())
}

/// `ENTITY_DETAIL('TABLE', '<table, view or dynamic table>', '["TAG_REFERENCES"]')`: the tags
/// the object sets, each as the library reads it (`tagName`, the tag's own name; `tagValue`),
/// in the order of the tags' names. Whether tags inherited from the schema or database are
/// listed the library's code does not show, so an object that inherits one is refused.
fn object_tags(exec: &mut Exec, object: &Name) -> Result<Vec<serde_json::Value>, SqlError> {
    let kinds = [
        ObjectKind::Table,
        ObjectKind::View,
        ObjectKind::DynamicTable,
    ];
    let mut found = None;
    for kind in kinds {
        let target = Target::resolve(exec, kind, object, "ENTITY_DETAIL")?;
        if let Some(meta) = meta_mut(exec.catalog, kind, &target) {
            let own = meta.tags.clone();
            if let Target::Object(f) = target {
                found = Some((f, own));
            }
            break;
        }
    }
    let Some((f, own)) = found else {
        return Err(refuse_detail(exec, "of an object that does not exist"));
    };
    let db = exec.database(&f.database)?;
    let inherits = !db.meta.tags.is_empty()
        || db
            .schemas
            .get(&f.schema)
            .is_some_and(|s| !s.meta.tags.is_empty());
    if inherits {
        return Err(refuse_detail(exec, "of an object that inherits tags"));
    }
    Ok(own
        .iter()
        .filter_map(|(key, value)| {
            let parts = super::super::parse::split_name(key)?;
            let tag = parts.last()?.clone();
            Some(serde_json::json!({ "tagName": tag, "tagValue": value }))
        })
        .collect())
}

/// Visit the metadata of every object in the account.
/// `TAG_REFERENCES('<object>', '<domain>')` for an object inside a schema: a row per tag it
/// sets itself (MANUAL), then per tag it inherits from its schema and then its database
/// without setting it itself (INHERITED, LEVEL names where it is set). Rows follow the
/// documented column order; within a level, tags are in name order.
pub(crate) fn tag_references(
    exec: &mut Exec,
    object: &str,
    domain: &str,
) -> Result<Vec<Vec<Option<String>>>, SqlError> {
    let domain = domain.to_ascii_uppercase();
    // Account-level objects and columns have output cells the docs leave unclear (which
    // OBJECT_* cells are empty); the sandbox does not guess them.
    if matches!(
        domain.as_str(),
        "DATABASE" | "SCHEMA" | "WAREHOUSE" | "COLUMN"
    ) {
        return Err(exec.unsupported(&format!("TAG_REFERENCES for domain {domain}")));
    }
    let kinds = domain_kinds(&domain).ok_or_else(|| errors::invalid_value("domain", &domain))?;
    let object_name = super::super::parse::split_name(object)
        .ok_or_else(|| errors::invalid_value("TAG_REFERENCES", object))?;
    let mut found = None;
    for kind in kinds {
        let target = Target::resolve(exec, *kind, &object_name, "TAG_REFERENCES")?;
        if let Some(meta) = meta_mut(exec.catalog, *kind, &target) {
            let own = meta.tags.clone();
            if let Target::Object(f) = target {
                found = Some((f, own));
            }
            break;
        }
    }
    let Some((f, own)) = found else {
        let target = Target::resolve(exec, kinds[0], &object_name, "TAG_REFERENCES")?;
        return Err(errors::does_not_exist(kinds[0].noun(), &target.display()));
    };
    let db = exec.database(&f.database)?;
    let db_tags = db.meta.tags.clone();
    let schema_tags = db
        .schemas
        .get(&f.schema)
        .map(|s| s.meta.tags.clone())
        .unwrap_or_default();
    let mut seen = std::collections::BTreeSet::new();
    let mut rows = Vec::new();
    for (tags, level, method) in [
        (&own, domain.as_str(), "MANUAL"),
        (&schema_tags, "SCHEMA", "INHERITED"),
        (&db_tags, "DATABASE", "INHERITED"),
    ] {
        for (key, value) in tags {
            if !seen.insert(key.clone()) {
                continue;
            }
            let parts = super::super::parse::split_name(key).unwrap_or_default();
            let [tag_db, tag_schema, tag_name] = parts.as_slice() else {
                continue;
            };
            rows.push(vec![
                Some(tag_db.clone()),
                Some(tag_schema.clone()),
                Some(tag_name.clone()),
                Some(value.clone()),
                Some(method.to_string()),
                Some(level.to_string()),
                Some(f.database.clone()),
                Some(f.schema.clone()),
                Some(f.name.clone()),
                Some(domain.clone()),
                None,
            ]);
        }
    }
    Ok(rows)
}

pub(crate) fn for_each_meta(catalog: &mut Catalog, mut visit: impl FnMut(&mut Meta)) {
    for w in catalog.warehouses.values_mut() {
        visit(&mut w.meta);
    }
    for d in catalog.databases.values_mut() {
        visit(&mut d.meta);
        for s in d.schemas.values_mut() {
            visit(&mut s.meta);
            for m in s.metas_mut() {
                visit(m);
            }
        }
    }
}

fn prefix(parts: &[&str]) -> String {
    format!("{}.", super::super::format::quoted_fqn(parts))
}

/// Drop every reference to the tag `f`: a new tag of the same name starts with none.
pub(crate) fn forget_tag(catalog: &mut Catalog, fqn: &Fqn) {
    let key = tag_key(&fqn.database, &fqn.schema, &fqn.name);
    for_each_meta(catalog, |m| {
        m.tags.remove(&key);
    });
}

/// Drop references to every tag inside a dropped database (`[db]`) or schema (`[db, s]`).
pub(crate) fn forget_tags_under(catalog: &mut Catalog, container: &[&str]) {
    let p = prefix(container);
    for_each_meta(catalog, |m| m.tags.retain(|k, _| !k.starts_with(&p)));
}

/// Re-point references after a tag's container (or the tag itself) was renamed.
pub(crate) fn rekey_tags(catalog: &mut Catalog, old: &[&str], new: &[&str]) {
    let (old_p, new_p) = if old.len() == 3 {
        (
            super::super::format::quoted_fqn(old),
            super::super::format::quoted_fqn(new),
        )
    } else {
        (prefix(old), prefix(new))
    };
    for_each_meta(catalog, |m| {
        let moved: Vec<(String, String)> = m
            .tags
            .iter()
            .filter(|(k, _)| k.starts_with(&old_p))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in moved {
            m.tags.remove(&k);
            if old.len() == 3 && k != old_p {
                m.tags.insert(k, v);
                continue;
            }
            m.tags.insert(format!("{new_p}{}", &k[old_p.len()..]), v);
        }
    });
}
