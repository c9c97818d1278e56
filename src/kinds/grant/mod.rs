//! A grant of privileges (GRANT <privileges> and REVOKE <privileges> reference pages): the
//! privileges one role or database role holds on one object (`on`), on every object of a
//! kind in a schema or database (`on_all`), or on the objects of a kind created there later
//! (`on_future`). A grant has no name of its own: it is known by what it is on and to whom
//! (`Identity::Grant`), and its privileges are a set that changes by GRANT and REVOKE.
//!
//! The privileges each object kind takes are Snowflake's lists (the GRANT <privileges>
//! grammar and the access control privileges page); OWNERSHIP is not among them (it moves
//! with `owner`), and `ALL [PRIVILEGES]` is expanded to the kind's list, or refused where
//! that list is not documented.

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, AttrType, EnumValue, Identity, KindSchema, Role};
use crate::model::{Ident, Kind, ObjectName};

/// The plural object types `on_future` and `on_all` take.
pub(crate) static PLURALS: &[EnumValue] = &[
    EnumValue {
        canonical: "TABLES",
        aliases: &[],
    },
    EnumValue {
        canonical: "VIEWS",
        aliases: &[],
    },
    EnumValue {
        canonical: "DYNAMIC TABLES",
        aliases: &[],
    },
    EnumValue {
        canonical: "MODELS",
        aliases: &[],
    },
    EnumValue {
        canonical: "STAGES",
        aliases: &[],
    },
    EnumValue {
        canonical: "TASKS",
        aliases: &[],
    },
    EnumValue {
        canonical: "PROCEDURES",
        aliases: &[],
    },
    EnumValue {
        canonical: "SCHEMAS",
        aliases: &[],
    },
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Grant,
    keyword: "grant",
    noun: "grant",
    identity: Identity::Grant,
    can_rename: false,
    generate_rank: 9,
    example_label: "consumer_on_schema",
    doc: "Privileges on an object, or on every present or future object of a kind in a schema or database, granted to a role or a database role.",
    blocks: &[],
    attrs: &[
        Attr::prop(attr::PRIVILEGES, AttrType::Privileges, None, "The privileges, as Snowflake names them for the object kind (`ALL` expands to the kind's list).").required(),
        Attr::prop(attr::ON, AttrType::Securable, None, "The object: a block reference, or `{ kind = \"SCHEMA\", name = \"DB.SCHEMA\" }`.").role(Role::NamePart),
        Attr::prop(attr::ON_ALL, AttrType::Enum(PLURALS), None, "Every object of this kind that exists in `in` when the grant is applied.").role(Role::NamePart),
        Attr::prop(attr::ON_FUTURE, AttrType::Enum(PLURALS), None, "The objects of this kind created in `in` from now on.").role(Role::NamePart),
        Attr::prop(attr::IN, AttrType::Securable, None, "The schema or database of `on_all` / `on_future`: a block reference, or its name.").role(Role::NamePart),
        Attr::prop(attr::TO, AttrType::Securable, None, "The grantee: a role block reference or role name, or `{ kind = \"DATABASE ROLE\", name = \"DB.ROLE\" }`.").role(Role::NamePart).required(),
    ],
};

/// An object kind a grant can name, with Snowflake's privileges on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Securable {
    /// As GRANT writes it: `DYNAMIC TABLE`.
    pub(crate) keyword: &'static str,
    /// As SHOW GRANTS prints it in `granted_on` / `grant_on`: underscored, `MODULE` for a
    /// model (terraform-provider-snowflake maps MODULE back to MODEL).
    pub shown: &'static str,
    /// The plural of `ON ALL` / `ON FUTURE`, where those apply.
    pub(crate) plural: Option<&'static str>,
    /// Where it lives.
    pub(crate) in_schema: bool,
    pub privileges: &'static [&'static str],
    /// What `ALL [PRIVILEGES]` grants; None where it is refused (not documented, or
    /// depending on what kind of stage it is).
    pub all: Option<&'static [&'static str]>,
}

const WAREHOUSE_PRIVS: &[&str] = &["APPLYBUDGET", "MODIFY", "MONITOR", "OPERATE", "USAGE"];
const DATABASE_PRIVS: &[&str] = &[
    "APPLYBUDGET",
    "CREATE DATABASE ROLE",
    "CREATE SCHEMA",
    "MODIFY",
    "MONITOR",
    "USAGE",
];
const SCHEMA_PRIVS: &[&str] = &[
    "ADD SEARCH OPTIMIZATION",
    "APPLYBUDGET",
    "CREATE ALERT",
    "CREATE DATASET",
    "CREATE DYNAMIC TABLE",
    "CREATE EVENT TABLE",
    "CREATE EXTERNAL TABLE",
    "CREATE FILE FORMAT",
    "CREATE FUNCTION",
    "CREATE HYBRID TABLE",
    "CREATE ICEBERG TABLE",
    "CREATE MASKING POLICY",
    "CREATE MATERIALIZED VIEW",
    "CREATE MODEL",
    "CREATE NETWORK RULE",
    "CREATE NOTEBOOK",
    "CREATE PIPE",
    "CREATE PROCEDURE",
    "CREATE ROW ACCESS POLICY",
    "CREATE SECRET",
    "CREATE SEQUENCE",
    "CREATE SERVICE",
    "CREATE STAGE",
    "CREATE STREAM",
    "CREATE STREAMLIT",
    "CREATE TABLE",
    "CREATE TAG",
    "CREATE TASK",
    "CREATE VIEW",
    "MODIFY",
    "MONITOR",
    "USAGE",
];
const TABLE_PRIVS: &[&str] = &[
    "APPLYBUDGET",
    "DELETE",
    "EVOLVE SCHEMA",
    "INSERT",
    "REFERENCES",
    "SELECT",
    "TRUNCATE",
    "UPDATE",
];
const VIEW_PRIVS: &[&str] = &["REFERENCES", "SELECT"];
const DYNAMIC_TABLE_PRIVS: &[&str] = &["MONITOR", "OPERATE", "SELECT"];
const TASK_PRIVS: &[&str] = &["APPLYBUDGET", "MONITOR", "OPERATE"];
const PROCEDURE_PRIVS: &[&str] = &["USAGE"];

pub(crate) static SECURABLES: &[Securable] = &[
    Securable {
        keyword: "WAREHOUSE",
        shown: "WAREHOUSE",
        plural: None,
        in_schema: false,
        privileges: WAREHOUSE_PRIVS,
        all: Some(WAREHOUSE_PRIVS),
    },
    Securable {
        keyword: "DATABASE",
        shown: "DATABASE",
        plural: None,
        in_schema: false,
        privileges: DATABASE_PRIVS,
        all: Some(DATABASE_PRIVS),
    },
    Securable {
        keyword: "SCHEMA",
        shown: "SCHEMA",
        plural: Some("SCHEMAS"),
        in_schema: false,
        privileges: SCHEMA_PRIVS,
        all: Some(SCHEMA_PRIVS),
    },
    Securable {
        keyword: "TABLE",
        shown: "TABLE",
        plural: Some("TABLES"),
        in_schema: true,
        privileges: TABLE_PRIVS,
        all: Some(TABLE_PRIVS),
    },
    // DML privileges on a view are accepted by Snowflake and have no effect (access control
    // privileges page): snowform refuses them rather than keep a grant that does nothing.
    Securable {
        keyword: "VIEW",
        shown: "VIEW",
        plural: Some("VIEWS"),
        in_schema: true,
        privileges: VIEW_PRIVS,
        all: Some(VIEW_PRIVS),
    },
    Securable {
        keyword: "DYNAMIC TABLE",
        shown: "DYNAMIC_TABLE",
        plural: Some("DYNAMIC TABLES"),
        in_schema: true,
        privileges: DYNAMIC_TABLE_PRIVS,
        all: Some(DYNAMIC_TABLE_PRIVS),
    },
    // READ and WRITE apply to internal stages, USAGE to external ones: ALL depends on the
    // stage, so it is refused.
    Securable {
        keyword: "STAGE",
        shown: "STAGE",
        plural: Some("STAGES"),
        in_schema: true,
        privileges: &["READ", "USAGE", "WRITE"],
        all: None,
    },
    Securable {
        keyword: "TASK",
        shown: "TASK",
        plural: Some("TASKS"),
        in_schema: true,
        privileges: TASK_PRIVS,
        all: Some(TASK_PRIVS),
    },
    // READ is documented in prose (Model Registry privileges) but not in the GRANT
    // grammar, so what ALL includes is not known: refused.
    Securable {
        keyword: "MODEL",
        shown: "MODULE",
        plural: Some("MODELS"),
        in_schema: true,
        privileges: &["READ", "USAGE"],
        all: None,
    },
    Securable {
        keyword: "PROCEDURE",
        shown: "PROCEDURE",
        plural: Some("PROCEDURES"),
        in_schema: true,
        privileges: PROCEDURE_PRIVS,
        all: Some(PROCEDURE_PRIVS),
    },
    // ALL cannot be used for tags, and tags take no future grants (GRANT <privileges>
    // usage notes).
    Securable {
        keyword: "TAG",
        shown: "TAG",
        plural: None,
        in_schema: true,
        privileges: &["APPLY", "READ"],
        all: None,
    },
];

/// A database role may hold only these on its own database (GRANT <privileges> ... TO
/// DATABASE ROLE grammar).
pub(crate) const DATABASE_ROLE_ON_DATABASE: &[&str] =
    &["CREATE SCHEMA", "MODIFY", "MONITOR", "USAGE"];

pub(crate) fn securable(keyword: &str) -> Option<&'static Securable> {
    SECURABLES.iter().find(|s| s.keyword == keyword)
}

pub(crate) fn securable_shown(shown: &str) -> Option<&'static Securable> {
    SECURABLES.iter().find(|s| s.shown == shown)
}

pub(crate) fn securable_of_plural(plural: &str) -> Option<&'static Securable> {
    SECURABLES.iter().find(|s| s.plural == Some(plural))
}

/// The object kind a block reference in `on` names, for the kinds GRANT takes.
pub(crate) fn securable_of_kind(kind: Kind) -> Option<&'static Securable> {
    securable(match kind {
        Kind::Warehouse => "WAREHOUSE",
        Kind::Database => "DATABASE",
        Kind::Schema => "SCHEMA",
        Kind::Stage => "STAGE",
        Kind::Task => "TASK",
        Kind::Model => "MODEL",
        _ => return None,
    })
}

/// A privilege as written (`create  dynamic table`) in its canonical spelling.
pub(crate) fn canonical_privilege(privilege: &str) -> String {
    privilege
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The grantee as the grant's name and statements hold it: `ROLE R` or `DATABASE ROLE DB.R`.
pub(crate) fn grantee_text(database_role: bool, name: &ObjectName) -> String {
    if database_role {
        format!("DATABASE ROLE {}", name.to_sql())
    } else {
        format!("ROLE {}", name.to_sql())
    }
}

/// The name a grant is known by: what it is on and to whom, as GRANT writes them
/// (`SCHEMA DB.S TO ROLE R`, `FUTURE VIEWS IN SCHEMA DB.S TO ROLE R`).
pub(crate) fn grant_name(target: &str, grantee: &str) -> ObjectName {
    ObjectName::account(Ident::from_canonical(format!("{target} TO {grantee}")))
}

/// The target part of a grant's statements: `SCHEMA DB.S`, `ALL VIEWS IN SCHEMA DB.S`,
/// `FUTURE VIEWS IN SCHEMA DB.S`.
pub(crate) fn target_text(
    on: Option<&str>,
    all: Option<&str>,
    future: Option<&str>,
    within: Option<&str>,
) -> Option<String> {
    match (on, all, future, within) {
        (Some(on), None, None, None) => Some(on.to_string()),
        (None, Some(p), None, Some(i)) => Some(format!("ALL {p} IN {i}")),
        (None, None, Some(p), Some(i)) => Some(format!("FUTURE {p} IN {i}")),
        _ => None,
    }
}

/// The object kind and name of a target written as GRANT writes it (`DYNAMIC TABLE DB.S.T`).
pub(crate) fn split_target(text: &str) -> Option<(&'static Securable, &str)> {
    SECURABLES
        .iter()
        .filter_map(|s| {
            text.strip_prefix(s.keyword)
                .and_then(|rest| rest.strip_prefix(' '))
                .map(|rest| (s, rest))
        })
        .max_by_key(|(s, _)| s.keyword.len())
}
