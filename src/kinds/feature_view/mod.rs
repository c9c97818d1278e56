pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{
    Attr, AttrType::*, DefaultValue as D, EnumValue, Identity, KindSchema, Role,
};
use crate::model::{Kind, Scope, Value};

pub(crate) static REFRESH_MODES: &[EnumValue] = &[
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

/// The oldest snowflake-ml-python release that reads the Feature Store layout snowform
/// writes. The metadata tag appeared in 1.5.0, but 1.5.0 takes only its own placeholder
/// for "no timestamp column"; from 1.5.1 on every release writes and reads `NULL`.
/// docs/attributes.md ("Feature Store compatibility") and tests/compat say the same.
pub(crate) const ML_LIBRARY_OLDEST: &str = "1.5.1";
/// The newest release checked against the layout (tests/compat/run.sh reads it here; the
/// binary does not use it, only the docs test that writes docs/attributes.md).
#[cfg(test)]
pub(crate) const ML_LIBRARY_NEWEST: &str = "2.6.0";
/// The `pkg_version` of the Feature Store's object tag. A client warns ("package upgrade
/// recommended") when any object's pkg_version is newer than itself, so this is the oldest
/// supported release: no supported client warns.
pub(crate) const PKG_VERSION: &str = ML_LIBRARY_OLDEST;
/// The metadata's `timestamp_col` of a feature view without one.
pub(crate) const NO_TIMESTAMP_COL: &str = "NULL";
/// What every supported release reads as "no timestamp column": `NULL`, and the placeholder
/// 1.5.0 wrote.
pub(crate) const NO_TIMESTAMP_COL_READ: &[&str] =
    &[NO_TIMESTAMP_COL, "FS_TIMESTAMP_COL_PLACEHOLDER_VAL"];
pub(crate) const OBJECT_TAG: &str = "SNOWML_FEATURE_STORE_OBJECT";
pub(crate) const METADATA_TAG: &str = "SNOWML_FEATURE_VIEW_METADATA";
pub(crate) const SNAPSHOT_TABLE: &str = "SNOWML_SNAPSHOT_STATUS";

pub(crate) const QUERY_REPLACE: &str =
    "Snowflake cannot ALTER a feature view's query; replacing it rebuilds the data: publish a new version instead";

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::FeatureView,
    keyword: "feature_view",
    noun: "feature view",
    identity: Identity::Named(Scope::Schema),
    can_rename: false,
    generate_rank: 5,
    example_label: "patient_age",
    doc: "A Feature Store feature view: <NAME>$<VERSION>, a view, or a dynamic table when refresh_freq is set.",
    blocks: &[],
    attrs: &[
        Attr::container(attr::SCHEMA, Kind::Schema, "The feature store schema: a schema block reference or \"DATABASE.SCHEMA\"."),
        Attr::name_attr("The feature view name, without the version."),
        Attr::prop(attr::VERSION, Version, None, "The version; the object is named <NAME>$<VERSION>.").required().role(Role::NamePart),
        Attr::prop(attr::ENTITIES, RefList(Kind::Entity), None, "The entities the features describe.")
            .required()
            .replace("the entities are written into the feature view's tags, which the Feature Store reads back from its definition"),
        Attr::prop(attr::QUERY, Sql, None, "The query that computes the features.").required().replace(QUERY_REPLACE),
        Attr::prop(attr::REFRESH_FREQ, RefreshFreq, None, "Set: a dynamic table refreshed with this lag, or on this cron schedule. Unset: a view."),
        Attr::prop(attr::WAREHOUSE, Ref(Kind::Warehouse), Some("WAREHOUSE"), "The warehouse that refreshes a dynamic table feature view."),
        Attr::prop(attr::REFRESH_MODE, Enum(REFRESH_MODES), None, "AUTO, FULL or INCREMENTAL.")
            .default(D::Str("AUTO"))
            .replace("Snowflake cannot ALTER a dynamic table's refresh mode; replacing it rebuilds the data"),
        Attr::prop(attr::INITIALIZE, Enum(INITIALIZE), None, "ON_CREATE or ON_SCHEDULE; only applies when the feature view is created.")
            .default(D::Str("ON_CREATE"))
            .create_only(),
        Attr::prop(attr::TIMESTAMP_COL, Ident, None, "The column holding the feature timestamp.")
            .replace("the timestamp column is written into the feature view's metadata, which the Feature Store reads back from its definition"),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "The feature view's description."),
        Attr::prop(attr::ENABLED, Bool, None, "false: the dynamic table (and its refresh task) is suspended.").default(D::Bool(true)),
        Attr::prop(attr::JOIN_KEYS, Map, None, "The join keys of each entity, as written into the entity tags.")
            .role(Role::Derived)
            .replace("the join keys of its entities changed; they are written into the feature view's tags"),
        // The dynamic table a cron feature view's refresh task refreshes (its body is
        // `ALTER DYNAMIC TABLE <this> REFRESH`): its own name, which a rename of its database
        // or schema leaves stale in the task until snowform rewrites it.
        Attr::prop(attr::REFRESH_TASK_TARGET, String, None, "The table the refresh task of a cron feature view refreshes.")
            .role(Role::Derived),
        Attr::owner(),
    ],
};

/// Why changing `attr` needs the feature view replaced, beyond the table.
pub(crate) fn replace_reason(
    attr: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Option<&'static str> {
    if attr != attr::REFRESH_FREQ {
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

/// A name as the Feature Store library writes it into the metadata (its SqlIdentifier's
/// `identifier()` form): unchanged when it is upper case letters, digits, `_` and `$`
/// starting with a letter or `_`, otherwise double-quoted. Unlike SQL quoting, keywords
/// stay bare: the library does not quote them.
pub(crate) fn library_identifier(resolved: &str) -> std::string::String {
    let mut chars = resolved.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        resolved.to_string()
    } else {
        crate::sql::quote::quote_always(resolved)
    }
}

/// The name a metadata entry stands for, resolved as the library resolves it: a quoted
/// name is kept exactly, an unquoted one is upper-cased. Text that is neither (the library
/// refuses it) is kept as it is.
pub(crate) fn library_resolved(written: &str) -> std::string::String {
    if written.len() >= 2 && written.starts_with('"') && written.ends_with('"') {
        return written[1..written.len() - 1].replace("\"\"", "\"");
    }
    let mut chars = written.chars();
    let unquoted = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if unquoted {
        written.to_ascii_uppercase()
    } else {
        written.to_string()
    }
}

/// A JSON string as Python's json.dumps writes it, except that characters outside ASCII
/// stay as they are: a `\uXXXX` escape would not survive the SQL literal (Snowflake drops
/// the backslash of an escape it does not know), while the character itself survives both
/// the statement text and the stored tag value.
fn json_str(text: &str) -> std::string::String {
    serde_json::to_string(text).expect("strings serialise")
}

/// The SNOWML_FEATURE_STORE_OBJECT tag value of a feature store object of type `kind`.
pub(crate) fn object_tag_value(kind: &str) -> std::string::String {
    format!(
        "{{\"type\": {}, \"pkg_version\": {}}}",
        json_str(kind),
        json_str(PKG_VERSION)
    )
}

/// The SNOWML_FEATURE_VIEW_METADATA tag value: the entities and the timestamp column as
/// the library writes them, and no other key. Releases before 1.54.0 build their metadata
/// class from every key present and fail on one they do not know; `is_tiled` (1.24.0),
/// `is_iceberg` (1.26.0), `is_streaming` (1.34.0), `is_rollup` (1.37.0) and
/// `is_append_only` (1.41.0) came later, and every release that has them defaults them to false.
///
/// The value is the text between the quotes of the SQL literal: the library reads it back
/// from the statement text (SHOW ... `text`), so it is written as-is (see
/// `sql::quote_json_literal`), and a quoted name's JSON escapes (`\"`) stay in the text.
pub(crate) fn metadata_tag_value(
    entities: &[&str],
    timestamp_col: Option<&str>,
) -> std::string::String {
    let entities: Vec<std::string::String> = entities
        .iter()
        .map(|e| json_str(&library_identifier(e)))
        .collect();
    let ts = timestamp_col
        .map(library_identifier)
        .unwrap_or_else(|| NO_TIMESTAMP_COL.to_string());
    format!(
        "{{\"entities\": [{}], \"timestamp_col\": {}}}",
        entities.join(", "),
        json_str(&ts)
    )
}

/// How many characters Snowflake stores for a literal written as-is from `text`: a
/// backslash and the character after it are one character.
pub(crate) fn stored_chars(text: &str) -> usize {
    let mut n = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            chars.next();
        }
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_written_and_resolved_as_the_library_does() {
        for (resolved, written) in [
            ("CUSTOMER", "CUSTOMER"),
            ("_A$1", "_A$1"),
            ("SELECT", "SELECT"),
            ("myEnt", "\"myEnt\""),
            ("1ST", "\"1ST\""),
            ("A B", "\"A B\""),
        ] {
            assert_eq!(library_identifier(resolved), written);
            assert_eq!(library_resolved(written), resolved);
        }
        assert_eq!(library_resolved("customer"), "CUSTOMER");
    }

    #[test]
    fn metadata_holds_only_the_keys_every_release_reads() {
        assert_eq!(
            metadata_tag_value(&["CUSTOMER", "myEnt"], Some("eventTs")),
            r#"{"entities": ["CUSTOMER", "\"myEnt\""], "timestamp_col": "\"eventTs\""}"#
        );
        assert_eq!(
            metadata_tag_value(&["C"], None),
            r#"{"entities": ["C"], "timestamp_col": "NULL"}"#
        );
        assert_eq!(
            object_tag_value("MANAGED_FEATURE_VIEW"),
            r#"{"type": "MANAGED_FEATURE_VIEW", "pkg_version": "1.5.1"}"#
        );
    }

    #[test]
    fn stored_length_counts_an_escape_once() {
        assert_eq!(stored_chars(r#"["\"a\""]"#), 7);
        assert_eq!(stored_chars("abc"), 3);
    }
}
