//! The model: kinds, names, addresses, typed property values and the objects built from
//! them. Plain data and pure functions; nothing here does IO or knows HCL or SQL text.

mod address;
pub mod attr;
pub(crate) mod canon;
mod derive;
pub mod ident;
mod kind;
mod object;
pub mod schema;
mod value;

pub(crate) use address::{import_command, Import, Removal};
pub use address::{Address, AddressError, Move, MoveEnd};
pub use derive::derive;
pub use ident::{Ident, IdentError, ObjectName};
pub(crate) use kind::ByKind;
pub use kind::{Kind, Scope};
pub(crate) use object::{column_name, columns_by_name, default_value, same_value};
pub use object::{AttrChange, Lifecycle, Object};
pub(crate) use schema::AttrType;
pub use schema::{schema, Attr, Identity, KindSchema, Role, Source, Update};
pub(crate) use value::unnest_json;
pub use value::Value;

/// The longest tag value Snowflake stores, in characters (CREATE <object> ... TAG and
/// ALTER ... SET TAG: "the maximum number of characters for the tag value is 256").
pub(crate) const TAG_VALUE_MAX_CHARS: usize = 256;

/// The Snowflake object name of a feature view version: `<NAME>$<VERSION>`.
pub(crate) fn feature_view_object_name(name: &Ident, version: &str) -> Ident {
    Ident::from_canonical(format!("{}${}", name.as_str(), version))
}

/// The Feature Store keeps an entity as a tag with this prefix (ml-objects.md).
pub(crate) const ENTITY_TAG_PREFIX: &str = "SNOWML_FEATURE_STORE_ENTITY_";

/// The tag that holds a Feature Store entity: an entity object's Snowflake name.
pub(crate) fn entity_tag_name(entity: &Ident) -> Ident {
    Ident::from_canonical(format!("{}{}", ENTITY_TAG_PREFIX, entity.as_str()))
}

/// The entity name of an entity tag, when `tag` is one.
pub(crate) fn entity_of_tag(tag: &Ident) -> Option<Ident> {
    tag.as_str()
        .strip_prefix(ENTITY_TAG_PREFIX)
        .filter(|s| !s.is_empty())
        .map(Ident::from_canonical)
}
