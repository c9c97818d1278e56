//! The kinds of object, one module each: `<kind>/mod.rs` holds what the kind is (its
//! attribute table, with Snowflake's defaults and ALTER rules as Snowflake's CREATE and ALTER
//! reference pages state them, and the names and values particular to it), `<kind>/ddl.rs`
//! the statements that create, change and drop it, and `<kind>/read.rs` the SHOW families it
//! is read from and the decoder of their rows. Each part registers itself in its layer's
//! registry (`model::schema::SCHEMAS`, `statements::KINDS`, `read::READERS`), so no other
//! module names a kind to reach it; `tests::every_kind_has_every_part` fails on a kind
//! missing a part. The vocabulary the parts are written in sits beside them: `statements`
//! and `props` (DDL), `read` and `rows` (SHOW rows), and `reference` writes
//! docs/attributes.md from the attribute tables.

pub(crate) mod props;
pub(crate) mod read;
#[cfg(test)]
pub(crate) mod reference;
pub(crate) mod rows;
pub(crate) mod statements;

pub(crate) mod database;
pub(crate) mod database_role;
pub(crate) mod entity;
pub(crate) mod feature_view;
pub(crate) mod grant;
pub(crate) mod model;
pub(crate) mod procedure;
pub(crate) mod role;
pub(crate) mod role_grant;
pub(crate) mod schema;
pub(crate) mod stage;
pub(crate) mod table;
pub(crate) mod task;
pub(crate) mod user;
pub(crate) mod view;
pub(crate) mod warehouse;

#[cfg(test)]
mod tests {
    use super::read::{reader, READERS};
    use super::statements::{hooks, KINDS};
    use crate::model::schema::{schema, SCHEMAS};
    use crate::model::Kind;
    use std::path::Path;

    /// Every kind is one module, `kinds/<keyword>/`, whose three parts are registered once
    /// each: a part left out (or registered twice) stops its registry's index, naming the kind.
    #[test]
    fn every_kind_has_every_part() {
        for kind in Kind::ALL {
            assert_eq!(schema(kind).kind, kind);
            assert_eq!(hooks(kind).kind, kind);
            assert_eq!(reader(kind).kind, kind);
            let module = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/kinds")
                .join(kind.as_str());
            for part in ["mod.rs", "ddl.rs", "read.rs"] {
                assert!(
                    module.join(part).is_file(),
                    "{kind:?}: {} is missing",
                    module.join(part).display()
                );
            }
        }
        assert_eq!(SCHEMAS.len(), Kind::COUNT);
        assert_eq!(KINDS.len(), Kind::COUNT);
        assert_eq!(READERS.len(), Kind::COUNT);
    }
}
