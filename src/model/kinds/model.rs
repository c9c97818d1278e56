use crate::model::schema::{Attr, AttrType::*, BlockSchema, KindSchema};
use crate::model::Kind;

/// The metadata schema version the Model Registry writes beside metrics.
pub const METADATA_SCHEMA_VERSION: &str = "2024-01-01";

pub static VERSION_ATTRS: &[Attr] = &[
    Attr::prop(
        "source",
        StagePath,
        None,
        "Where the version's files are: \"@DB.SCHEMA.STAGE/path\".",
    )
    .required()
    .from_state(),
    Attr::prop("comment", String, None, "The version's comment."),
    Attr::prop(
        "alias",
        Ident,
        None,
        "One alias for the version (DEFAULT, FIRST and LAST are reserved).",
    ),
    Attr::prop(
        "metadata",
        Json,
        None,
        "Metadata such as { metrics = { rmse = 0.1 } }.",
    ),
];

pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Model,
    doc: "A Model Registry model and its versions.",
    blocks: &[BlockSchema {
        name: "version",
        label: "version name",
        attrs: VERSION_ATTRS,
        doc: "A version of the model, created from files on a stage.",
    }],
    attrs: &[
        Attr::container(
            "schema",
            Kind::Schema,
            "The schema: a schema block reference or \"DATABASE.SCHEMA\".",
        ),
        Attr::name_attr("The model name."),
        // Unset: whichever version Snowflake made the default (the first one added).
        Attr::prop(
            "default_version",
            Ident,
            None,
            "The version used when a call names none; unset, Snowflake's choice (the first version).",
        )
        .computed(),
        Attr::prop("comment", String, None, "The model's comment."),
    ],
};

/// The key under which an object's `props` hold its versions (a map name -> properties).
pub const VERSIONS: &str = "versions";
