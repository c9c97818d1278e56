pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, Identity, KindSchema};
use crate::model::{Kind, Scope};

/// The longest entity name the Feature Store library takes, counted as it writes the name
/// (`feature_view::library_identifier`, with its quotes): its Entity refuses a longer one
/// and list_entities cuts the name read from the tag to this many characters.
pub(crate) const NAME_MAX_CHARS: usize = 32;

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Entity,
    keyword: "entity",
    noun: "entity",
    identity: Identity::Named(Scope::Schema),
    can_rename: false,
    generate_rank: 4,
    example_label: "patient",
    doc: "A Feature Store entity: the tag SNOWML_FEATURE_STORE_ENTITY_<NAME> whose one allowed value is the join keys.",
    blocks: &[],
    attrs: &[
        Attr::container(attr::SCHEMA, Kind::Schema, "The feature store schema: a schema block reference or \"DATABASE.SCHEMA\"."),
        Attr::name_attr("The entity name; it may not contain a comma, and is at most 32 characters as the Feature Store writes it (a name that is not all upper case counts its double quotes)."),
        Attr::prop(attr::JOIN_KEYS, IdentList, None, "The columns that identify the entity.")
            .required()
            .replace("an entity's join keys cannot change in place: the entity and every feature view that uses it are replaced"),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "The entity's description."),
        Attr::owner(),
    ],
};
