use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, EnumValue, KindSchema, Role};
use crate::model::{Kind, Value};

pub static REFRESH_MODES: &[EnumValue] = &[
    EnumValue {
        canonical: "AUTO",
        aliases: &[],
    },
    EnumValue {
        canonical: "FULL",
        aliases: &[],
    },
    EnumValue {
        canonical: "INCREMENTAL",
        aliases: &[],
    },
];

pub static INITIALIZE: &[EnumValue] = &[
    EnumValue {
        canonical: "ON_CREATE",
        aliases: &[],
    },
    EnumValue {
        canonical: "ON_SCHEDULE",
        aliases: &[],
    },
];

/// The version of snowflake-ml-python whose layout snowform writes (the `pkg_version` of
/// the Feature Store's object tag).
pub const PKG_VERSION: &str = "1.48.0";
pub const OBJECT_TAG: &str = "SNOWML_FEATURE_STORE_OBJECT";
pub const METADATA_TAG: &str = "SNOWML_FEATURE_VIEW_METADATA";
pub const SNAPSHOT_TABLE: &str = "SNOWML_SNAPSHOT_STATUS";

pub const QUERY_REPLACE: &str =
    "Snowflake cannot ALTER a feature view's query; replacing it rebuilds the data: publish a new version instead";

pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::FeatureView,
    doc: "A Feature Store feature view: <NAME>$<VERSION>, a view, or a dynamic table when refresh_freq is set.",
    blocks: &[],
    attrs: &[
        Attr::container("schema", Kind::Schema, "The feature store schema: a schema block reference or \"DATABASE.SCHEMA\"."),
        Attr::name_attr("The feature view name, without the version."),
        Attr::prop("version", Version, None, "The version; the object is named <NAME>$<VERSION>.").required().role(Role::NamePart),
        Attr::prop("entities", RefList(Kind::Entity), None, "The entities the features describe.")
            .required()
            .replace("the entities are written into the feature view's tags, which the Feature Store reads back from its definition"),
        Attr::prop("query", Sql, None, "The query that computes the features.").required().replace(QUERY_REPLACE),
        Attr::prop("refresh_freq", RefreshFreq, None, "Set: a dynamic table refreshed with this lag, or on this cron schedule. Unset: a view."),
        Attr::prop("warehouse", Ref(Kind::Warehouse), Some("WAREHOUSE"), "The warehouse that refreshes a dynamic table feature view."),
        Attr::prop("refresh_mode", Enum(REFRESH_MODES), None, "AUTO, FULL or INCREMENTAL.")
            .default(D::Str("AUTO"))
            .replace("Snowflake cannot ALTER a dynamic table's refresh mode; replacing it rebuilds the data"),
        Attr::prop("initialize", Enum(INITIALIZE), None, "ON_CREATE or ON_SCHEDULE; only applies when the feature view is created.")
            .default(D::Str("ON_CREATE"))
            .create_only(),
        Attr::prop("timestamp_col", Ident, None, "The column holding the feature timestamp.")
            .replace("the timestamp column is written into the feature view's metadata, which the Feature Store reads back from its definition"),
        Attr::prop("comment", String, Some("COMMENT"), "The feature view's description."),
        Attr::prop("enabled", Bool, None, "false: the dynamic table (and its refresh task) is suspended.").default(D::Bool(true)),
        Attr::prop("join_keys", Map, None, "The join keys of each entity, as written into the entity tags.")
            .role(Role::Derived)
            .replace("the join keys of its entities changed; they are written into the feature view's tags"),
    ],
};

/// Why changing `attr` needs the feature view replaced, beyond the table.
pub fn replace_reason(
    attr: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Option<&'static str> {
    if attr != "refresh_freq" {
        return None;
    }
    let cron = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(|s| s.split_whitespace().count() >= 3)
    };
    match (cron(before), cron(after)) {
        (None, Some(_)) | (Some(_), None) => {
            Some("a feature view cannot switch between a view and a dynamic table in place; replacing it rebuilds the data")
        }
        _ => None,
    }
}
