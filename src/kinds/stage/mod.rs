pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, EnumValue, Identity, KindSchema};
use crate::model::{Kind, Scope, Value};

pub(crate) static ENCRYPTION: &[EnumValue] = &[
    EnumValue {
        canonical: "SNOWFLAKE_FULL",
        aliases: &[],
    },
    EnumValue {
        canonical: "SNOWFLAKE_SSE",
        aliases: &[],
    },
];

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Stage,
    keyword: "stage",
    noun: "stage",
    identity: Identity::Named(Scope::Schema),
    can_rename: true,
    generate_rank: 3,
    example_label: "models",
    doc: "A named stage: internal (files kept by Snowflake) or external (with a url).",
    blocks: &[],
    attrs: &[
        Attr::container(attr::SCHEMA, Kind::Schema, "The schema: a schema block reference or \"DATABASE.SCHEMA\"."),
        Attr::name_attr("The stage name."),
        Attr::prop(attr::URL, String, Some("URL"), "The cloud storage location of an external stage; unset for an internal stage."),
        Attr::prop(attr::STORAGE_INTEGRATION, Ident, Some("STORAGE_INTEGRATION"), "The storage integration of an external stage."),
        Attr::prop(attr::ENCRYPTION, Enum(ENCRYPTION), None, "Encryption of an internal stage: SNOWFLAKE_FULL or SNOWFLAKE_SSE.")
            .default(D::Str("SNOWFLAKE_FULL"))
            .replace("the encryption of an internal stage cannot be changed; replacing the stage deletes its files"),
        Attr::prop(attr::DIRECTORY, Bool, None, "Enable the stage's directory table.").default(D::Bool(false)),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::owner(),
    ],
};

/// Why changing `attr` from `before` to `after` needs the stage replaced, beyond the table.
pub(crate) fn replace_reason(
    attr: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Option<&'static str> {
    match attr {
        "url" if before.is_some() != after.is_some() => Some("a stage cannot switch between internal and external with ALTER; replacing it deletes the files of an internal stage"),
        // ALTER STAGE can SET a storage integration but has no clause that removes one.
        "storage_integration" if before.is_some() && after.is_none() => Some("ALTER STAGE cannot remove a storage integration; the external stage is replaced (its files stay where the URL points)"),
        _ => None,
    }
}
