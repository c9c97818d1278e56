pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, EnumValue, Identity, KindSchema};
use crate::model::{Kind, Scope};

pub(crate) static OVERLAP: &[EnumValue] = &[
    EnumValue {
        canonical: "NO_OVERLAP",
        aliases: &[],
    },
    EnumValue {
        canonical: "ALLOW_CHILD_OVERLAP",
        aliases: &[],
    },
    EnumValue {
        canonical: "ALLOW_ALL_OVERLAP",
        aliases: &[],
    },
];

/// The sizes a serverless task may start with: XSMALL to XXLARGE (CREATE TASK reference:
/// "The largest size supported by the parameter is XXLARGE").
/// They are the first six warehouse sizes, spelt as warehouses spell them.
pub(crate) static INITIAL_SIZES: &[EnumValue] = super::warehouse::SIZES.split_at(6).0;

/// Snowflake's limit on a task's predecessors.
pub(crate) const MAX_PREDECESSORS: usize = 100;

/// Attributes Snowflake accepts only on a standalone or root task (CREATE TASK's reference
/// marks them so; setting one on a task with predecessors fails).
pub(crate) const ROOT_ONLY: &[&str] = &[
    attr::SCHEDULE,
    attr::CONFIG,
    attr::OVERLAP_POLICY,
    attr::TASK_AUTO_RETRY_ATTEMPTS,
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Task,
    keyword: "task",
    noun: "task",
    identity: Identity::Named(Scope::Schema),
    can_rename: false,
    generate_rank: 7,
    example_label: "score",
    doc: "A task: a scheduled statement, or a node of a task graph (after = [...]).",
    blocks: &[],
    attrs: &[
        Attr::container(
            attr::SCHEMA,
            Kind::Schema,
            "The schema: a schema block reference or \"DATABASE.SCHEMA\".",
        ),
        Attr::name_attr("The task name."),
        Attr::prop(attr::SQL, Sql, None, "The statement the task runs.").required(),
        Attr::prop(
            attr::WAREHOUSE,
            Ref(Kind::Warehouse),
            Some("WAREHOUSE"),
            "The warehouse; unset: serverless.",
        ),
        Attr::prop(
            attr::SCHEDULE,
            Schedule,
            Some("SCHEDULE"),
            "\"<n> MINUTES\" or \"USING CRON ...\"; only on a root task.",
        ),
        Attr::prop(
            attr::AFTER,
            RefList(Kind::Task),
            None,
            "Predecessors: the tasks that run before this one.",
        ),
        Attr::prop(
            attr::WHEN,
            Sql,
            None,
            "A condition that must hold for the task to run.",
        ),
        Attr::prop(
            attr::ENABLED,
            Bool,
            None,
            "true: the task is started (resumed) after apply.",
        )
        .default(D::Bool(false)),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::prop(
            attr::CONFIG,
            Json,
            Some("CONFIG"),
            "A configuration object for the task graph (root only).",
        ),
        Attr::prop(
            attr::OVERLAP_POLICY,
            Enum(OVERLAP),
            Some("OVERLAP_POLICY"),
            "Whether runs of the graph may overlap (root only).",
        )
        .default(D::Str("NO_OVERLAP"))
        .from_state(),
        Attr::prop(
            attr::SUSPEND_TASK_AFTER_NUM_FAILURES,
            Int {
                min: 0,
                max: 1_000_000,
            },
            Some("SUSPEND_TASK_AFTER_NUM_FAILURES"),
            "Suspend after this many failed runs; 0 never.",
        )
        .default(D::Int(10))
        .from_state(),
        Attr::prop(
            attr::USER_TASK_TIMEOUT_MS,
            Int {
                min: 0,
                max: 604_800_000,
            },
            Some("USER_TASK_TIMEOUT_MS"),
            "Time limit of one run, in milliseconds.",
        )
        .default(D::Int(3_600_000))
        .from_state(),
        Attr::prop(
            attr::TASK_AUTO_RETRY_ATTEMPTS,
            Int { min: 0, max: 30 },
            Some("TASK_AUTO_RETRY_ATTEMPTS"),
            "Automatic retries of a failed graph run (root only).",
        )
        .default(D::Int(0))
        .from_state(),
        Attr::prop(
            attr::USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE,
            Enum(INITIAL_SIZES),
            Some("USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE"),
            "Initial size of a serverless task (XSMALL to XXLARGE); written as a string.",
        )
        .quoted()
        .computed()
        .from_state(),
        Attr::prop(
            attr::ERROR_INTEGRATION,
            Ident,
            Some("ERROR_INTEGRATION"),
            "A notification integration for errors.",
        ),
        Attr::owner(),
    ],
};

#[cfg(test)]
mod tests {
    #[test]
    fn initial_sizes_end_at_xxlarge() {
        let sizes: Vec<&str> = super::INITIAL_SIZES.iter().map(|v| v.canonical).collect();
        assert_eq!(sizes.first(), Some(&"XSMALL"));
        assert_eq!(sizes.last(), Some(&"XXLARGE"));
    }
}
