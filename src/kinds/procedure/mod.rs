//! A stored procedure (CREATE PROCEDURE, DESCRIBE PROCEDURE, SHOW PROCEDURES reference pages):
//! its arguments and return type, language, handler code (an inline body, or imports from a
//! stage with a handler), runtime version, packages, EXECUTE AS and a comment. Overloads are
//! distinct objects: the argument types are part of the name (`ObjectName::signature`).
//! ALTER PROCEDURE changes little of this, so every change is CREATE OR REPLACE PROCEDURE
//! ... COPY GRANTS (the grants stay).

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, EnumValue, Identity, KindSchema};
use crate::model::{Kind, Scope, Value};

pub(crate) static LANGUAGES: &[EnumValue] = &[
    EnumValue {
        canonical: "SQL",
        aliases: &[],
    },
    EnumValue {
        canonical: "PYTHON",
        aliases: &[],
    },
    EnumValue {
        canonical: "JAVA",
        aliases: &[],
    },
    EnumValue {
        canonical: "SCALA",
        aliases: &[],
    },
    EnumValue {
        canonical: "JAVASCRIPT",
        aliases: &[],
    },
];

pub(crate) static EXECUTE_AS: &[EnumValue] = &[
    EnumValue {
        canonical: "OWNER",
        aliases: &[],
    },
    EnumValue {
        canonical: "CALLER",
        aliases: &[],
    },
    EnumValue {
        canonical: "RESTRICTED CALLER",
        aliases: &[],
    },
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Procedure,
    keyword: "procedure",
    noun: "procedure",
    identity: Identity::Named(Scope::Schema),
    can_rename: false,
    // Beside the tasks that call them (a task's CALL depends on the procedure).
    generate_rank: 6,
    example_label: "retrain",
    doc: "A stored procedure. Its identity is its name and argument types (Snowflake's overloads are distinct procedures: `RETRAIN(NUMBER)` and `RETRAIN(VARCHAR)` are two objects); `${procedure.x.fqn}` gives `DB.SCHEMA.NAME`, to CALL it. SHOW PROCEDURES (one per database) finds them; DESCRIBE PROCEDURE is sent only for the procedures the configuration or the state names. Any change is CREATE OR REPLACE PROCEDURE ... COPY GRANTS (the grants stay); a change of argument types is another procedure, created, with the old one dropped. A task whose SQL CALLs a declared procedure is created after it and dropped before it. SHOW PROCEDURES prints no owner, so `owner` is not offered. Not supported yet: a `grant` on a procedure block (refused at validate), and `import` or `generate` of a procedure found in the account (they list the other kinds only).",
    blocks: &[],
    attrs: &[
        Attr::container(attr::SCHEMA, Kind::Schema, "The schema: a schema block reference or \"DATABASE.SCHEMA\"."),
        Attr::name_attr("The procedure name."),
        Attr::prop(attr::ARGUMENTS, Arguments, None, "The arguments in order: a list of `{ name = \"TRAIN_DAYS\", type = \"NUMBER\" }`. The types, in Snowflake's canonical form without length or precision (`INT` is `NUMBER`, `STRING` is `VARCHAR`), are part of the procedure's identity."),
        Attr::prop(attr::RETURNS, ColumnType, None, "The return type, compared in Snowflake's canonical form (`VARCHAR` is `VARCHAR(16777216)`).").required(),
        Attr::prop(attr::LANGUAGE, Enum(LANGUAGES), None, "SQL, PYTHON, JAVA, SCALA or JAVASCRIPT.").required(),
        Attr::prop(attr::RUNTIME_VERSION, String, None, "The runtime version of a Python, Java or Scala procedure (`3.11`)."),
        Attr::prop(attr::PACKAGES, StringList, None, "Packages of a Python, Java or Scala procedure (`snowflake-snowpark-python`), in order."),
        Attr::prop(attr::IMPORTS, StringList, None, "Files imported from stages (`@DB.SCHEMA.STAGE/score.py`), in order: the handler's code when there is no body."),
        Attr::prop(attr::HANDLER, String, None, "The function a Python, Java or Scala procedure runs (`main`, `module.function`)."),
        Attr::prop(attr::BODY, String, None, "The procedure's code (often `file(\"procedures/retrain.py\")`), sent between `$$` as written; it may not contain `$$`. Without a body, `imports` and `handler` name staged code."),
        Attr::prop(attr::EXECUTE_AS, Enum(EXECUTE_AS), None, "Whose rights it runs with: OWNER, CALLER or RESTRICTED CALLER.").default(D::Str("OWNER")),
        Attr::prop(attr::COMMENT, String, None, "A comment (SHOW PROCEDURES prints it as the description)."),
    ],
};

/// The argument types of `arguments` as the identity takes them: `(NUMBER, VARCHAR)`.
pub fn signature(arguments: Option<&Value>) -> std::string::String {
    let types: Vec<&str> = arguments
        .and_then(Value::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|a| {
            a.as_map()
                .and_then(|m| m.get(attr::TYPE))
                .and_then(Value::as_str)
        })
        .collect();
    format!("({})", types.join(", "))
}

/// The procedure a task's statement CALLs, as written (`CALL db.s.p(...)`, any quoting or
/// case), resolved against the task's own name (`s.p` and `p` are in its database and
/// schema, where a task's statement runs). None when the statement is no CALL of a name.
pub(crate) fn called_by(
    task: &crate::model::ObjectName,
    sql: &str,
) -> Option<crate::model::ObjectName> {
    use crate::model::{Ident, ObjectName};
    use crate::sql::{tokenize, TokenKind};
    let tokens = tokenize(sql).ok()?;
    let mut it = tokens.iter().filter(|t| !t.is_trivia());
    if !it.next()?.is_keyword("CALL") {
        return None;
    }
    let mut parts: Vec<Ident> = Vec::new();
    loop {
        let t = it.next()?;
        parts.push(match t.kind {
            TokenKind::Word => Ident::from_canonical(t.value.to_ascii_uppercase()),
            TokenKind::QuotedIdent => Ident::from_canonical(&t.value),
            _ => return None,
        });
        let next = it.next()?;
        if next.is_symbol("(") {
            break;
        }
        if !next.is_symbol(".") {
            return None;
        }
    }
    let name = parts.pop()?;
    let (db, schema) = match parts.len() {
        0 => (task.database.clone()?, task.schema.clone()?),
        1 => (task.database.clone()?, parts.pop()?),
        2 => {
            let s = parts.pop()?;
            (parts.pop()?, s)
        }
        _ => return None,
    };
    Some(ObjectName::in_schema(db, schema, name))
}
