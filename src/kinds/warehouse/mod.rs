pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, EnumValue, Identity, KindSchema};
use crate::model::{Kind, Scope};

/// Warehouse sizes; the aliases are the other spellings CREATE accepts and SHOW prints.
pub static SIZES: &[EnumValue] = &[
    EnumValue {
        canonical: "XSMALL",
        aliases: &["X-SMALL"],
    },
    EnumValue {
        canonical: "SMALL",
        aliases: &[],
    },
    EnumValue {
        canonical: "MEDIUM",
        aliases: &[],
    },
    EnumValue {
        canonical: "LARGE",
        aliases: &[],
    },
    EnumValue {
        canonical: "XLARGE",
        aliases: &["X-LARGE"],
    },
    EnumValue {
        canonical: "XXLARGE",
        aliases: &["X2LARGE", "2X-LARGE"],
    },
    EnumValue {
        canonical: "XXXLARGE",
        aliases: &["X3LARGE", "3X-LARGE"],
    },
    EnumValue {
        canonical: "X4LARGE",
        aliases: &["4X-LARGE"],
    },
    EnumValue {
        canonical: "X5LARGE",
        aliases: &["5X-LARGE"],
    },
    EnumValue {
        canonical: "X6LARGE",
        aliases: &["6X-LARGE"],
    },
];

pub(crate) static TYPES: &[EnumValue] = &[
    EnumValue {
        canonical: "STANDARD",
        aliases: &[],
    },
    EnumValue {
        canonical: "SNOWPARK-OPTIMIZED",
        aliases: &["SNOWPARK_OPTIMIZED"],
    },
];

static SCALING: &[EnumValue] = &[
    EnumValue {
        canonical: "STANDARD",
        aliases: &[],
    },
    EnumValue {
        canonical: "ECONOMY",
        aliases: &[],
    },
];

pub(crate) static CONSTRAINTS: &[EnumValue] = &[
    EnumValue {
        canonical: "MEMORY_1X",
        aliases: &[],
    },
    EnumValue {
        canonical: "MEMORY_1X_X86",
        aliases: &[],
    },
    EnumValue {
        canonical: "MEMORY_16X",
        aliases: &[],
    },
    EnumValue {
        canonical: "MEMORY_16X_X86",
        aliases: &[],
    },
    EnumValue {
        canonical: "MEMORY_64X",
        aliases: &[],
    },
    EnumValue {
        canonical: "MEMORY_64X_X86",
        aliases: &[],
    },
    EnumValue {
        canonical: "STANDARD_GEN_1",
        aliases: &[],
    },
    EnumValue {
        canonical: "STANDARD_GEN_2",
        aliases: &[],
    },
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Warehouse,
    keyword: "warehouse",
    noun: "warehouse",
    identity: Identity::Named(Scope::Account),
    can_rename: true,
    generate_rank: 8,
    example_label: "compute",
    doc: "A virtual warehouse: the compute that runs queries, tasks and dynamic table refreshes.",
    blocks: &[],
    attrs: &[
        Attr::name_attr("The warehouse name."),
        Attr::prop(
            attr::SIZE,
            Enum(SIZES),
            Some("WAREHOUSE_SIZE"),
            "Size of each cluster. Default XSMALL (MEDIUM for SNOWPARK-OPTIMIZED).",
        )
        .default(D::Str("XSMALL")),
        Attr::prop(
            attr::TYPE,
            Enum(TYPES),
            Some("WAREHOUSE_TYPE"),
            "STANDARD or SNOWPARK-OPTIMIZED.",
        )
        .default(D::Str("STANDARD")),
        Attr::prop(
            attr::AUTO_SUSPEND,
            Int {
                min: 0,
                max: 2_147_483_647,
            },
            Some("AUTO_SUSPEND"),
            "Seconds of inactivity before the warehouse suspends; 0 never suspends.",
        )
        .default(D::Int(600)),
        Attr::prop(
            attr::AUTO_RESUME,
            Bool,
            Some("AUTO_RESUME"),
            "Resume when a statement needs it.",
        )
        .default(D::Bool(true)),
        Attr::prop(
            attr::INITIALLY_SUSPENDED,
            Bool,
            Some("INITIALLY_SUSPENDED"),
            "Create the warehouse suspended. Only applies when it is created.",
        )
        .default(D::Bool(false))
        .create_only()
        .from_state(),
        Attr::prop(
            attr::MIN_CLUSTER_COUNT,
            Int { min: 1, max: 300 },
            Some("MIN_CLUSTER_COUNT"),
            "Minimum clusters of a multi-cluster warehouse.",
        )
        .default(D::Int(1)),
        Attr::prop(
            attr::MAX_CLUSTER_COUNT,
            Int { min: 1, max: 300 },
            Some("MAX_CLUSTER_COUNT"),
            "Maximum clusters of a multi-cluster warehouse.",
        )
        .default(D::Int(1)),
        Attr::prop(
            attr::SCALING_POLICY,
            Enum(SCALING),
            Some("SCALING_POLICY"),
            "STANDARD or ECONOMY.",
        )
        .default(D::Str("STANDARD")),
        Attr::prop(
            attr::ENABLE_QUERY_ACCELERATION,
            Bool,
            Some("ENABLE_QUERY_ACCELERATION"),
            "Enable the query acceleration service.",
        )
        .default(D::Bool(false)),
        Attr::prop(
            attr::QUERY_ACCELERATION_MAX_SCALE_FACTOR,
            Int { min: 0, max: 100 },
            Some("QUERY_ACCELERATION_MAX_SCALE_FACTOR"),
            "Upper bound of query acceleration.",
        )
        .default(D::Int(8)),
        Attr::prop(
            attr::RESOURCE_MONITOR,
            Ident,
            Some("RESOURCE_MONITOR"),
            "A resource monitor to assign.",
        ),
        Attr::prop(
            attr::RESOURCE_CONSTRAINT,
            Enum(CONSTRAINTS),
            Some("RESOURCE_CONSTRAINT"),
            "Memory or generation constraint; Snowflake chooses when unset.",
        )
        .computed(),
        Attr::prop(
            attr::MAX_CONCURRENCY_LEVEL,
            Int {
                min: 1,
                max: 10_000,
            },
            Some("MAX_CONCURRENCY_LEVEL"),
            "Concurrent statements per cluster.",
        )
        .default(D::Int(8))
        .from_state(),
        Attr::prop(
            attr::STATEMENT_QUEUED_TIMEOUT_IN_SECONDS,
            Int {
                min: 0,
                max: 604_800,
            },
            Some("STATEMENT_QUEUED_TIMEOUT_IN_SECONDS"),
            "Seconds a statement may queue; 0 is no limit.",
        )
        .default(D::Int(0))
        .from_state(),
        Attr::prop(
            attr::STATEMENT_TIMEOUT_IN_SECONDS,
            Int {
                min: 0,
                max: 604_800,
            },
            Some("STATEMENT_TIMEOUT_IN_SECONDS"),
            "Seconds a statement may run.",
        )
        .default(D::Int(172_800))
        .from_state(),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::owner(),
    ],
};
