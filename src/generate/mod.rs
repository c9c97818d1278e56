//! Generate: HCL for objects read from the account, so that a team can adopt what already
//! exists. Writes only what differs from Snowflake's defaults, references blocks it also
//! writes, and lists the `snowform import` commands that record them. Pure.

use crate::kinds::model::VERSIONS;
use crate::model::attr;
use crate::model::{
    default_value, entity_of_tag, schema, AttrType, Kind, Object, ObjectName, Role, Scope, Update,
    Value,
};
use std::collections::{BTreeMap, BTreeSet};

pub struct Generated {
    pub hcl: String,
    /// `snowform import ADDRESS NAME` for each block, in order.
    pub imports: Vec<(String, String)>,
}

/// A block label from a Snowflake name: lower case, `_` for anything else.
fn label(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert(0, '_');
    }
    s
}

/// An HCL string literal: escapes, and interpolation markers doubled.
pub fn hcl_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out.replace("${", "$${").replace("%{", "%%{")
}

/// A multi-line text as a heredoc, when it can be one.
fn text(value: &str) -> String {
    let value = value.trim_end();
    if value.contains('\n')
        && !value.lines().any(|l| l.trim() == "SQL")
        && !value.contains("${")
        && !value.contains("%{")
    {
        let body: String = value.lines().map(|l| format!("    {l}\n")).collect();
        format!("<<-SQL\n{body}  SQL")
    } else {
        hcl_string(value)
    }
}

/// A name as the configuration writes it: bare when unquoted would mean the same.
fn ident(name: &str) -> String {
    hcl_string(&crate::sql::quote_ident(name))
}

/// A JSON value as an HCL expression (objects over several lines, indented by `indent`).
pub(crate) fn json_to_hcl(value: &serde_json::Value, indent: usize) -> String {
    match value {
        serde_json::Value::Object(m) => {
            let pad = "  ".repeat(indent + 1);
            let items: Vec<String> = m
                .iter()
                .map(|(k, value)| {
                    format!(
                        "{pad}{} = {}",
                        hcl_string(k),
                        json_to_hcl(value, indent + 1)
                    )
                })
                .collect();
            format!("{{\n{}\n{}}}", items.join("\n"), "  ".repeat(indent))
        }
        serde_json::Value::Array(a) => format!(
            "[{}]",
            a.iter()
                .map(|x| json_to_hcl(x, indent))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        serde_json::Value::String(s) => hcl_string(s),
        other => other.to_string(),
    }
}

struct Writer {
    out: String,
    addresses: BTreeMap<(Kind, ObjectName), String>,
    taken: BTreeSet<String>,
}

impl Writer {
    fn address(&mut self, object: &Object) -> String {
        let base = match object.kind() {
            Kind::Entity => label(
                entity_of_tag(&object.name.name)
                    .map(|e| e.as_str().to_string())
                    .as_deref()
                    .unwrap_or(object.name.name.as_str()),
            ),
            _ => label(object.name.name.as_str()),
        };
        let mut candidate = format!("{}.{base}", object.kind());
        let mut n = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{}.{base}_{n}", object.kind());
            n += 1;
        }
        self.taken.insert(candidate.clone());
        self.addresses
            .insert((object.kind(), object.name.clone()), candidate.clone());
        candidate
    }

    fn reference(&self, kind: Kind, name: &ObjectName) -> Option<String> {
        self.addresses.get(&(kind, name.clone())).cloned()
    }

    fn line(&mut self, key: &str, value: String) {
        self.out.push_str(&format!("  {key} = {value}\n"));
    }
}

/// HCL for `objects` (as read from the account), containers first.
pub fn generate(objects: &[Object]) -> Generated {
    let mut sorted: Vec<&Object> = objects.iter().collect();
    sorted.sort_by_key(|o| (schema(o.kind()).generate_rank, o.name.clone()));
    let mut w = Writer {
        out: String::new(),
        addresses: BTreeMap::new(),
        taken: BTreeSet::new(),
    };
    for o in &sorted {
        w.address(o);
    }
    let mut imports = Vec::new();
    for o in sorted {
        let addr = w.reference(o.kind(), &o.name).expect("assigned");
        let (kind, lbl) = addr.split_once('.').expect("kind.label");
        w.out.push_str(&format!("{kind} {} {{\n", hcl_string(lbl)));
        block(&mut w, o);
        w.out.push_str("}\n\n");
        imports.push((addr, o.name.to_sql()));
    }
    let mut hcl = String::from("# Written by `snowform generate` from the live account.\n# Record these objects in the state with:\n");
    for (a, n) in &imports {
        hcl.push_str(&format!("#   {}\n", crate::model::import_command(a, n)));
    }
    hcl.push('\n');
    hcl.push_str(&w.out);
    let hcl = hcl.trim_end().to_string() + "\n";
    // In the layout `snowform fmt` keeps, so that the first fmt run changes nothing.
    let hcl = crate::config::format_source(&hcl).unwrap_or(hcl);
    Generated { hcl, imports }
}

/// A grant's block: its privileges, target and grantee, with references to the blocks
/// written beside it.
fn grant_block(writer: &mut Writer, object: &Object) {
    use crate::kinds::grant::split_target;
    use crate::model::ident::split_parts;
    let privileges: Vec<String> = object
        .get(attr::PRIVILEGES)
        .map(|v| v.str_list())
        .unwrap_or_default()
        .into_iter()
        .map(hcl_string)
        .collect();
    writer.line("privileges", format!("[{}]", privileges.join(", ")));
    let object_name = |name: &str| -> Option<ObjectName> {
        let mut parts = split_parts(name).ok()?;
        let last = parts.pop()?;
        Some(match parts.len() {
            0 => ObjectName::account(last),
            1 => ObjectName::in_database(parts.pop()?, last),
            _ => {
                let s = parts.pop()?;
                ObjectName::in_schema(parts.pop()?, s, last)
            }
        })
    };
    let kind_of = |keyword: &str| match keyword {
        "WAREHOUSE" => Some(Kind::Warehouse),
        "DATABASE" => Some(Kind::Database),
        "SCHEMA" => Some(Kind::Schema),
        "STAGE" => Some(Kind::Stage),
        "TASK" => Some(Kind::Task),
        "MODEL" => Some(Kind::Model),
        _ => None,
    };
    let reference = |writer: &Writer, keyword: &str, name: &str| {
        kind_of(keyword)
            .zip(object_name(name))
            .and_then(|(k, n)| writer.reference(k, &n))
    };
    if let Some((sec, name)) = object.get_str(attr::ON).and_then(split_target) {
        let v = reference(writer, sec.keyword, name).unwrap_or_else(|| {
            format!(
                "{{ kind = {}, name = {} }}",
                hcl_string(sec.keyword),
                hcl_string(name)
            )
        });
        writer.line("on", v);
    }
    for attr in [attr::ON_ALL, attr::ON_FUTURE] {
        if let Some(p) = object.get_str(attr) {
            writer.line(attr, hcl_string(p));
        }
    }
    if let Some((keyword, name)) = object.get_str(attr::IN).and_then(|i| i.split_once(' ')) {
        let v = reference(writer, keyword, name).unwrap_or_else(|| hcl_string(name));
        writer.line("in", v);
    }
    let v = role_value(writer, object.get_str(attr::TO).unwrap_or_default());
    writer.line("to", v);
}

/// A role or database role as `role` / `to` write it: a reference to a role block written
/// beside it, a role name, or the object form of a database role.
fn role_value(writer: &Writer, text: &str) -> String {
    match text.strip_prefix("DATABASE ROLE ") {
        Some(r) => format!("{{ kind = \"DATABASE ROLE\", name = {} }}", hcl_string(r)),
        None => {
            let r = text.strip_prefix("ROLE ").unwrap_or(text);
            crate::model::ident::split_parts(r)
                .ok()
                .filter(|p| p.len() == 1)
                .and_then(|mut p| writer.reference(Kind::Role, &ObjectName::account(p.remove(0))))
                .unwrap_or_else(|| hcl_string(r))
        }
    }
}

/// A role grant's block: the role, and `to` or `user`.
fn role_grant_block(writer: &mut Writer, object: &Object) {
    let v = role_value(writer, object.get_str(attr::ROLE).unwrap_or_default());
    writer.line("role", v);
    let to = object.get_str(attr::TO).unwrap_or_default();
    match to.strip_prefix("USER ") {
        Some(u) => writer.line("user", hcl_string(u)),
        None => {
            let v = role_value(writer, to);
            writer.line("to", v);
        }
    }
}

/// An `import` block per generated block, for `generate --import-blocks`: the next plan
/// adopts every object (the addresses are plain `kind.label`, written as references).
pub(crate) fn import_blocks(imports: &[(String, String)]) -> String {
    let mut out = String::new();
    for (address, name) in imports {
        out.push_str(&format!(
            "\nimport {{\n  to = {address}\n  id = {}\n}}\n",
            hcl_string(name)
        ));
    }
    out
}

fn block(writer: &mut Writer, object: &Object) {
    if object.kind() == Kind::Grant {
        return grant_block(writer, object);
    }
    if object.kind() == Kind::RoleGrant {
        return role_grant_block(writer, object);
    }
    let name = &object.name;
    // Container: a reference when the container is written too.
    match object.kind().scope() {
        Scope::Database => {
            let db = ObjectName::account(name.database.clone().expect("schema in a database"));
            let v = writer
                .reference(Kind::Database, &db)
                .unwrap_or_else(|| ident(db.name.as_str()));
            writer.line("database", v);
        }
        Scope::Account => {}
        Scope::Schema => {
            let s = name.schema_name().expect("schema object");
            let v = writer
                .reference(Kind::Schema, &s)
                .unwrap_or_else(|| hcl_string(&s.to_sql()));
            writer.line("schema", v);
        }
    }
    match object.kind() {
        Kind::Entity => {
            let e = entity_of_tag(&name.name).expect("entity tag");
            writer.line("name", ident(e.as_str()));
        }
        Kind::FeatureView => {
            let base = name
                .name
                .as_str()
                .split_once('$')
                .map(|(n, _)| n)
                .unwrap_or(name.name.as_str());
            writer.line("name", ident(base));
        }
        _ => writer.line("name", ident(name.name.as_str())),
    }
    let sch = schema(object.kind());
    for attr in sch.properties() {
        // Computed values are inherited or Snowflake's choice, and stay unwritten; a
        // model's default version is the owner's choice even though one always exists.
        let chosen = object.kind() == Kind::Model && attr.name == attr::DEFAULT_VERSION;
        if attr.role == Role::Derived
            || attr.computed && !chosen
            || attr.update == Update::CreateOnly && attr.name != attr::INITIALIZE
        {
            continue;
        }
        let Some(v) = object.get(attr.name) else {
            continue;
        };
        if attr.role != Role::NamePart && default_value(object, attr).as_ref() == Some(v) {
            continue;
        }
        let rendered = match (&attr.ty, v) {
            (AttrType::RefList(Kind::Entity), Value::List(items)) => {
                let refs: Vec<String> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|e| {
                        let tag = name.with_name(crate::model::entity_tag_name(
                            &crate::model::Ident::from_canonical(e),
                        ));
                        writer
                            .reference(Kind::Entity, &tag)
                            .unwrap_or_else(|| ident(e))
                    })
                    .collect();
                format!("[{}]", refs.join(", "))
            }
            (AttrType::RefList(Kind::Task), Value::List(items)) => {
                let refs: Vec<String> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|t| match ObjectName::parse_qualified(t) {
                        Ok(n) => writer
                            .reference(Kind::Task, &n)
                            .unwrap_or_else(|| hcl_string(t)),
                        Err(_) => hcl_string(t),
                    })
                    .collect();
                format!("[{}]", refs.join(", "))
            }
            (AttrType::IdentList, Value::List(items)) => format!(
                "[{}]",
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(ident)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            // A cron feature view whose refresh task runs elsewhere reads as "WH (its refresh
            // task: OTHER)": the configuration names the table's warehouse.
            (AttrType::Ident | AttrType::Ref(_), Value::Str(s)) => {
                ident(s.split(" (its refresh task").next().unwrap_or(s))
            }
            (AttrType::Sql, Value::Str(s)) => text(s),
            (AttrType::StringList, Value::List(items)) => format!(
                "[{}]",
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(hcl_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (AttrType::Arguments, Value::List(items)) => format!(
                "[{}]",
                items
                    .iter()
                    .filter_map(Value::as_map)
                    .map(|m| {
                        let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default();
                        format!(
                            "{{ name = {}, type = {} }}",
                            hcl_string(s("name")),
                            hcl_string(s("type"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (AttrType::Json, Value::Str(s)) => serde_json::from_str(s)
                .map(|j| json_to_hcl(&j, 1))
                .unwrap_or_else(|_| hcl_string(s)),
            (_, Value::Str(s)) => hcl_string(s),
            (_, Value::Bool(b)) => b.to_string(),
            (_, Value::Int(i)) => i.to_string(),
            (_, other) => hcl_string(&other.to_string()),
        };
        writer.line(attr.name, rendered);
    }
    if object.kind() == Kind::Model {
        versions(writer, object);
    }
    if object.kind() == Kind::Table {
        columns(writer, object);
    }
}

/// A table's column blocks, in the order the account lists them.
fn columns(writer: &mut Writer, object: &Object) {
    let Some(Value::List(cols)) = object.get(crate::kinds::table::COLUMNS) else {
        return;
    };
    for c in cols {
        let Some(fields) = c.as_map() else { continue };
        let name = fields
            .get(attr::NAME)
            .and_then(Value::as_str)
            .unwrap_or_default();
        writer
            .out
            .push_str(&format!("\n  column {} {{\n", ident(name)));
        if let Some(t) = fields.get(attr::TYPE).and_then(Value::as_str) {
            writer
                .out
                .push_str(&format!("    type = {}\n", hcl_string(t)));
        }
        if fields.get(attr::NULLABLE) == Some(&Value::Bool(false)) {
            writer.out.push_str("    nullable = false\n");
        }
        for key in [attr::DEFAULT, attr::COMMENT] {
            if let Some(v) = fields.get(key).and_then(Value::as_str) {
                writer
                    .out
                    .push_str(&format!("    {key} = {}\n", hcl_string(v)));
            }
        }
        writer.out.push_str("  }\n");
    }
}

fn versions(writer: &mut Writer, object: &Object) {
    if object.kind() != Kind::Model {
        return;
    }
    let Some(Value::Map(vs)) = object.get(VERSIONS) else {
        return;
    };
    let mut names: Vec<&String> = vs.keys().collect();
    names.sort_by(|a, b| crate::ddl::natural_cmp(a, b));
    for v in names {
        let fields = vs[v].as_map().cloned().unwrap_or_default();
        writer
            .out
            .push_str(&format!("\n  version {} {{\n", hcl_string(v)));
        let source = fields
            .get(attr::SOURCE)
            .and_then(Value::as_str)
            .filter(|s| s.starts_with('@'))
            .map(str::to_string)
            .unwrap_or_else(|| {
                format!(
                    "@{}.UNKNOWN_STAGE/{}/{}",
                    object
                        .name
                        .schema_name()
                        .map(|s| s.to_sql())
                        .unwrap_or_default(),
                    object.name.name,
                    v
                )
            });
        if !fields
            .get(attr::SOURCE)
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with('@'))
        {
            writer.out.push_str(concat!(
                "    # Snowflake does not keep where a version's files came from: write the real\n",
                "    # location here before `snowform import`, which records the source as written.\n",
                "    # Changed after the import, it would drop the version and add it again.\n",
            ));
        }
        writer
            .out
            .push_str(&format!("    source = {}\n", hcl_string(&source)));
        if let Some(c) = fields.get(attr::COMMENT).and_then(Value::as_str) {
            writer
                .out
                .push_str(&format!("    comment = {}\n", hcl_string(c)));
        }
        if let Some(a) = fields.get(attr::ALIAS).and_then(Value::as_str) {
            writer.out.push_str(&format!("    alias = {}\n", ident(a)));
        }
        if let Some(m) = fields
            .get(attr::METADATA)
            .and_then(Value::as_str)
            .and_then(|m| serde_json::from_str::<serde_json::Value>(m).ok())
        {
            writer
                .out
                .push_str(&format!("    metadata = {}\n", json_to_hcl(&m, 2)));
        }
        writer.out.push_str("  }\n");
    }
}
