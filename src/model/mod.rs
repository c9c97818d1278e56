//! The model: kinds, names, addresses, typed property values and the objects built from
//! them. Plain data and pure functions; nothing here does IO or knows HCL or SQL text.

mod address;
pub mod attr;
pub mod canon;
mod derive;
pub mod ident;
mod kind;
pub mod kinds;
mod object;
pub mod reference;
pub mod schema;
mod value;

pub use address::{import_command, Address, AddressError, Import, Move, MoveEnd, Removal};
pub use derive::derive;
pub use ident::{Ident, IdentError, ObjectName};
pub use kind::{Kind, Scope};
pub use object::{default_value, same_value, Lifecycle, Object};
pub use schema::{schema, Attr, AttrType, Identity, KindSchema, Role, Source, Update};
pub use value::{unnest_json, Value};

/// The longest tag value Snowflake stores, in characters (CREATE <object> ... TAG and
/// ALTER ... SET TAG: "the maximum number of characters for the tag value is 256").
pub const TAG_VALUE_MAX_CHARS: usize = 256;

/// The Snowflake object name of a feature view version: `<NAME>$<VERSION>`.
pub fn feature_view_object_name(name: &Ident, version: &str) -> Ident {
    Ident::from_canonical(format!("{}${}", name.as_str(), version))
}

/// The tag that holds a Feature Store entity: an entity object's Snowflake name.
pub fn entity_tag_name(entity: &Ident) -> Ident {
    Ident::from_canonical(format!("{}{}", kinds::entity::TAG_PREFIX, entity.as_str()))
}

/// The entity name of an entity tag, when `tag` is one.
pub fn entity_of_tag(tag: &Ident) -> Option<Ident> {
    tag.as_str()
        .strip_prefix(kinds::entity::TAG_PREFIX)
        .filter(|s| !s.is_empty())
        .map(Ident::from_canonical)
}
