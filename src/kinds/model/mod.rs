pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, BlockSchema, Identity, KindSchema};
use crate::model::{Kind, Object, Scope, Value};
use std::collections::BTreeMap;

/// The metadata schema version the Model Registry writes beside metrics.
pub(crate) const METADATA_SCHEMA_VERSION: &str = "2024-01-01";

pub(crate) static VERSION_ATTRS: &[Attr] = &[
    Attr::prop(
        attr::SOURCE,
        StagePath,
        None,
        "Where the version's files are: \"@DB.SCHEMA.STAGE/path\", a named stage and a path of letters, digits, spaces and _ - . / = + : , @ ~ %; a location with spaces or quoted names is sent in single quotes. A version's files cannot change in place: a new source drops and adds the version again (destructive), and is refused for the default version.",
    )
    .required()
    .from_state(),
    Attr::prop(attr::COMMENT, String, None, "The version's comment."),
    Attr::prop(
        attr::ALIAS,
        Ident,
        None,
        "One alias for the version (DEFAULT, FIRST and LAST are reserved).",
    ),
    Attr::prop(
        attr::METADATA,
        Json,
        None,
        "Metadata such as { metrics = { rmse = 0.1 } }.",
    ),
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Model,
    keyword: "model",
    noun: "model",
    identity: Identity::Named(Scope::Schema),
    can_rename: true,
    generate_rank: 6,
    example_label: "age",
    doc: "A Model Registry model and its versions.",
    blocks: &[BlockSchema {
        name: "version",
        label: "version name",
        attrs: VERSION_ATTRS,
        doc: "A version of the model, created from files on a stage.",
    }],
    attrs: &[
        Attr::container(
            attr::SCHEMA,
            Kind::Schema,
            "The schema: a schema block reference or \"DATABASE.SCHEMA\".",
        ),
        Attr::name_attr("The model name."),
        // Unset, it is whichever version Snowflake has as default (the first one created):
        // a model always has one and it cannot be unset.
        Attr::prop(
            attr::DEFAULT_VERSION,
            Ident,
            None,
            "The version used when a call names none; unset, the first version created.",
        )
        .computed(),
        Attr::prop(attr::COMMENT, String, None, "The model's comment."),
    ],
};

/// The key under which an object's `props` hold its versions (a map name -> properties).
pub use crate::model::attr::VERSIONS;

/// A model's versions, each by name with its fields (`versions` in the object's props).
pub(crate) fn versions(
    object: &Object,
) -> BTreeMap<std::string::String, BTreeMap<std::string::String, Value>> {
    object
        .get(VERSIONS)
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_map().cloned().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}
