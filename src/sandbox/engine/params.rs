//! Object parameters: the settings SHOW does not print as columns but `SHOW PARAMETERS IN
//! <kind> <name>` lists, with their defaults and where a value was set.

use super::errors;
use super::exec::props;
use super::format;
use super::parse::ast::Prop;
use crate::sandbox::SqlError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamType {
    Number {
        min: i64,
        max: i64,
    },
    /// One of a fixed set of keywords.
    Keyword(&'static [&'static str]),
    /// A serverless task's initial size, XSMALL to XXLARGE (the largest the CREATE TASK
    /// reference allows), shown in its display form (`Medium`).
    Size,
    String,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ParamDef {
    pub key: &'static str,
    pub default: &'static str,
    pub param_type: ParamType,
    pub description: &'static str,
}

const fn num(
    key: &'static str,
    default: &'static str,
    min: i64,
    max: i64,
    description: &'static str,
) -> ParamDef {
    ParamDef {
        key,
        default,
        param_type: ParamType::Number { min, max },
        description,
    }
}

pub static WAREHOUSE: &[ParamDef] = &[
    num("MAX_CONCURRENCY_LEVEL", "8", 1, 10_000, "Concurrency level for SQL statements executed by a warehouse cluster."),
    num("STATEMENT_QUEUED_TIMEOUT_IN_SECONDS", "0", 0, 604_800, "Seconds a statement may wait in the warehouse queue before it is cancelled; 0 means no limit."),
    num("STATEMENT_TIMEOUT_IN_SECONDS", "172800", 0, 604_800, "Seconds after which a running statement is cancelled."),
];

/// Parameters of databases and schemas; a schema inherits its database's values.
pub(crate) static CONTAINER: &[ParamDef] = &[
    ParamDef {
        key: "DEFAULT_DDL_COLLATION",
        default: "",
        param_type: ParamType::String,
        description: "Collation used for new columns when none is given.",
    },
    num(
        "DATA_RETENTION_TIME_IN_DAYS",
        "1",
        0,
        90,
        "Days of Time Travel history kept for objects in the container.",
    ),
    num(
        "MAX_DATA_EXTENSION_TIME_IN_DAYS",
        "14",
        0,
        90,
        "Days a table's retention may be extended to keep streams from going stale.",
    ),
];

pub(crate) static OVERLAP_POLICIES: &[&str] =
    &["NO_OVERLAP", "ALLOW_CHILD_OVERLAP", "ALLOW_ALL_OVERLAP"];

pub(crate) static TASK: &[ParamDef] = &[
    ParamDef {
        key: "OVERLAP_POLICY",
        default: "NO_OVERLAP",
        param_type: ParamType::Keyword(OVERLAP_POLICIES),
        description: "Whether runs of a task graph may overlap.",
    },
    num(
        "SUSPEND_TASK_AFTER_NUM_FAILURES",
        "10",
        0,
        1_000_000,
        "Consecutive failed runs after which the task is suspended; 0 never suspends.",
    ),
    num(
        "TASK_AUTO_RETRY_ATTEMPTS",
        "0",
        0,
        30,
        "Times a failed task graph run is retried automatically.",
    ),
    ParamDef {
        key: "USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE",
        default: "Medium",
        param_type: ParamType::Size,
        description: "Size of the compute first used by a serverless task.",
    },
    num(
        "USER_TASK_TIMEOUT_MS",
        "3600000",
        0,
        604_800_000,
        "Milliseconds one run of the task may take before it is cancelled.",
    ),
];

pub fn find(defs: &'static [ParamDef], key: &str) -> Option<&'static ParamDef> {
    defs.iter().find(|d| d.key == key)
}

/// The stored text of a parameter value, checked against its definition.
pub fn value(def: &ParamDef, prop: &Prop) -> Result<String, SqlError> {
    match def.param_type {
        ParamType::Number { min, max } => props::number_text(prop, min, max),
        ParamType::Keyword(allowed) => props::one_of(prop, allowed),
        ParamType::Size => {
            let k = props::keyword(prop)?;
            format::warehouse_size_keyword(&k)
                .filter(|s| !matches!(*s, "XXXLARGE" | "X4LARGE" | "X5LARGE" | "X6LARGE"))
                .map(|s| format::warehouse_size_display(s).to_string())
                .ok_or_else(|| errors::invalid_value(def.key, &k))
        }
        ParamType::String => props::string(prop),
    }
}
